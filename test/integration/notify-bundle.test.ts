import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { groupPk, seqSk } from '../../shared/ledger/schema.js';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import type { SnsMessageDocument } from '../../shared/notify/channels/sns.js';
import { sqsDeadLetters } from '../../shared/notify/dead-letters.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { loadBundle, streamRecordOf } from '../helpers/bundle.js';
import { FIXTURE_CONFIG_YAML, loadEvent, PRIMARY_HC } from '../helpers/events.js';
import { captureLog, recorderDeps, startLocalDynamo } from '../helpers/ledger.js';
import { parseConfigText } from '../../shared/config/file.js';
import { observeDns } from '../../shared/probe/dns-observation.js';
import type { DnsProbeResult } from '../../shared/probe/dns-probe.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { bodyFor } from '../helpers/sns.js';

const context = {
  awsRequestId: 'req-n',
  functionName: 'notify',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
type Handler = (
  event: unknown,
  ctx: Context,
) => Promise<{ reports: unknown[]; batchItemFailures?: { itemIdentifier: string }[] }>;

const SLACK_SECRET_URL_PATH = '/services/T0/B0/FROMSSM';
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let fauxqs: FauxqsServer;
let slack: Receiver;
let ssm: Receiver;
let table: string;
let handler: Handler;
let store: Awaited<ReturnType<Awaited<ReturnType<typeof startLocalDynamo>>['freshTable']>>['store'];
let restoreEnv: () => void;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  ({ table, store } = await dynamo.freshTable());
  fauxqs = await startFauxqs({ port: 0, logger: false });
  const topic = fauxqs.createTopic('r53-failover-test-notifications');
  fauxqs.createQueue('subscriber');
  fauxqs.subscribe({
    topic: 'r53-failover-test-notifications',
    queue: 'subscriber',
    attributes: { RawMessageDelivery: 'true' },
  });
  const dlq = fauxqs.createQueue('dlq');
  slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
  // An SSM-compatible peer: the SDK's JSON protocol for GetParameter (X-Amz-Target: AmazonSSM.GetParameter).
  ssm = await startReceiver((req) => {
    const name = (req.json as { Name?: string })?.Name;
    if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter' || name !== '/r53-failover/slack-webhook') {
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ __type: 'ParameterNotFound', message: 'not found' }),
      };
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        Parameter: { Name: name, Type: 'SecureString', Value: `${slack.url}${SLACK_SECRET_URL_PATH}`, Version: 1 },
      }),
    };
  });
  // What the plugin ships: SSM parameter names only, no literal secrets.
  ({ handler, restoreEnv } = loadBundle<Handler>(
    'notify',
    `${FIXTURE_CONFIG_YAML}notify:\n  slack: { webhookSsmParameter: /r53-failover/slack-webhook, allowPrivateTargets: true }\n  sns: {}\n`,
    {
      LEDGER_TABLE: table,
      NOTIFY_TOPIC_ARN: topic.topicArn,
      DEAD_LETTER_QUEUE_URL: dlq.queueUrl,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SNS: fauxqs.address,
      AWS_ENDPOINT_URL_SQS: fauxqs.address,
      AWS_ENDPOINT_URL_SSM: ssm.url,
    },
  ));
});
afterAll(async () => {
  restoreEnv();
  await Promise.all([slack.close(), ssm.close(), fauxqs.stop(), dynamo.stop()]);
});

/** The DynamoDB stream record Lambda would deliver for a new ledger entry (NEW_IMAGE, as stored). */
const streamRecordFor = async (group: string, seq: number, sequenceNumber: string) => {
  const item = (
    await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: groupPk(group) }, sk: { S: seqSk(seq) } } }),
    )
  ).Item;
  return streamRecordOf(item, sequenceNumber);
};
const subscriberMessages = () => fauxqs.inspectQueue('subscriber')?.messages.ready ?? [];

