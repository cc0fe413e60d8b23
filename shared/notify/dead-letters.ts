import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Log } from '../support/logger.js';
import type { DeliveryStore } from './delivery-store.js';
import type { Notification } from './notification.js';
import { METRIC, type MetricSink } from '../support/metrics.js';

export interface UndeliveredNotification {
  notification: Notification;
  channel: string;
  reason: string;
  attempts: number;
}

export interface DeadLetters {
  send(record: UndeliveredNotification): Promise<void>;
}

/**
 * The stack's DLQ as the notifier's last resort: one message per (notification, channel) given up on. `client` may
 * be a factory: dead-lettering is rare, so a container builds the SQS client only when it first gives up on one.
 */
export const sqsDeadLetters = (client: SQSClient | (() => SQSClient), queueUrl: string): DeadLetters => ({
  async send(rec: UndeliveredNotification): Promise<void> {
    const sqs = typeof client === 'function' ? client() : client;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ type: 'r53-failover.undelivered-notification', ...rec }),
        MessageAttributes: {
          group: { DataType: 'String', StringValue: rec.notification.group },
          channel: { DataType: 'String', StringValue: rec.channel },
        },
      }),
    );
  },
});

export interface GiveUpDeps {
  deliveries: Pick<DeliveryStore, 'giveUp'>;
  log: Log;
  now: () => Date;
  /** The stack's DLQ; absent in the CLI (the delivery is marked given-up for `notify --redrive`). */
  deadLetters?: DeadLetters;
  metrics?: MetricSink;
}

/**
 * Gives up on a delivery whose retries are exhausted. The dead letter is sent first and the delivery is marked
 * given-up (permanent) only once SQS has it: a failed `SendMessage` is logged and leaves the delivery `failed` and
 * retryable, so the next sweep tries the channel again and then the dead letter again. Nothing is lost silently; a
 * crash or an overlapping sweep between the two steps can dead-letter it twice (never zero times).
 */
export const giveUpDelivery = async (
  rec: UndeliveredNotification,
  deps: GiveUpDeps,
): Promise<'dead-lettered' | 'given-up' | 'dead-letter-failed' | 'already-given-up'> => {
  const ids = { notificationId: rec.notification.id, channel: rec.channel, reason: rec.reason };
  if (deps.deadLetters) {
    try {
      await deps.deadLetters.send(rec);
    } catch (err) {
      deps.log.error('dead letter could not be sent; the delivery stays retryable and the next sweep tries again', {
        ...ids,
        error: err,
      });
      return 'dead-letter-failed';
    }
  }
  if (!(await deps.deliveries.giveUp(rec.notification, rec.channel, rec.reason, deps.now()))) {
    // Another invocation gave it up in between: its dead letter (if any) stands beside this one.
    deps.log.warn('delivery was already given up by another invocation', ids);
    return 'already-given-up';
  }
  deps.log.error(
    deps.deadLetters
      ? 'notification given up and dead-lettered; r53-failover notify --redrive resends it'
      : 'notification given up; r53-failover notify --redrive resends it',
    ids,
  );
  deps.metrics?.put(METRIC.notificationsDeadLettered, 'Count', 1, { Channel: rec.channel });
  return deps.deadLetters ? 'dead-lettered' : 'given-up';
};
