import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Notification } from './notification.js';

export interface UndeliveredNotification {
  notification: Notification;
  channel: string;
  reason: string;
  attempts: number;
}

/**
 * The stack's DLQ as the notifier's last resort: one message per (notification, channel) given up on. `client` may
 * be a factory: dead-lettering is rare, so a container builds the SQS client only when it first gives up on one.
 */
export const sqsDeadLetters = (client: SQSClient | (() => SQSClient), queueUrl: string) => ({
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