describe('notify bundle (dist/notify/index.js)', () => {
  it('turns a ledger stream record into one Slack message (URL from SSM) and one SNS message, exactly once', async () => {
    await recordEvent(
      eventBridgeEvent({
        alarmName: 'a',
        healthCheckId: PRIMARY_HC,
        state: 'ALARM',
        previousState: 'OK',
        at: new Date(Date.now() - 60_000).toISOString(),
      }),
      // A minute ago by the real clock (the bundle's sweep runs on it), received now.
      { ...recorderDeps(store()), now: () => new Date() },
      'c',
    );
    const event = { Records: [await streamRecordFor('orders-api', 1, '100')] };
    const first = await handler(event, context);
    const again = await handler(event, context); // the stream retries a batch: nothing is sent twice
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(slack.requests.map((r) => r.path)).toEqual([SLACK_SECRET_URL_PATH]);
    expect(subscriberMessages()).toHaveLength(1);
    // fauxqs hands SQS subscribers the whole MessageStructure document (AWS: its `default`; test/helpers/sns.ts).
    const document = JSON.parse(subscriberMessages()[0]?.body ?? '{}') as SnsMessageDocument;
    expect(JSON.parse(bodyFor('sqs', document))).toMatchObject({
      version: 1,
      notification: { group: 'orders-api', event: 'FAILED_OVER' },
    });
    expect(bodyFor('email', document)).toContain(
      `History:       r53-failover history --group orders-api --table ${table}`,
    );
    expect(ssm.requests.filter((r) => r.headers['x-amz-target'] === 'AmazonSSM.GetParameter')).toHaveLength(1); // cached per container
  });

  it('skips non-INSERT records, and its schedule sweep sends nothing a minute into a failover', async () => {
    const before = slack.requests.length;
    const modify = { ...(await streamRecordFor('orders-api', 1, '101')), eventName: 'MODIFY' };
    await expect(handler({ Records: [modify] }, context)).resolves.toMatchObject({ batchItemFailures: [] });
    await expect(
      handler(
        {
          version: '0',
          id: 's',
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: '123456789012',
          time: '2025-07-01T10:05:00Z',
          region: 'us-east-1',
          resources: [],
          detail: {},
        },
        context,
      ),
    ).resolves.toBeDefined();
    expect(slack.requests.length).toBe(before);
  });

  it('reports the failed record (and keeps the ones after it) when the ledger entry is missing', async () => {
    const ghost = await streamRecordFor('orders-api', 1, '102');
    const res = await handler(
      {
        Records: [
          { ...ghost, dynamodb: { ...ghost.dynamodb, NewImage: { ...ghost.dynamodb.NewImage, seq: { N: '99' } } } },
        ],
      },
      context,
    );
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: '102' }]);
  });

  it('sends one of the stack’s own alarms to Slack once (not to the topic: its alarm action did), writing the EMF metric', async () => {
    const slackBefore = slack.requests.length;
    const snsBefore = subscriberMessages().length;
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const event = loadEvent('eventbridge/ops-alarm-state-change.json');
      await handler(event, context);
      await handler({ ...event, id: 'redelivered' }, context);
    } finally {
      spy.mockRestore();
    }
    expect(slack.requests.slice(slackBefore).map((r) => r.path)).toEqual([SLACK_SECRET_URL_PATH]);
    expect(JSON.stringify(slack.requests.at(-1)?.json)).toContain('STACK ALARM: notify-errors');
    expect(subscriberMessages()).toHaveLength(snsBefore);
    const emf = written.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf.filter((e) => e.NotificationsSent !== undefined)).toEqual([
      expect.objectContaining({ Channel: 'slack', NotificationsSent: 1, service: 'r53-failover' }),
    ]);
  });

  it('notifies a DNS observation entry (kind dns) like any group event: Slack and the topic, once', async () => {
    // Arrange: the probes saw the record move to the secondary (seq 2, after the FAILED_OVER above)
    const config = parseConfigText(FIXTURE_CONFIG_YAML, 'test.yml');
    const deps = {
      config,
      region: 'us-west-2',
      store: new DynamoDbProbeStore(makeDocumentClient(dynamo.client), table),
      ledger: store(),
      log: captureLog(),
      now: () => new Date(),
    };
    const seen = (pointsTo: 'primary' | 'secondary', ip: string): DnsProbeResult => ({
      probe: 'dns',
      type: 'dns',
      target: 'api.orders.example.com A',
      ok: true,
      latencyMs: 3,
      startedAt: new Date().toISOString(),
      assertions: [],
      warnings: [],
      dns: [{ resolver: '192.0.2.53', answers: [ip], member: pointsTo, latencyMs: 3 }],
      pointsTo,
    });
    await observeDns(deps, 'orders-api', seen('primary', '192.0.2.10'));
    const [entry] = await observeDns(
      { ...deps, now: () => new Date(Date.now() + 10_000) },
      'orders-api',
      seen('secondary', '198.51.100.20'),
    );
    const slackBefore = slack.requests.length;
    const snsBefore = subscriberMessages().length;
    // Act
    const event = { Records: [await streamRecordFor('orders-api', entry?.seq ?? 0, '200')] };
    const res = await handler(event, context);
    await handler(event, context);
    // Assert
    expect(entry).toMatchObject({ kind: 'dns', seq: 2, event: 'DNS_SERVING_CHANGED' });
    expect(res.batchItemFailures).toEqual([]);
    expect(slack.requests.slice(slackBefore)).toHaveLength(1);
    expect(JSON.stringify(slack.requests.at(-1)?.json)).toContain(
      'DNS MOVED: orders-api now answers the secondary (us-west-2)',
    );
    expect(
      subscriberMessages()
        .slice(snsBefore)
        .map((m) => JSON.parse(m.body)),
    ).toEqual([
      expect.objectContaining({
        notification: expect.objectContaining({
          event: 'DNS_SERVING_CHANGED',
          serving: 'secondary',
          severity: 'warning',
        }),
      }),
    ]);
  });

  it('rejects input that is neither a stream batch, a schedule nor a ledger pointer', async () => {
    await expect(handler({ hello: 'world' }, context)).rejects.toMatchObject({ name: 'InvalidEventError' });
  });

  it('dead-letters a given-up delivery to SQS with its notification', async () => {
    const client = new SQSClient({
      endpoint: fauxqs.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    const queueUrl = fauxqs.inspectQueue('dlq')?.url ?? '';
    let built = 0;
    // A factory, as the notify function passes it: the client is built when the first delivery is given up on.
    const deadLetters = sqsDeadLetters(() => (built++, client), queueUrl);
    expect(built).toBe(0);
    await deadLetters.send({
      notification: { id: 'orders-api#1#transition', group: 'orders-api' } as never,
      channel: 'slack',
      reason: 'gave up after 8 attempts',
      attempts: 8,
    });
    expect(built).toBe(1);
    const [msg] = fauxqs.inspectQueue('dlq')?.messages.ready ?? [];
    expect(JSON.parse(msg?.body ?? '{}')).toMatchObject({
      type: 'r53-failover.undelivered-notification',
      channel: 'slack',
      attempts: 8,
      notification: { id: 'orders-api#1#transition' },
    });
    client.destroy();
  });
});
