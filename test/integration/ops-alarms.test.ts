import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/file.js';
import { OPS_GROUP } from '../../shared/core/ops-alarm.js';
import { parseLedgerTrigger } from '../../shared/ledger/stream.js';
import { buildChannels } from '../../shared/notify/channels/index.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { retryFailed, type NotifierDeps } from '../../shared/notify/notifier.js';
import { notifyOnTrigger } from '../../shared/notify/trigger.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { InvalidEventError } from '../../shared/support/errors.js';
import { METRIC } from '../../shared/support/metrics.js';
import { FIXTURE_CONFIG_YAML, loadEvent } from '../helpers/events.js';
import { receiverPool } from '../helpers/http-receiver.js';
import { captureLog, startLocalDynamo } from '../helpers/ledger.js';
import { captureMetrics } from '../helpers/metrics.js';

// The stack's own alarms reach notify through their EventBridge rule (serverless.yml); this is that path, against
// dynalite (the delivery store) and loopback Slack and PagerDuty receivers.

const ALARM_NAME = 'r53-failover-prod_ops-notify-errors';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:r53-failover-prod-notifications';

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
const receivers = receiverPool();
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());
afterEach(receivers.closeAll);

/** The fixture event with another state / timestamp (`ALARM` at 14:10:03.110 as recorded). */
const opsEvent = (state = 'ALARM', previous = 'OK', timestamp = '2025-06-12T14:10:03.110+0000') => {
  const ev = loadEvent('eventbridge/ops-alarm-state-change.json') as {
    id: string;
    detail: { state: { value: string; timestamp: string }; previousState: { value: string } };
  };
  ev.id = `${ev.id}-${state}-${timestamp}`;
  ev.detail.state.value = state;
  ev.detail.state.timestamp = timestamp;
  ev.detail.previousState.value = previous;
  return ev;
};

const setup = async (slackStatus = 200) => {
  const slack = await receivers.start(() =>
    slackStatus === 200 ? { status: 200, body: 'ok' } : { status: slackStatus },
  );
  const pd = await receivers.start(() => ({ status: 202, body: '{"status":"success"}' }));
  const config = parseConfigText(
    `${FIXTURE_CONFIG_YAML}notify:
  slack: { webhookUrl: "${slack.url}/services/T000/B000/SLACK", allowPrivateTargets: true }
  pagerduty: { routingKey: pd-routing-key-0123456789, eventsUrl: "${pd.url}", allowPrivateTargets: true }
  sns: { topicArn: "${TOPIC_ARN}" }
`,
    'test.yml',
  );
  const { table, store } = await dynamo.freshTable();
  const metrics = captureMetrics();
  let clock = new Date('2025-06-12T14:10:05.000Z');
  const deps: NotifierDeps = {
    ledger: store(),
    deliveries: new DynamoDbDeliveryStore(makeDocumentClient(dynamo.client), table),
    config,
    // The SNS client points nowhere: the sns channel must never send an ops alarm (its alarm action already did).
    channels: buildChannels(config, {
      sns: {
        client: () => new SNSClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1 }),
        topicArn: TOPIC_ARN,
      },
    }),
    log: captureLog(),
    now: () => clock,
    sleep: async () => {},
    budgetMs: () => 5_000,
    owner: 'test',
    random: () => 0.5,
    metrics: metrics.sink,
  };
  const advance = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  return { slack, pd, deps, metrics, advance };
};

