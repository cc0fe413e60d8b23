import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { makeDocumentClient } from '../shared/support/clients.js';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { loadNotifyEnv } from '../shared/config/env.js';
import { buildChannels } from '../shared/notify/channels/index.js';
import { sqsDeadLetters } from '../shared/notify/dead-letters.js';
import { DynamoDbDeliveryStore } from '../shared/notify/delivery-store.js';
import { notifyGroupEvent, retryFailed, sweep, type NotifierDeps, type NotifyReport } from '../shared/notify/notifier.js';
import { parseNotifyEvent } from '../shared/notify/notify-event.js';
import { once } from '../shared/support/once.js';

const env = loadNotifyEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
const doc = makeDocumentClient();
// SSM, SNS and SQS clients are built on first use: most cold starts are the every-minute sweep, which usually sends
// nothing, and dead-lettering is rare.
const ssm = once(() => new SSMProvider());
const sqs = once(() => new SQSClient({}));
const channels = buildChannels(config, {
  deployed: true,
  secrets: { get: (name) => ssm().get(name, { decrypt: true, maxAge: env.SECRET_CACHE_SECONDS }) as Promise<string> },
  ...(env.NOTIFY_TOPIC_ARN ? { sns: { client: once(() => new SNSClient({})), topicArn: env.NOTIFY_TOPIC_ARN } } : {}),
});
const ledger = new DynamoDbLedgerStore(doc, env.LEDGER_TABLE);
const deliveries = new DynamoDbDeliveryStore(doc, env.LEDGER_TABLE);
/** Time kept back from the Lambda budget to record outcomes after the last attempt. */
const SAFETY_MS = 3_000;

export interface NotifyResult {
  reports: NotifyReport[];
  /** Partial batch response for the ledger stream: Lambda retries from the first failed record, keeping group order. */
  batchItemFailures?: { itemIdentifier: string }[];
}

const depsFor = (context: Context): NotifierDeps => ({
  ledger, deliveries, config, channels, log: logger,
  now: () => new Date(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  budgetMs: () => (context.getRemainingTimeInMillis?.() ?? 30_000) - SAFETY_MS,
  owner: context.awsRequestId ?? randomUUID(),
  ...(env.DEAD_LETTER_QUEUE_URL ? { deadLetters: sqsDeadLetters(sqs, env.DEAD_LETTER_QUEUE_URL) } : {}),
});

/**
 * Ledger stream records (new entries) → their notifications. A channel outage never fails the batch (that would
 * hold up every later notification on the shard): the delivery is left `failed` and the every-minute schedule
 * retries it, then dead-letters it. Only infrastructure errors (ledger unreachable) fail a record.
 */
export const notify = async (event: unknown, context: Context): Promise<NotifyResult> => {
  const input = parseNotifyEvent(event);
  const deps = depsFor(context);
  if (input.kind === 'stream') {
    const reports: NotifyReport[] = [];
    for (const ref of input.refs) {
      logger.appendKeys({ correlationId: ref.correlationId, group: ref.group, seq: ref.seq });
      try {
        reports.push(await notifyGroupEvent(ref, deps));
      } catch (err) {
        logger.error('notification failed; this record and the ones after it will be retried', { error: err });
        return { reports, batchItemFailures: [{ itemIdentifier: ref.sequenceNumber }] };
      } finally {
        logger.removeKeys(['correlationId', 'group', 'seq']);
      }
    }
    return { reports, batchItemFailures: [] };
  }
  if (input.kind === 'sweep') {
    const now = new Date();
    return { reports: [await sweep(now, deps), await retryFailed(now, deps)] };
  }
  return { reports: [await notifyGroupEvent(input.ref, deps)] };
};

export const handler = middy<unknown, NotifyResult>().handler(notify);
