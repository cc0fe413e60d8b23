import {
  AuthorizationErrorException,
  CreateTopicCommand,
  InternalErrorException,
  InvalidParameterException,
  KMSDisabledException,
  KMSThrottlingException,
  type SNSClient,
  SubscribeCommand,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildSnsPublish,
  classifySnsError,
  SMS_MAX,
  SNS_MAX_PAYLOAD_BYTES,
  type SnsMessageBody,
  type SnsMessageDocument,
  snsChannel,
  snsSubject,
} from '../../shared/notify/channels/sns.js';
import type { Notification } from '../../shared/notify/notification.js';
import { refusedUrl } from '../helpers/http-receiver.js';
import { failedOverNotification } from '../helpers/notification.js';
import { bodyFor, localSnsClient, SNS_PROTOCOLS, subscribeRaw } from '../helpers/sns.js';

const notification: Notification = failedOverNotification;
const LEDGER_TABLE = 'r53-failover-prod-ledger';

const signal = () => new AbortController().signal;
const snsClient = localSnsClient;

/** The SNS-to-SQS envelope (non-raw delivery): the only place a subscriber sees the Subject. */
interface SnsEnvelope {
  Type: string;
  TopicArn: string;
  Subject: string | null;
  Message: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
}

let fauxqs: FauxqsServer;
let sns: SNSClient;
let topicArn: string;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sns = snsClient(fauxqs.address);
  // Topic and subscriptions go through the SNS API, as a deploy would create them; the queues are test plumbing.
  topicArn = (await sns.send(new CreateTopicCommand({ Name: 'r53-failover-alerts' }))).TopicArn ?? '';
  const envelopeQueue = fauxqs.createQueue('alerts-envelope');
  const rawQueue = fauxqs.createQueue('alerts-raw');
  const criticalQueue = fauxqs.createQueue('alerts-critical');
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: envelopeQueue.queueArn }));
  await subscribeRaw(sns, topicArn, rawQueue.queueArn);
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: criticalQueue.queueArn,
      Attributes: {
        RawMessageDelivery: 'true',
        FilterPolicy: JSON.stringify({ severity: ['critical'], event: ['FAILED_OVER', 'BOTH_UNHEALTHY'] }),
      },
    }),
  );
});
afterAll(async () => {
  sns?.destroy();
  await fauxqs?.stop();
});
beforeEach(() => fauxqs.reset());

/** What sits in a queue, read without consuming it (the project has no SQS client dependency). */
const queued = (name: string) => {
  const q = fauxqs.inspectQueue(name);
  if (!q) throw new Error(`queue ${name} does not exist`);
  return [...q.messages.ready, ...q.messages.delayed, ...q.messages.inflight.map((i) => i.message)];
};
const envelopes = () => queued('alerts-envelope').map((m) => JSON.parse(m.body) as SnsEnvelope);
// fauxqs 1.9.2 ignores MessageStructure: it hands every SQS subscriber the whole per-protocol document that Publish
// received (AWS hands an SQS subscriber the document's `default`: the moto_server tests below check that). So here
// the tests read the document fauxqs received and apply SNS's documented selection (test/helpers/sns.ts).
const documentOf = (message: string | undefined) => JSON.parse(message ?? '') as SnsMessageDocument;
const jsonBodyOf = (message: string | undefined) =>
  JSON.parse(bodyFor('sqs', documentOf(message))) as SnsMessageBody & { truncated?: boolean };

