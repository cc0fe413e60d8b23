import { randomUUID } from 'node:crypto';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SNSClient } from '@aws-sdk/client-sns';
import type { FailoverConfig } from '../shared/config.js';
import type { OpenedLedger } from '../shared/embedded-ledger.js';
import type { Log } from '../shared/logger.js';
import { buildChannels } from '../shared/notify/channels/index.js';
import { DynamoDbDeliveryStore } from '../shared/notify/delivery-store.js';
import type { NotifierDeps } from '../shared/notify/notifier.js';

/** How long one notification may keep retrying a channel in the CLI before it is left `failed` for --redrive. */
export const CLI_BUDGET_MS = 15_000;

/** A budget counting down to `deadline` (epoch ms). */
export const budgetUntil = (deadline: number) => () => Math.max(0, deadline - Date.now());

/** The same deps with a fresh budget: each replayed event gets its own. */
export const withFreshBudget = (deps: NotifierDeps): NotifierDeps => ({ ...deps, budgetMs: budgetUntil(Date.now() + CLI_BUDGET_MS) });

/**
 * The notifier as the CLI runs it: the same channels and exactly-once bookkeeping as the Lambda, on the CLI's
 * ledger. Secrets come from the config's local values, else from SSM with the caller's credentials.
 */
export const cliNotifier = (config: FailoverConfig, ledger: OpenedLedger, log: Log, now: () => Date = () => new Date()): NotifierDeps => {
  let ssm: SSMProvider | undefined;
  const channels = buildChannels(config, {
    secrets: { get: (name) => (ssm ??= new SSMProvider()).get(name, { decrypt: true, maxAge: 300 }) as Promise<string> },
    ...(config.notify?.sns?.topicArn ? { sns: { client: new SNSClient({}), topicArn: config.notify.sns.topicArn } } : {}),
  });
  return {
    ledger: ledger.store,
    deliveries: new DynamoDbDeliveryStore(ledger.doc, ledger.store.tableName),
    config,
    channels,
    log,
    now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    budgetMs: budgetUntil(Date.now() + CLI_BUDGET_MS),
    owner: `cli-${process.pid}-${randomUUID().slice(0, 8)}`,
  };
};
