import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FailoverConfig } from '../../shared/config/schema.js';
import type { LedgerStore } from '../../shared/ledger/store.js';
import { buildChannels } from '../../shared/notify/channels/index.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import type { Notification } from '../../shared/notify/notification.js';
import { notifyGroupEvent, type NotifierDeps } from '../../shared/notify/notifier.js';
import type { RecorderDeps } from '../../shared/record/recorder.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import type { Log } from '../../shared/support/logger.js';

/** A fully filled FAILED_OVER notification (every optional field set) for channel tests. */
export const failedOverNotification: Notification = {
  id: 'orders-api#42#transition',
  kind: 'transition',
  group: 'orders-api',
  seq: 42,
  event: 'FAILED_OVER',
  severity: 'critical',
  title: 'orders-api failed over to eu-west-1',
  summary: 'The primary health check is unhealthy; Route 53 now answers with the secondary in eu-west-1.',
  recordName: 'api.example.com',
  serving: 'secondary',
  servingRegion: 'eu-west-1',
  role: 'primary',
  state: 'ALARM',
  previousState: 'OK',
  healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:r53-failover-prod-orders-api-primary-health',
  reason: 'Threshold Crossed: 1 datapoint [0.0 (12/06/25 14:02:00)] was less than the threshold (1.0).',
  stateChangedAt: '2025-06-12T14:03:27.412Z',
  notifiedAt: '2025-06-12T14:03:31.000Z',
  latencySeconds: 3.588,
  links: {
    healthCheck:
      'https://console.aws.amazon.com/route53/healthchecks/home#/details/abcdef01-2345-6789-abcd-ef0123456789',
    alarm:
      'https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/r53-failover-prod-orders-api-primary-health',
    runbook: 'https://runbooks.example.com/orders-api/failover',
  },
  episode: 42,
  flap: { transitions: 5, since: '2025-06-12T13:30:00.000Z', until: '2025-06-12T14:03:27.412Z', suppressed: 2 },
  reminder: { n: 1, minutes: 30 },
  correlationId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
};

/**
 * The notifier on a dynalite table, wired as the notify function wires it, for tests: the channels the config
 * names, waits recorded in `waits` instead of slept, jitter fixed.
 */
export const notifierOn = (
  client: DynamoDBClient,
  table: string,
  ledger: LedgerStore,
  config: FailoverConfig,
  log: Log,
  opts: { now?: () => Date; budgetMs?: number; waits?: number[] } = {},
): NotifierDeps => ({
  ledger,
  deliveries: new DynamoDbDeliveryStore(makeDocumentClient(client), table),
  config,
  channels: buildChannels(config),
  log,
  now: opts.now ?? (() => new Date('2025-07-01T12:00:00.000Z')),
  // Waits are recorded, not slept: tests assert Retry-After and backoff without taking time.
  sleep: async (ms) => void opts.waits?.push(ms),
  budgetMs: () => opts.budgetMs ?? 60_000,
  owner: 'test',
  random: () => 0.5,
});

/** `recorder` handing each entry it appends to `notifier` in process (the ledger stream's job when deployed). */
export const recorderNotifying = (recorder: RecorderDeps, notifier: NotifierDeps): RecorderDeps => ({
  ...recorder,
  publisher: {
    publish: async (entry, correlationId) =>
      void (await notifyGroupEvent({ group: entry.group, seq: entry.seq, correlationId }, notifier)),
  },
  acks: notifier.deliveries,
});