describe('sns channel against fauxqs', () => {
  it('publishes the subject, a per-protocol message document and filterable attributes', async () => {
    // Arrange
    const channel = snsChannel({ client: sns, topicArn });
    // Act
    const result = await channel.send(notification, signal());
    // Assert
    expect(result).toEqual({ status: 'sent', info: expect.any(String) });
    const [envelope, ...rest] = envelopes();
    expect(rest).toHaveLength(0);
    expect(envelope).toMatchObject({
      Type: 'Notification',
      TopicArn: topicArn,
      Subject: 'orders-api failed over to eu-west-1',
    });
    const document = documentOf(envelope?.Message);
    expect(Object.keys(document).sort()).toEqual(['default', 'email', 'sms']);
    expect(Object.values(document).every((v) => typeof v === 'string')).toBe(true);
    expect(JSON.parse(document.default)).toEqual({ version: 1, notification });
    expect(envelope?.MessageAttributes).toEqual({
      group: { Type: 'String', Value: 'orders-api' },
      event: { Type: 'String', Value: 'FAILED_OVER' },
      severity: { Type: 'String', Value: 'critical' },
      kind: { Type: 'String', Value: 'transition' },
      correlationId: { Type: 'String', Value: '6a7e8feb-b491-4cf7-a9f1-bf3703467718' },
    });
  });

  it('builds its client from a factory on the first publish only', async () => {
    // Arrange
    let built = 0;
    const channel = snsChannel({ client: () => (built++, sns), topicArn });
    expect(built).toBe(0);
    // Act
    await channel.send(notification, signal());
    // Assert
    expect(built).toBe(1);
    expect(envelopes()).toHaveLength(1);
  });

  it('hands raw-delivery subscribers the message and the attributes as SQS message attributes', async () => {
    // Arrange
    const channel = snsChannel({ client: sns, topicArn });
    // Act
    await channel.send(notification, signal());
    // Assert
    const [raw] = queued('alerts-raw');
    expect(jsonBodyOf(raw?.body)).toEqual({ version: 1, notification });
    expect(raw?.messageAttributes).toMatchObject({
      group: { DataType: 'String', StringValue: 'orders-api' },
      event: { DataType: 'String', StringValue: 'FAILED_OVER' },
      severity: { DataType: 'String', StringValue: 'critical' },
      kind: { DataType: 'String', StringValue: 'transition' },
    });
  });

  it('lets a subscriber filter on the attributes (critical failovers only)', async () => {
    // Arrange
    const channel = snsChannel({ client: sns, topicArn });
    const reminder: Notification = {
      ...notification,
      id: 'orders-api#42#reminder#1',
      kind: 'reminder',
      severity: 'warning',
    };
    const recovered: Notification = {
      ...notification,
      id: 'orders-api#47#transition',
      seq: 47,
      event: 'RECOVERED',
      severity: 'info',
    };
    // Act
    for (const n of [notification, reminder, recovered]) await channel.send(n, signal());
    // Assert
    expect(queued('alerts-envelope')).toHaveLength(3);
    expect(queued('alerts-critical').map((m) => jsonBodyOf(m.body).notification.id)).toEqual([
      'orders-api#42#transition',
    ]);
  });

  it('truncates a 300 KB reason visibly so the message fits under 256 KiB', async () => {
    // Arrange
    const huge: Notification = { ...notification, reason: `Threshold Crossed: ${'é'.repeat(150_000)}` };
    const channel = snsChannel({ client: sns, topicArn });
    // Act
    const result = await channel.send(huge, signal());
    // Assert
    expect(result.status).toBe('sent');
    const message = envelopes()[0]?.Message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    expect(Buffer.byteLength(message)).toBeGreaterThan(SNS_MAX_PAYLOAD_BYTES - 1024);
    const body = jsonBodyOf(message);
    expect(body.truncated).toBe(true);
    // The texts for people are bounded by themselves: the JSON body gave way, they did not.
    expect(documentOf(message).email).toMatch(/Threshold Crossed: é{20}.*…$/m);
    expect(documentOf(message).email.length).toBeLessThan(8_000);
    expect(body.notification.reason.startsWith('Threshold Crossed: ééé')).toBe(true);
    expect(body.notification.reason).toMatch(/…\[truncated from 150019 characters\]$/);
    expect(body.notification.summary).toBe(notification.summary);
    expect({ ...body.notification, reason: '' }).toEqual({ ...notification, reason: '' });
  });

  it('cuts the summary too when the reason alone cannot make room', () => {
    // Arrange
    const huge: Notification = { ...notification, reason: 'r'.repeat(200_000), summary: 's'.repeat(300_000) };
    // Act
    const input = buildSnsPublish(huge, topicArn);
    // Assert
    const body = jsonBodyOf(input.Message);
    expect(input.MessageStructure).toBe('json');
    expect(Buffer.byteLength(input.Message ?? '')).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    expect(body.truncated).toBe(true);
    const { reason, summary } = body.notification;
    expect(reason.length < 100 ? reason : `${reason.length} characters`).toBe(' …[truncated from 200000 characters]');
    expect(summary.slice(-40)).toMatch(/s …\[truncated from 300000 characters\]$/);
    expect(summary.length).toBeGreaterThan(200_000);
  });

  it('turns a hostile multi-line, non-ASCII title into a safe one-line subject', async () => {
    // Arrange
    const hostile: Notification = {
      ...notification,
      title: `\u{1F525}  Bascule réussie\r\nBcc: attacker@example.com\u0000\u001b[31m\t${'x'.repeat(200)}`,
    };
    const channel = snsChannel({ client: sns, topicArn });
    // Act
    const result = await channel.send(hostile, signal());
    // Assert
    expect(result.status).toBe('sent');
    const subject = envelopes()[0]?.Subject ?? '';
    expect(subject).toBe(`Bascule reussie Bcc: attacker@example.com [31m ${'x'.repeat(49)}...`);
    expect(subject).toMatch(/^[\x21-\x7e][\x20-\x7e]{0,98}$/);
  });

  it('falls back to event and group when nothing printable is left of the title', () => {
    // Arrange
    const blank: Notification = { ...notification, title: '\u{1F6A8}\r\n\u0007 ' };
    // Act
    const { Subject } = buildSnsPublish(blank, topicArn);
    // Assert
    expect(Subject).toBe('r53-failover FAILED_OVER orders-api');
    expect(snsSubject('', '')).toBe('r53-failover notification');
  });

  it('gives email subscribers a plain-text summary and SMS subscribers one short line', async () => {
    // Arrange
    const channel = snsChannel({ client: sns, topicArn, ledgerTable: LEDGER_TABLE });
    // Act
    await channel.send(notification, signal());
    // Assert: the bodies SNS selects for each protocol from the document fauxqs received
    const document = documentOf(envelopes()[0]?.Message);
    expect(bodyFor('email', document)).toBe(
      [
        'orders-api failed over to eu-west-1',
        '',
        'The primary health check is unhealthy; Route 53 now answers with the secondary in eu-west-1.',
        '',
        'Serving now:   the secondary (eu-west-1) answers api.example.com',
        'Since:         2025-06-12T14:03:27.412Z (primary OK -> ALARM)',
        'Severity:      critical',
        'Runbook:       https://runbooks.example.com/orders-api/failover',
        'History:       r53-failover history --group orders-api --stage prod',
        `Alarm:         ${notification.links.alarm}`,
        `Health check:  ${notification.links.healthCheck}`,
        '',
        'Alarm reason, as CloudWatch wrote it:',
        notification.reason,
        '',
        'Event FAILED_OVER; notification orders-api#42#transition; correlation id 6a7e8feb-b491-4cf7-a9f1-bf3703467718.',
      ].join('\n'),
    );
    expect(bodyFor('sms', document)).toBe('r53-failover: orders-api failed over to eu-west-1 (14:03 UTC)');
    // email-json subscribers parse JSON: they, and every machine protocol, get the JSON notification.
    for (const protocol of SNS_PROTOCOLS.filter((p) => p !== 'email' && p !== 'sms'))
      expect(JSON.parse(bodyFor(protocol, document)), protocol).toEqual({ version: 1, notification });
  });

  it('keeps an SMS to one printable-ASCII line of at most 140 characters, and names a non-stage table', () => {
    // Arrange
    const long: Notification = { ...notification, title: `Bascule réussie \u{1F525}\r\n${'x'.repeat(200)}` };
    // Act
    const document = documentOf(buildSnsPublish(long, topicArn, 'my-audit-ledger').Message);
    // Assert
    expect(document.sms).toMatch(/^r53-failover: Bascule reussie x+\.\.\.$/);
    expect(document.sms).toHaveLength(SMS_MAX);
    expect(document.email).toContain('History:       r53-failover history --group orders-api --table my-audit-ledger');
  });

  it('says when no runbook is configured, and leaves the history command local when the table is unknown', () => {
    // Arrange
    const bare: Notification = { ...notification, links: {}, reason: '', correlationId: undefined };
    // Act
    const { email } = documentOf(buildSnsPublish(bare, topicArn).Message);
    // Assert
    expect(email).toContain('Runbook:       none configured (groups.orders-api.runbookUrl in failover.yml)');
    expect(email).toContain('History:       r53-failover history --group orders-api\n');
    expect(email).not.toMatch(/Alarm reason|Alarm: |correlation id/);
  });

  it('gives up when the topic does not exist (NotFound)', async () => {
    // Arrange
    const channel = snsChannel({ client: sns, topicArn: 'arn:aws:sns:us-east-1:000000000000:no-such-topic' });
    // Act
    const result = await channel.send(notification, signal());
    // Assert
    expect(result).toEqual({ status: 'permanent', reason: 'sns NotFoundException: Topic does not exist' });
  });

  it('retries when SNS cannot be reached', async () => {
    // Arrange
    const client = snsClient(await refusedUrl(''));
    const channel = snsChannel({ client, topicArn });
    // Act
    const result = await channel.send(notification, signal());
    client.destroy();
    // Assert
    expect(result).toEqual({ status: 'retry', reason: expect.stringMatching(/^sns network error \(ECONNREFUSED\)/) });
  });
});

