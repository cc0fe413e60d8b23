import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/file.js';
import type { FailoverConfig } from '../../shared/config/schema.js';
import type { DynamoDbLedgerStore } from '../../shared/ledger/dynamodb-store.js';
import { HANG, refusedUrl, startReceiver, type Receiver } from '../../local/receiver.js';
import { buildChannels } from '../../shared/notify/channels/index.js';
import { verifyWebhookSignature } from '../../shared/net/signing.js';
import { sqsDeadLetters, type UndeliveredNotification } from '../../shared/notify/dead-letters.js';
import { notifyGroupEvent, redrive, retryFailed, sweep, type NotifierDeps } from '../../shared/notify/notifier.js';
import { recordEvent, type RecorderDeps } from '../../shared/record/recorder.js';
import { eventBridgeEvent, snsEvent, type SampleTransition } from '../../local/sample-events.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { captureLog, recorderDeps, startLocalDynamo, type CapturedLog } from '../helpers/ledger.js';
import { notifierOn, recorderNotifying } from '../helpers/notification.js';
import { appendToChain } from '../../shared/ledger/append.js';
import type { TransitionEntry } from '../../shared/ledger/store.js';

const SLACK_PATH = '/services/T000/B000/SLACKSECRETTOKEN';
const ROUTING_KEY = 'pd-routing-key-SECRET-0123456789';
const HOOK_SECRET = 'hook-secret-SECRET-0123456789';

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
const receivers: Receiver[] = [];
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
};

const slackOk = () => receiver(() => ({ status: 200, body: 'ok' }));
const pdOk = () => receiver(() => ({ status: 202, body: '{"status":"success"}' }));
const hookOk = () => receiver(() => ({ status: 204 }));

const configWith = (urls: { slack: string; pd: string; hook: string }, extra = ''): FailoverConfig =>
  parseConfigText(
    `${FIXTURE_CONFIG_YAML}notify:
  slack: { webhookUrl: "${urls.slack}", allowPrivateTargets: true }
  pagerduty: { routingKey: "${ROUTING_KEY}", eventsUrl: "${urls.pd}", allowPrivateTargets: true }
  webhooks:
    - { name: ops, url: "${urls.hook}", secret: "${HOOK_SECRET}", allowPrivateTargets: true }
${extra}`,
    'test.yml',
  );

const at = (minute: number, second = 0) => new Date(Date.UTC(2025, 6, 1, 10, minute, second)).toISOString();
const primary = (
  state: SampleTransition['state'],
  previousState: SampleTransition['state'],
  when: string,
): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  healthCheckId: PRIMARY_HC,
  state,
  previousState,
  at: when,
});
const secondary = (
  state: SampleTransition['state'],
  previousState: SampleTransition['state'],
  when: string,
): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-secondary-health',
  healthCheckId: SECONDARY_HC,
  state,
  previousState,
  at: when,
});

interface Setup {
  ledger: DynamoDbLedgerStore;
  notifier: NotifierDeps;
  recorder: RecorderDeps;
  log: CapturedLog;
  waits: number[];
}

/** A fresh table, the notifier on it with the given config, and a recorder that publishes to it in process. */
const setup = async (config: FailoverConfig, opts: { budgetMs?: number; now?: () => Date } = {}): Promise<Setup> => {
  const { table, store } = await dynamo.freshTable();
  const ledger = store();
  const log = captureLog();
  const waits: number[] = [];
  const notifier = notifierOn(dynamo.client, table, ledger, config, log, { ...opts, waits });
  const recorder = recorderNotifying(recorderDeps(ledger, log), notifier);
  return { ledger, notifier, recorder, log, waits };
};

const headers = (r: Receiver) =>
  r.requests.map(
    (q) => (q.json as { blocks?: { type: string; text?: { text: string } }[] })?.blocks?.[0]?.text?.text ?? '',
  );

