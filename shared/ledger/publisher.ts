import type { LedgerEntry } from './store.js';

/**
 * Where a group event goes after the ledger write. Deployed stacks need no publisher: the ledger table's DynamoDB
 * stream is the outbox (every appended entry reaches the notify function, in order per group, retried until it
 * succeeds). The CLI publishes in process, straight to the notifier.
 */
export interface GroupEventPublisher {
  publish(entry: LedgerEntry, correlationId: string): Promise<void>;
}