describe("sns error classification (the SDK's own exception classes; fauxqs cannot throttle or fail KMS)", () => {
  const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

  it('retries throttling and server errors, and gives up on auth, parameter and KMS configuration errors', () => {
    // Arrange
    const errors = {
      throttled: new ThrottledException({ message: 'Rate exceeded', ...meta(429) }),
      kmsThrottled: new KMSThrottlingException({ message: 'KMS rate exceeded', ...meta(400) }),
      internal: new InternalErrorException({ message: 'Internal error', ...meta(500) }),
      bare503: Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', ...meta(503) }),
      retryableFlag: Object.assign(new Error('whatever'), {
        name: 'SomethingNew',
        $retryable: { throttling: true },
        ...meta(400),
      }),
      authorization: new AuthorizationErrorException({
        message: 'User is not authorized to perform SNS:Publish',
        ...meta(403),
      }),
      invalidParameter: new InvalidParameterException({ message: 'Invalid parameter: Subject', ...meta(400) }),
      kmsDisabled: new KMSDisabledException({ message: 'Key is disabled', ...meta(400) }),
      unknown4xx: Object.assign(new Error('Nope'), { name: 'SomethingElse', ...meta(400) }),
    };
    // Act
    const results = Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, classifySnsError(e)]));
    // Assert
    expect(results).toEqual({
      throttled: { status: 'retry', reason: 'sns ThrottledException: Rate exceeded' },
      kmsThrottled: { status: 'retry', reason: 'sns KMSThrottlingException: KMS rate exceeded' },
      internal: { status: 'retry', reason: 'sns InternalErrorException: Internal error' },
      bare503: { status: 'retry', reason: 'sns ServiceUnavailable: Service Unavailable' },
      retryableFlag: { status: 'retry', reason: 'sns SomethingNew: whatever' },
      authorization: {
        status: 'permanent',
        reason: 'sns AuthorizationErrorException: User is not authorized to perform SNS:Publish',
      },
      invalidParameter: { status: 'permanent', reason: 'sns InvalidParameterException: Invalid parameter: Subject' },
      kmsDisabled: { status: 'permanent', reason: 'sns KMSDisabledException: Key is disabled' },
      unknown4xx: { status: 'permanent', reason: 'sns SomethingElse: Nope' },
    });
  });
});