describe('parseLedgerTrigger: a CloudWatch alarm state change', () => {
  it('reads the alarm, its states, timestamp (as ISO UTC), reason and description', () => {
    const trigger = parseLedgerTrigger(opsEvent());
    expect(trigger).toEqual({
      kind: 'ops-alarm',
      alarm: expect.objectContaining({
        alarmName: ALARM_NAME,
        alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ALARM_NAME}`,
        region: 'us-east-1',
        state: 'ALARM',
        previousState: 'OK',
        stateChangedAt: '2025-06-12T14:10:03.110Z',
        description: expect.stringContaining('notify failed'),
      }),
    });
  });

  it('rejects a malformed one, naming the field, the value and the rule', () => {
    const bad = opsEvent('BROKEN');
    expect(() => parseLedgerTrigger(bad)).toThrow(InvalidEventError);
    expect(() => parseLedgerTrigger(bad)).toThrow(
      /detail\.state\.value: expected one of OK, ALARM, INSUFFICIENT_DATA, got "BROKEN"/,
    );
  });
});

describe('notify: the stack’s own alarms', () => {
  it('sends an ALARM once per channel however often EventBridge delivers it, and never on the sns channel', async () => {
    const { slack, pd, deps, metrics } = await setup();
    const first = await notifyOnTrigger(parseLedgerTrigger(opsEvent()), deps);
    // A redelivery (another EventBridge id, same alarm, state and timestamp) claims the same delivery records.
    const again = { ...opsEvent(), id: 'another-delivery-id' };
    const second = await notifyOnTrigger(parseLedgerTrigger(again), deps);

    const [n] = first.reports[0]?.notifications ?? [];
    expect(n?.id).toMatch(
      new RegExp(`^\\(stack\\)#${(Date.parse('2025-06-12T14:10:03.110Z') / 1000) | 0}#ops-alarm#[0-9a-f]{16}$`),
    );
    expect(second.reports[0]?.notifications[0]?.id).toBe(n?.id);
    expect(Object.fromEntries((n?.channels ?? []).map((c) => [c.channel, c.status]))).toEqual({
      sns: 'skipped',
      slack: 'sent',
      pagerduty: 'sent',
    });
    expect(second.reports[0]?.notifications[0]?.channels.filter((c) => c.status === 'sent' && c.sentNow)).toEqual([]);
    expect(slack.requests).toHaveLength(1);
    expect(JSON.stringify(slack.requests[0]?.json)).toContain('STACK ALARM: notify-errors');
    expect(pd.requests.map((r) => r.json)).toMatchObject([
      {
        event_action: 'trigger',
        dedup_key: `r53f:ops:${ALARM_NAME}`,
        payload: { severity: 'error', class: 'OPS_ALARM', component: OPS_GROUP },
      },
    ]);
    expect(metrics.points.filter((p) => p.name === METRIC.notificationsSent)).toEqual([
      { name: METRIC.notificationsSent, value: 1, dimensions: { Channel: 'slack' } },
      { name: METRIC.notificationsSent, value: 1, dimensions: { Channel: 'pagerduty' } },
    ]);
  });

  it('resolves the PagerDuty incident when the alarm is OK again, with the same key', async () => {
    const { pd, deps } = await setup();
    await notifyOnTrigger(parseLedgerTrigger(opsEvent()), deps);
    await notifyOnTrigger(parseLedgerTrigger(opsEvent('OK', 'ALARM', '2025-06-12T14:25:03.000+0000')), deps);
    expect(pd.requests.map((r) => r.json)).toMatchObject([
      { event_action: 'trigger', dedup_key: `r53f:ops:${ALARM_NAME}` },
      { event_action: 'resolve', dedup_key: `r53f:ops:${ALARM_NAME}` },
    ]);
  });

  it('says nothing for an alarm’s first OK after it was created (INSUFFICIENT_DATA → OK)', async () => {
    const { slack, pd, deps } = await setup();
    const res = await notifyOnTrigger(parseLedgerTrigger(opsEvent('OK', 'INSUFFICIENT_DATA')), deps);
    expect(res.reports[0]?.notifications.map((n) => n.result)).toEqual(['not-routed']);
    expect(slack.requests).toEqual([]);
    expect(pd.requests).toEqual([]);
  });

  it('leaves a delivery that failed on a channel outage to the every-minute retry sweep, which sends it once', async () => {
    const { slack, deps, metrics, advance } = await setup(503);
    const first = await notifyOnTrigger(parseLedgerTrigger(opsEvent()), deps);
    const slackOutcome = first.reports[0]?.notifications[0]?.channels.find((c) => c.channel === 'slack');
    expect(slackOutcome).toMatchObject({ status: 'failed', retryLater: true });
    expect(metrics.points.filter((p) => p.name === METRIC.notificationsFailed)).toEqual([
      { name: METRIC.notificationsFailed, value: 1, dimensions: { Channel: 'slack' } },
    ]);
    const attempts = slack.requests.length;
    // Slack is back; the sweep a minute later retries the stack's group like any configured group.
    slack.respondWith(() => ({ status: 200, body: 'ok' }));
    advance(60_000);
    const retried = await retryFailed(deps.now(), deps);
    expect(retried.notifications.map((n) => [n.id, n.channels.map((c) => c.status)])).toEqual([
      [first.reports[0]?.notifications[0]?.id, ['sent']],
    ]);
    expect(slack.requests).toHaveLength(attempts + 1);
    advance(60_000);
    expect((await retryFailed(deps.now(), deps)).notifications).toEqual([]);
  });
});