describe('notifier against dynalite and loopback receivers', () => {
  it('sends one message per channel for a failover, with a verifiable webhook signature and a PagerDuty trigger', async () => {
    const [slack, pd, hook] = [await slackOk(), await pdOk(), await hookOk()];
    const s = await setup(configWith({ slack: slack.url + SLACK_PATH, pd: pd.url, hook: hook.url }));
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c1');
    expect(headers(slack)).toEqual([':rotating_light: FAILED OVER: orders-api now served from us-west-2 (secondary)']);
    expect(pd.requests.map((r) => r.json)).toMatchObject([
      { event_action: 'trigger', dedup_key: 'r53f:orders-api:1', routing_key: ROUTING_KEY },
    ]);
    const req = hook.requests[0];
    expect(
      req &&
        verifyWebhookSignature({
          secret: HOOK_SECRET,
          timestamp: String(req.headers['x-r53f-timestamp']),
          body: req.body,
          signature: String(req.headers['x-r53f-signature']),
          now: Date.now(),
        }),
    ).toBe(true);
    expect(req?.headers['x-r53f-id']).toBe('orders-api#1#transition');
  });

  it('never sends twice when 20 invocations handle the same group event concurrently', async () => {
    const [slack, pd, hook] = [await slackOk(), await pdOk(), await hookOk()];
    const s = await setup(configWith({ slack: slack.url + SLACK_PATH, pd: pd.url, hook: hook.url }));
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), { ...s.recorder, publisher: undefined }, 'c1');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        notifyGroupEvent({ group: 'orders-api', seq: 1 }, { ...s.notifier, owner: `inv-${i}` }),
      ),
    );
    expect([slack.requests.length, pd.requests.length, hook.requests.length]).toEqual([1, 1, 1]);
  });

  it('does not notify again for the SNS copy or a retry of an acknowledged transition', async () => {
    const [slack, pd, hook] = [await slackOk(), await pdOk(), await hookOk()];
    const s = await setup(configWith({ slack: slack.url + SLACK_PATH, pd: pd.url, hook: hook.url }));
    const t = primary('ALARM', 'OK', at(0));
    await recordEvent(eventBridgeEvent(t), s.recorder, 'eb');
    await recordEvent(snsEvent(t), s.recorder, 'sns');
    await recordEvent(eventBridgeEvent(t), s.recorder, 'retry');
    expect(slack.requests).toHaveLength(1);
  });

  it('re-emits a group event on redelivery until the notifier acknowledged it (outbox)', async () => {
    const slack = await slackOk();
    const s = await setup(
      configWith(
        { slack: slack.url + SLACK_PATH, pd: await refusedUrl(), hook: await refusedUrl() },
        '  events: [FAILED_OVER]\n',
      ),
    );
    let calls = 0;
    const flaky: RecorderDeps = {
      ...s.recorder,
      publisher: {
        publish: async (entry, cid) => {
          calls++;
          if (calls === 1) throw new Error('event bus unavailable');
          await notifyGroupEvent({ group: entry.group, seq: entry.seq, correlationId: cid }, s.notifier);
        },
      },
    };
    const t = primary('ALARM', 'OK', at(0));
    await expect(recordEvent(eventBridgeEvent(t), flaky, 'first')).rejects.toThrow('event bus unavailable');
    expect(slack.requests).toHaveLength(0);
    const [again] = await recordEvent(eventBridgeEvent(t), flaky, 'retry');
    expect(again?.outcome).toBe('duplicate');
    expect(slack.requests).toHaveLength(1);
    await recordEvent(snsEvent(t), flaky, 'sns');
    expect(calls).toBe(2); // acknowledged: the SNS copy re-emits nothing
  });

  it('honours Slack 429 Retry-After and delivers once', async () => {
    const slack = await receiver((_, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' } : { status: 200, body: 'ok' },
    );
    const s = await setup(
      configWith({ slack: slack.url + SLACK_PATH, pd: (await pdOk()).url, hook: (await hookOk()).url }),
    );
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
    expect(slack.requests).toHaveLength(2);
    expect(s.waits).toContain(7000);
    expect((await s.notifier.deliveries.list('orders-api')).find((d) => d.channel === 'slack')).toMatchObject({
      status: 'sent',
      attempts: 1,
    });
  });

  it('retries a 500 with backoff, then succeeds', async () => {
    const pd = await receiver((_, i) => (i < 2 ? { status: 500 } : { status: 202, body: '{}' }));
    const s = await setup(configWith({ slack: (await slackOk()).url, pd: pd.url, hook: (await hookOk()).url }));
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
    expect(pd.requests).toHaveLength(3);
    expect(s.waits.length).toBeGreaterThanOrEqual(2);
    expect((await s.notifier.deliveries.list('orders-api')).find((d) => d.channel === 'pagerduty')?.status).toBe(
      'sent',
    );
  });

  it('marks a permanent Slack error failed without retrying, while the other channels deliver', async () => {
    const slack = await receiver(() => ({ status: 404, body: 'channel_not_found' }));
    const [pd, hook] = [await pdOk(), await hookOk()];
    const s = await setup(configWith({ slack: slack.url + SLACK_PATH, pd: pd.url, hook: hook.url }));
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
    expect(slack.requests).toHaveLength(1);
    expect([pd.requests.length, hook.requests.length]).toEqual([1, 1]);
    const slackState = (await s.notifier.deliveries.list('orders-api')).find((d) => d.channel === 'slack');
    expect(slackState).toMatchObject({
      status: 'failed',
      permanent: true,
      lastError: expect.stringContaining('channel_not_found'),
    });
    expect((await s.ledger.list({})).length).toBe(1); // the record stands
  });

  it('delivers on the healthy channels when one is down, and the down one later via the retry sweep', async () => {
    const down = await refusedUrl(SLACK_PATH);
    const [pd, hook] = [await pdOk(), await hookOk()];
    let clock = new Date('2025-07-01T12:00:00.000Z');
    const s = await setup(configWith({ slack: down, pd: pd.url, hook: hook.url }), {
      budgetMs: 2_000,
      now: () => clock,
    });
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
    expect([pd.requests.length, hook.requests.length]).toEqual([1, 1]);
    expect((await s.notifier.deliveries.list('orders-api')).find((d) => d.channel === 'slack')).toMatchObject({
      status: 'failed',
      permanent: false,
    });
    // Slack comes back; the next sweep after the backoff retries just that channel.
    const slack = await slackOk();
    const fixed = configWith({ slack: slack.url + SLACK_PATH, pd: pd.url, hook: hook.url });
    clock = new Date(clock.getTime() + 5 * 60_000);
    await retryFailed(clock, { ...s.notifier, config: fixed, channels: buildChannels(fixed) });
    expect(slack.requests).toHaveLength(1);
    expect([pd.requests.length, hook.requests.length]).toEqual([1, 1]);
  });

  it('dead-letters a delivery once its retries across sweeps are exhausted, and only once', async () => {
    let clock = new Date('2025-07-01T12:00:00.000Z');
    const down = await refusedUrl(SLACK_PATH);
    const s = await setup(configWith({ slack: down, pd: (await pdOk()).url, hook: (await hookOk()).url }), {
      budgetMs: 1_000,
      now: () => clock,
    });
    const dead: { channel: string; attempts: number; reason: string }[] = [];
    const deps = {
      ...s.notifier,
      deadLetters: { send: async (r: { channel: string; attempts: number; reason: string }) => void dead.push(r) },
    };
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
    for (let i = 0; i < 12; i++) {
      clock = new Date(clock.getTime() + 20 * 60_000);
      await retryFailed(clock, deps);
    }
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      channel: 'slack',
      attempts: 8,
      reason: expect.stringMatching(/^gave up after 8 attempts/),
    });
    expect((await s.notifier.deliveries.list('orders-api')).find((d) => d.channel === 'slack')).toMatchObject({
      status: 'failed',
      permanent: true,
      attempts: 8,
    });
  });

  it('keeps a delivery retryable and logs when its dead letter cannot be sent, and gives it up only once SQS has it', async () => {
    // Arrange: a real SQS peer whose queue is gone (SendMessage answers QueueDoesNotExist) until it is created again.
    const fauxqs = await startFauxqs({ port: 0, logger: false });
    const sqs = new SQSClient({
      endpoint: fauxqs.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    try {
      const { queueUrl } = fauxqs.createQueue('r53f-dlq');
      fauxqs.deleteQueue('r53f-dlq');
      let clock = new Date('2025-07-01T12:00:00.000Z');
      const s = await setup(
        configWith({ slack: await refusedUrl(SLACK_PATH), pd: (await pdOk()).url, hook: (await hookOk()).url }),
        { budgetMs: 1_000, now: () => clock },
      );
      const slackDelivery = async () =>
        (await s.notifier.deliveries.list('orders-api')).find((d) => d.channel === 'slack');
      const sqsDlq = sqsDeadLetters(sqs, queueUrl);
      // What the delivery record said at the moment each dead letter was handed to SQS.
      const permanentWhenSent: (boolean | undefined)[] = [];
      const deps = {
        ...s.notifier,
        deadLetters: {
          send: async (r: UndeliveredNotification) => {
            permanentWhenSent.push((await slackDelivery())?.permanent);
            await sqsDlq.send(r);
          },
        },
      };
      await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
      // Act 1: sweeps until the 8th attempt fails and the dead letter cannot be sent.
      for (let i = 0; i < 7; i++) {
        clock = new Date(clock.getTime() + 20 * 60_000);
        await retryFailed(clock, deps);
      }
      // Assert 1: still retryable, and the failure is logged.
      expect(await slackDelivery()).toMatchObject({ status: 'failed', permanent: false, attempts: 8 });
      expect(s.log.lines).toContainEqual(
        expect.objectContaining({
          level: 'error',
          message: expect.stringMatching(/^dead letter could not be sent; the delivery stays retryable/),
          extra: expect.objectContaining({
            channel: 'slack',
            error: expect.objectContaining({ name: 'QueueDoesNotExist' }),
          }),
        }),
      );
      // Act 2: SQS is back; the next sweep retries Slack (still down) and dead-letters it.
      fauxqs.createQueue('r53f-dlq');
      clock = new Date(clock.getTime() + 20 * 60_000);
      await retryFailed(clock, deps);
      // Assert 2: the dead letter is in the queue, then (and only then) the delivery was given up.
      const messages = fauxqs.inspectQueue('r53f-dlq')?.messages.ready ?? [];
      expect(messages.map((m) => JSON.parse(m.body) as { channel: string; attempts: number })).toEqual([
        expect.objectContaining({ channel: 'slack', attempts: 9 }),
      ]);
      expect(await slackDelivery()).toMatchObject({ status: 'failed', permanent: true, attempts: 9 });
      expect(permanentWhenSent).toEqual([false, false]);
    } finally {
      sqs.destroy();
      await fauxqs.stop();
    }
  });

  it('gives up on a receiver that never answers within the budget, leaving it for --redrive', async () => {
    const slack = await receiver(() => HANG);
    const s = await setup(
      configWith({ slack: slack.url + SLACK_PATH, pd: (await pdOk()).url, hook: (await hookOk()).url }),
      { budgetMs: 1_500 },
    );
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
    const state = (await s.notifier.deliveries.list('orders-api')).find((d) => d.channel === 'slack');
    expect(state).toMatchObject({
      status: 'failed',
      permanent: false,
      lastError: expect.stringContaining('timed out'),
    });
    slack.respondWith(() => ({ status: 200, body: 'ok' }));
    const report = await redrive(s.notifier);
    expect(report.notifications[0]?.channels.find((c) => c.channel === 'slack')?.status).toBe('sent');
  });

  it('turns the 3rd transition in 10 minutes into one flapping message, holds the rest, then sends one summary', async () => {
    const [slack, pd, hook] = [await slackOk(), await pdOk(), await hookOk()];
    const s = await setup(configWith({ slack: slack.url + SLACK_PATH, pd: pd.url, hook: hook.url }));
    const seq = [
      primary('ALARM', 'OK', at(0)),
      primary('OK', 'ALARM', at(2)),
      primary('ALARM', 'OK', at(4)),
      primary('OK', 'ALARM', at(6)),
      primary('ALARM', 'OK', at(7)),
      primary('OK', 'ALARM', at(8)),
    ];
    for (const t of seq) await recordEvent(eventBridgeEvent(t), s.recorder, t.at);
    expect(headers(slack)).toEqual([
      ':rotating_light: FAILED OVER: orders-api now served from us-west-2 (secondary)',
      ':information_source: RECOVERED: orders-api back on us-east-1 (primary)',
      ':warning: FLAPPING: orders-api changed state 3 times in 10 min',
    ]);
    await sweep(new Date(Date.parse(at(17, 59))), s.notifier); // 9:59 after the last transition: still holding
    expect(slack.requests).toHaveLength(3);
    await sweep(new Date(Date.parse(at(18))), s.notifier);
    expect(headers(slack)[3]).toBe(
      ':information_source: FLAPPING ENDED: orders-api stable for 10 min; DNS serves the primary (us-east-1)',
    );
    const summary = slack.requests[3]?.body ?? '';
    expect(summary).toMatch(/changed state 6 times/);
    expect(summary).toMatch(/3 alert\(s\) were held back/);
    const pdKeys = pd.requests.map(
      (r) => `${(r.json as { event_action: string }).event_action} ${(r.json as { dedup_key: string }).dedup_key}`,
    );
    expect(pdKeys).toEqual([
      'trigger r53f:orders-api:1',
      'resolve r53f:orders-api:1',
      'trigger r53f:orders-api:3',
      'resolve r53f:orders-api:3',
    ]);
    expect(await s.ledger.list({})).toHaveLength(6); // every transition is still recorded
    await sweep(new Date(Date.parse(at(30))), s.notifier);
    expect(slack.requests).toHaveLength(4); // one summary, not one per sweep
  });

  it('judges the flap window on state-change times, not arrival: spread-out transitions replayed fast do not flap', async () => {
    const slack = await slackOk();
    const s = await setup(
      configWith({ slack: slack.url + SLACK_PATH, pd: (await pdOk()).url, hook: (await hookOk()).url }),
    );
    for (const [i, t] of [
      primary('ALARM', 'OK', at(0)),
      primary('OK', 'ALARM', at(11)),
      primary('ALARM', 'OK', at(22)),
      primary('OK', 'ALARM', at(33)),
    ].entries()) {
      await recordEvent(eventBridgeEvent(t), s.recorder, `r${i}`);
    }
    expect(headers(slack).every((h) => !h.includes('FLAPPING'))).toBe(true);
    expect(slack.requests).toHaveLength(4);
  });

  it('reminds every 30 minutes while failed over, once per reminder, and stops after recovery', async () => {
    const slack = await slackOk();
    const s = await setup(
      configWith({ slack: slack.url + SLACK_PATH, pd: (await pdOk()).url, hook: (await hookOk()).url }),
    );
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'down');
    await sweep(new Date(Date.parse(at(29))), s.notifier);
    expect(slack.requests).toHaveLength(1);
    await sweep(new Date(Date.parse(at(30))), s.notifier);
    await sweep(new Date(Date.parse(at(31))), s.notifier);
    expect(headers(slack)[1]).toBe(':rotating_light: REMINDER: orders-api still failed over to us-west-2 (30 min)');
    expect(slack.requests).toHaveLength(2);
    await recordEvent(eventBridgeEvent(primary('OK', 'ALARM', at(40))), s.recorder, 'up');
    await sweep(new Date(Date.parse(at(61))), s.notifier);
    expect(headers(slack)).toHaveLength(3);
    expect(headers(slack)[2]).toMatch(/RECOVERED/);
  });

  it('tells people once when a health check has had no data for longer than the threshold', async () => {
    const slack = await slackOk();
    const s = await setup(
      configWith(
        { slack: slack.url + SLACK_PATH, pd: (await pdOk()).url, hook: (await hookOk()).url },
        '  noDataMinutes: 5\n',
      ),
    );
    await recordEvent(eventBridgeEvent(secondary('INSUFFICIENT_DATA', 'OK', at(0))), s.recorder, 'nodata');
    expect(slack.requests).toHaveLength(0); // UNKNOWN is quiet by default
    await sweep(new Date(Date.parse(at(4))), s.notifier);
    expect(slack.requests).toHaveLength(0);
    await sweep(new Date(Date.parse(at(5))), s.notifier);
    await sweep(new Date(Date.parse(at(6))), s.notifier);
    expect(headers(slack)).toEqual([':warning: NO DATA for 5 min: orders-api secondary health check']);
  });

  it('escapes a hostile alarm reason so it cannot ping or phish', async () => {
    const slack = await slackOk();
    const s = await setup(
      configWith({ slack: slack.url + SLACK_PATH, pd: (await pdOk()).url, hook: (await hookOk()).url }),
    );
    const hostile = {
      ...primary('ALARM', 'OK', at(0)),
      reason: '<!channel> urgent: <https://evil.example/login|click to fix> & <@U024BE7LH>',
    };
    await recordEvent(eventBridgeEvent(hostile), s.recorder, 'h');
    const body = slack.requests[0]?.body ?? '';
    expect(body).not.toContain('<!channel>');
    expect(body).not.toContain('<https://evil');
    expect(body).not.toContain('<@U024BE7LH>');
    expect(body).toContain('&lt;!channel&gt;');
  });

  it('never puts the Slack webhook URL or the PagerDuty routing key in logs or delivery errors', async () => {
    const slack = await receiver(() => ({ status: 403, body: `invalid_token for ${SLACK_PATH}` }));
    const pd = await receiver(() => ({
      status: 400,
      body: JSON.stringify({ status: 'invalid event', message: `bad key ${ROUTING_KEY}` }),
    }));
    const hookDown = await refusedUrl('/hook?token=HOOKURLSECRET');
    const s = await setup(configWith({ slack: slack.url + SLACK_PATH, pd: pd.url, hook: hookDown }), {
      budgetMs: 1_000,
    });
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
    const everything = JSON.stringify({
      logs: s.log.lines,
      deliveries: await s.notifier.deliveries.list('orders-api'),
    });
    expect(everything).toContain('invalid_token'); // the failure is recorded…
    expect(everything).not.toContain('SLACKSECRETTOKEN'); // …without the secret
    expect(everything).not.toContain(ROUTING_KEY);
    expect(everything).not.toContain('HOOKURLSECRET');
    expect(everything).not.toContain(HOOK_SECRET);
  });

  it('routes per group: a group limited to RECOVERED events is not paged for a failover', async () => {
    const slack = await slackOk();
    const cfg = configWith({
      slack: slack.url + SLACK_PATH,
      pd: (await pdOk()).url,
      hook: (await hookOk()).url,
    }).groups;
    const config = configWith({ slack: slack.url + SLACK_PATH, pd: await refusedUrl(), hook: await refusedUrl() });
    config.groups['orders-api'] = { ...cfg['orders-api']!, notify: { channels: ['slack'], events: ['RECOVERED'] } };
    const s = await setup(config);
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'down');
    expect(slack.requests).toHaveLength(0);
    await recordEvent(eventBridgeEvent(primary('OK', 'ALARM', at(5))), s.recorder, 'up');
    expect(headers(slack)).toEqual([':information_source: RECOVERED: orders-api back on us-east-1 (primary)']);
  });

  it('refuses webhook targets the SSRF guard refuses: metadata always, loopback unless allowed', async () => {
    const hook = await hookOk();
    const config = parseConfigText(
      `${FIXTURE_CONFIG_YAML}notify:
  webhooks:
    - { name: meta, url: "http://169.254.169.254/latest/meta-data/", secret: "${HOOK_SECRET}", allowPrivateTargets: true }
    - { name: local, url: "${hook.url}/strict", secret: "${HOOK_SECRET}" }
    - { name: allowed, url: "${hook.url}/allowed", secret: "${HOOK_SECRET}", allowPrivateTargets: true }
`,
      'test.yml',
    );
    const s = await setup(config);
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', at(0))), s.recorder, 'c');
    const states = Object.fromEntries(
      (await s.notifier.deliveries.list('orders-api')).map((d) => [
        d.channel,
        `${d.status}${d.lastError ? `: ${d.lastError}` : ''}`,
      ]),
    );
    expect(states['webhook:meta']).toMatch(/^failed: refused: link-local address 169\.254\.169\.254/);
    expect(states['webhook:local']).toMatch(/^failed: refused: loopback address 127\.0\.0\.1/);
    expect(states['webhook:allowed']).toBe('sent');
    expect(hook.requests.map((r) => r.path)).toEqual(['/allowed']);
  });

  it('folds an approval request into the flap summary while the group flaps, but sends a database change at once', async () => {
    // Arrange: orders-api flaps (the 3rd transition within 10 minutes), then the promoter appends two steps
    const slack = await slackOk();
    const s = await setup(
      configWith({ slack: slack.url + SLACK_PATH, pd: (await pdOk()).url, hook: (await hookOk()).url }),
    );
    for (const t of [primary('ALARM', 'OK', at(0)), primary('OK', 'ALARM', at(2)), primary('ALARM', 'OK', at(4))])
      await recordEvent(eventBridgeEvent(t), s.recorder, t.at);
    expect(headers(slack).at(-1)).toMatch(/FLAPPING/);
    const promotionStep = async (
      event: 'PROMOTION_AWAITING_APPROVAL' | 'PROMOTION_SUCCEEDED',
      state: 'AWAITING_APPROVAL' | 'SUCCEEDED',
      minute: number,
      reason: string,
    ) => {
      const entry = await appendToChain(s.ledger, 'orders-api', (head) => ({
        ...(head.entry as TransitionEntry),
        kind: 'promotion' as const,
        seq: head.seq + 1,
        transitionId: `p-${event}`,
        region: 'us-west-2',
        event,
        state,
        previousState: 'REQUESTED' as const,
        sources: ['r53-failover'],
        stale: false,
        stateChangedAt: at(minute),
        reason,
        promotion: { id: 'orders-api#3', episode: 3, mode: 'approve' as const, actor: 'r53-failover', calls: [] },
      }));
      if (!entry) throw new Error('not appended');
      return notifyGroupEvent({ group: 'orders-api', seq: entry.seq }, s.notifier);
    };
    // Act
    const approval = await promotionStep(
      'PROMOTION_AWAITING_APPROVAL',
      'AWAITING_APPROVAL',
      5,
      'Approve before 10:35 with: r53-failover promote approve orders-api#3',
    );
    const promoted = await promotionStep('PROMOTION_SUCCEEDED', 'SUCCEEDED', 6, 'The writer is in us-west-2.');
    await sweep(new Date(Date.parse(at(14))), s.notifier);
    // Assert: the approval request was held back, the database change was not, and the summary carries the request
    expect(approval.notifications.map((n) => n.result)).toEqual(['suppressed']);
    expect(promoted.notifications.map((n) => n.result)).toEqual(['delivered']);
    expect(headers(slack).slice(-2)).toEqual([
      ':warning: PROMOTED: orders-api database writer is now in us-west-2',
      ':rotating_light: FLAPPING ENDED: orders-api stable for 10 min; DNS serves the secondary (us-west-2)',
    ]);
    const summary = slack.requests.at(-1)?.body ?? '';
    expect(summary).toMatch(/1 PROMOTION_AWAITING_APPROVAL, 1 PROMOTION_SUCCEEDED/);
    expect(summary).toMatch(/1 alert\(s\) were held back/);
  });
});
