import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SnsMessageBody, snsChannel } from '../../shared/notify/channels/sns.js';
import { receiverPool } from '../helpers/http-receiver.js';
import { motoClientConfig, motoSkipReason, type MotoServer, startMoto } from '../helpers/moto.js';
import { failedOverNotification as notification } from '../helpers/notification.js';

// What each kind of subscriber of the notification topic receives, on moto_server, which (unlike fauxqs 1.9.2)
// delivers a MessageStructure json publish the way SNS does: each subscription gets its protocol's key, else
// `default`. moto delivers to SQS and HTTP(S) subscriptions; it accepts email and SMS subscriptions but sends nothing
// to them, so their bodies are checked on the published document instead (sns-channel.test.ts).

const skip = motoSkipReason();
const pool = receiverPool();
afterEach(() => pool.closeAll());

interface Envelope {
  Type: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

describe.skipIf(skip)('sns subscribers of every kind on moto_server', () => {
  let moto: MotoServer;
  let sns: SNSClient;
  let sqs: SQSClient;
  beforeAll(async () => {
    moto = await startMoto();
    sns = new SNSClient({ ...motoClientConfig(moto), maxAttempts: 1 });
    sqs = new SQSClient({ ...motoClientConfig(moto), maxAttempts: 1 });
  }, 60_000);
  afterAll(async () => {
    sns?.destroy();
    sqs?.destroy();
    await moto?.stop();
  });

  const queue = async (name: string) => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return { url, arn: attrs.Attributes?.QueueArn ?? '' };
  };
  const received = async (url: string): Promise<Message[]> =>
    (
      await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      )
    ).Messages ?? [];

  it('hands SQS (raw and enveloped) and HTTP subscribers the JSON notification, with its attributes', async () => {
    // Arrange: one topic, an enveloped and a raw queue, an HTTP endpoint; email and SMS subscribed beside them
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'r53-failover-test-notifications' }))).TopicArn;
    if (!topicArn) throw new Error('no topic');
    const [enveloped, raw] = [await queue('alerts-enveloped'), await queue('alerts-raw')];
    const http = await pool.start(() => ({ status: 200 }));
    const subscribe = (Protocol: string, Endpoint: string, Attributes?: Record<string, string>) =>
      sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol, Endpoint, ...(Attributes ? { Attributes } : {}) }));
    await subscribe('sqs', enveloped.arn);
    await subscribe('sqs', raw.arn, { RawMessageDelivery: 'true' });
    await subscribe('http', `${http.url}/sns`);
    await subscribe('email', 'oncall@example.com');
    await subscribe('sms', '+15555550100');
    // Act
    const result = await snsChannel({ client: sns, topicArn, ledgerTable: 'r53-failover-prod-ledger' }).send(
      notification,
      new AbortController().signal,
    );
    // Assert
    expect(result.status).toBe('sent');
    const expected: SnsMessageBody = { version: 1, notification };
    const [envelopeMessage] = await received(enveloped.url);
    const envelope = JSON.parse(envelopeMessage?.Body ?? '') as Envelope;
    expect(envelope).toMatchObject({ Type: 'Notification', Subject: 'orders-api failed over to eu-west-1' });
    expect(JSON.parse(envelope.Message)).toEqual(expected);
    expect(envelope.MessageAttributes?.event).toEqual({ Type: 'String', Value: 'FAILED_OVER' });
    const [rawMessage] = await received(raw.url);
    expect(JSON.parse(rawMessage?.Body ?? '')).toEqual(expected);
    expect(rawMessage?.MessageAttributes?.severity).toMatchObject({ DataType: 'String', StringValue: 'critical' });
    const post = http.requests.find((r) => r.path === '/sns');
    expect(JSON.parse((post?.json as Envelope | undefined)?.Message ?? '')).toEqual(expected);
  });
});
