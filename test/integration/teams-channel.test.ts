import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeEvent, type SampleTransition, snsEvent } from '../../local/sample-events.js';
import { parseConfigText } from '../../shared/config/file.js';
import { buildTeamsMessage, type TeamsMessage, teamsChannel } from '../../shared/notify/channels/teams.js';
import type { SendResult } from '../../shared/notify/notification.js';
import { notifyGroupEvent, retryFailed } from '../../shared/notify/notifier.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC } from '../helpers/events.js';
import { HANG, receiverPool, refusedUrl, type Reply } from '../helpers/http-receiver.js';
import { captureLog, recorderDeps, startLocalDynamo } from '../helpers/ledger.js';
import { failedOverNotification, notifierOn, recorderNotifying } from '../helpers/notification.js';

// A Workflows webhook URL: the `sig` query parameter is what makes it a secret.
const FLOW_PATH = '/workflows/8d2c/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0';
const SIG = 'S1GS1GS1Gsecret0123456789abcdefXYZ';
const flowUrl = (base: string) => `${base}${FLOW_PATH}&sig=${SIG}`;

const receivers = receiverPool();
afterEach(() => receivers.closeAll());

const cardTitle = (json: unknown): string =>
  ((json as TeamsMessage).attachments?.[0]?.content.body[0] as { items?: { inlines: { text: string }[] }[] })
    ?.items?.[0]?.inlines[0]?.text ?? '';

describe('teamsChannel against a loopback Workflows webhook', () => {
  const send = (url: string, timeoutMs?: number) =>
    teamsChannel({ webhookUrl: async () => url, guard: { allowPrivateTargets: true }, timeoutMs }).send(
      failedOverNotification,
      new AbortController().signal,
    );

  it('is named teams and accepts every notification kind', () => {
    // Arrange
    const channel = teamsChannel({ webhookUrl: async () => 'https://example.invalid/' });
    // Act
    const accepted = (['transition', 'reminder', 'no-data', 'flapping', 'flap-summary', 'ops-alarm'] as const).map(
      (kind) => channel.accepts({ ...failedOverNotification, kind }),
    );
    // Assert
    expect(channel.name).toBe('teams');
    expect(accepted).toEqual([true, true, true, true, true, true]);
  });

  it('POSTs the message with its Adaptive Card as JSON and reports 202 Accepted as sent', async () => {
    // Arrange
    const flow = await receivers.start(() => ({ status: 202 }));
    // Act
    const result = await send(flowUrl(flow.url));
    // Assert
    expect(result).toEqual({ status: 'sent', info: 'teams answered 202' });
    expect(flow.requests).toHaveLength(1);
    expect(flow.requests[0]).toMatchObject({
      method: 'POST',
      path: `${FLOW_PATH}&sig=${SIG}`,
      json: buildTeamsMessage(failedOverNotification),
    });
    expect(flow.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('classifies throttling, outages, refusals and redirects as Slack does', async () => {
    // Arrange
    const replies: Reply[] = [
      { status: 429, headers: { 'retry-after': '9' }, body: '{"error":{"code":"WorkflowTriggerIsThrottled"}}' },
      { status: 503, body: 'Service Unavailable' },
      { status: 502 },
      { status: 408 },
      { status: 200, body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0' },
      { status: 400, body: '{"error":{"code":"TriggerInputSchemaMismatch","message":"The input body …"}}' },
      { status: 401, body: '{"error":{"code":"DirectApiAuthorizationRequired","message":"…"}}' },
      { status: 404, body: '{"error":{"code":"WorkflowNotFound","message":"…"}}' },
      { status: 413, body: 'Request Entity Too Large' },
      { status: 302, headers: { location: 'https://elsewhere.example/' } },
    ];
    const flow = await receivers.start();
    const results: SendResult[] = [];
    // Act
    for (const reply of replies) {
      flow.respondWith(() => reply);
      results.push(await send(flowUrl(flow.url)));
    }
    // Assert
    expect(results).toEqual([
      { status: 'retry', reason: 'teams answered 429 WorkflowTriggerIsThrottled', retryAfterMs: 9000 },
      { status: 'retry', reason: 'teams answered 503 Service Unavailable' },
      { status: 'retry', reason: 'teams answered 502' },
      { status: 'retry', reason: 'teams answered 408' },
      {
        status: 'retry',
        reason: 'teams answered 200 Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0',
      },
      { status: 'permanent', reason: 'teams answered 400 TriggerInputSchemaMismatch' },
      { status: 'permanent', reason: 'teams answered 401 DirectApiAuthorizationRequired' },
      { status: 'permanent', reason: 'teams answered 404 WorkflowNotFound' },
      { status: 'permanent', reason: 'teams answered 413 Request Entity Too Large' },
      { status: 'permanent', reason: 'teams answered 302 (redirects are not followed)' },
    ]);
    expect(flow.requests.map((r) => r.path)).not.toContain('/');
  });

  it('never puts the webhook URL or its sig in a reason, whatever fails', async () => {
    // Arrange
    const flow = await receivers.start();
    const url = flowUrl(flow.url);
    const echoes: Reply[] = [
      { status: 500, body: `upstream error for POST ${url}` },
      { status: 403, body: `{"error":{"code":"sig ${SIG} is not valid"}}` },
      { status: 400, body: `bad request to ${encodeURIComponent(url)}` },
      { status: 202, body: `accepted ${SIG}` },
    ];
    const results: SendResult[] = [];
    // Act
    for (const reply of echoes) {
      flow.respondWith(() => reply);
      results.push(await send(url));
    }
    flow.respondWith(() => HANG);
    results.push(await send(url, 200));
    results.push(await send(await refusedUrl(`${FLOW_PATH}&sig=${SIG}`)));
    results.push(
      await teamsChannel({ webhookUrl: async () => Promise.reject(new Error(`cannot read ${url}`)) }).send(
        failedOverNotification,
        new AbortController().signal,
      ),
    );
    // Assert
    expect(results.map((r) => r.status)).toEqual([
      'retry',
      'permanent',
      'permanent',
      'sent',
      'retry',
      'retry',
      'retry',
    ]);
    expect(results[1]).toEqual({ status: 'permanent', reason: 'teams answered 403 sig [redacted] is not valid' });
    expect(results[4]).toEqual({ status: 'retry', reason: 'timed out' });
    expect(results[6]).toEqual({ status: 'retry', reason: 'webhook url unavailable (Error)' });
    const rendered = JSON.stringify(results);
    expect(rendered).not.toContain(SIG);
    expect(rendered).not.toContain('8d2c');
  });
});

// A failover end to end: recorder → ledger (dynalite) → notifier → dispatcher → a loopback Workflows webhook.
const TWO_GROUPS_YAML = `${FIXTURE_CONFIG_YAML}    notify: { channels: [teams] }
  payments:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: pay.example.com.
    primary: { region: eu-west-1, healthCheckId: 0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b }
    secondary: { region: eu-central-1, healthCheckId: 9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d }
    notify: { channels: [slack] }
`;
const configYaml = (teamsUrl: string, slackUrl: string): string => `${TWO_GROUPS_YAML}notify:
  teams: { webhookUrl: "${teamsUrl}", allowPrivateTargets: true }
  slack: { webhookUrl: "${slackUrl}", allowPrivateTargets: true }
`;

const failover = (alarmName: string, healthCheckId: string): SampleTransition => ({
  alarmName,
  healthCheckId,
  state: 'ALARM',
  previousState: 'OK',
  at: '2025-07-01T10:00:00.000Z',
});
const ORDERS_DOWN = failover('r53-failover-prod-orders-api-primary-health', PRIMARY_HC);
const PAYMENTS_DOWN = failover('r53-failover-prod-payments-primary-health', '0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b');

describe('teams through the notifier and dispatcher (dynalite, loopback)', () => {
  let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => dynamo.stop());

  /** A fresh table, the notifier on it, and a recorder that hands each entry to the notifier in process. */
  const pipeline = async (yaml: string, opts: { budgetMs?: number; now?: () => Date } = {}) => {
    const config = parseConfigText(yaml, 'teams.yml');
    const { table, store } = await dynamo.freshTable();
    const ledger = store();
    const log = captureLog();
    const waits: number[] = [];
    const notifier = notifierOn(dynamo.client, table, ledger, config, log, { ...opts, waits });
    const recorder = recorderNotifying(recorderDeps(ledger, log, yaml), notifier);
    const teamsDelivery = async (group = 'orders-api') =>
      (await notifier.deliveries.list(group)).find((d) => d.channel === 'teams');
    return { notifier, recorder, waits, teamsDelivery };
  };

  it('routes a failover to Teams as an Adaptive Card only for the groups whose channels name teams', async () => {
    // Arrange
    const [flow, slack] = [
      await receivers.start(() => ({ status: 202 })),
      await receivers.start(() => ({ status: 200, body: 'ok' })),
    ];
    const p = await pipeline(configYaml(flowUrl(flow.url), `${slack.url}/services/T0/B0/X`));
    // Act
    await recordEvent(eventBridgeEvent(ORDERS_DOWN), p.recorder, 'orders');
    await recordEvent(eventBridgeEvent(PAYMENTS_DOWN), p.recorder, 'payments');
    // Assert
    expect(flow.requests.map((r) => cardTitle(r.json))).toEqual([
      '🚨 FAILED OVER: orders-api now served from us-west-2 (secondary)',
    ]);
    expect(slack.requests).toHaveLength(1);
    expect(await p.teamsDelivery()).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('posts once for the EventBridge and SNS copies, a retried delivery and 20 concurrent invocations', async () => {
    // Arrange
    const flow = await receivers.start(() => ({ status: 202 }));
    const p = await pipeline(configYaml(flowUrl(flow.url), await refusedUrl()));
    // Act
    await recordEvent(eventBridgeEvent(ORDERS_DOWN), p.recorder, 'eb');
    await recordEvent(snsEvent(ORDERS_DOWN), p.recorder, 'sns');
    await recordEvent(eventBridgeEvent(ORDERS_DOWN), p.recorder, 'retry');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        notifyGroupEvent({ group: 'orders-api', seq: 1 }, { ...p.notifier, owner: `inv-${i}` }),
      ),
    );
    // Assert
    expect(flow.requests).toHaveLength(1);
  });

  it('retries a 503 after the Retry-After Teams asked for, and delivers once', async () => {
    // Arrange
    const flow = await receivers.start((_req, i) =>
      i === 0 ? { status: 503, headers: { 'retry-after': '3' } } : { status: 202 },
    );
    const p = await pipeline(configYaml(flowUrl(flow.url), await refusedUrl()));
    // Act
    await recordEvent(eventBridgeEvent(ORDERS_DOWN), p.recorder, 'c');
    // Assert
    expect(flow.requests).toHaveLength(2);
    expect(p.waits).toEqual([3000]);
    expect(flow.requests[1]?.body).toBe(flow.requests[0]?.body);
    expect(await p.teamsDelivery()).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('gives up after 8 attempts across sweeps while Teams keeps answering 503, and dead-letters it once', async () => {
    // Arrange
    const flow = await receivers.start(() => ({ status: 503 }));
    let clock = new Date('2025-07-01T12:00:00.000Z');
    const p = await pipeline(configYaml(flowUrl(flow.url), await refusedUrl()), { budgetMs: 1_000, now: () => clock });
    const dead: { channel: string; attempts: number; reason: string }[] = [];
    const deps = { ...p.notifier, deadLetters: { send: async (r: (typeof dead)[number]) => void dead.push(r) } };
    // Act
    await recordEvent(eventBridgeEvent(ORDERS_DOWN), p.recorder, 'c');
    const afterFirstInvocation = await p.teamsDelivery();
    for (let i = 0; i < 12; i++) {
      clock = new Date(clock.getTime() + 20 * 60_000);
      await retryFailed(clock, deps);
    }
    // Assert
    expect(afterFirstInvocation).toMatchObject({ status: 'failed', permanent: false });
    expect(dead).toEqual([
      expect.objectContaining({
        channel: 'teams',
        attempts: 8,
        reason: expect.stringMatching(/^gave up after 8 attempts/),
      }),
    ]);
    expect(await p.teamsDelivery()).toMatchObject({ status: 'failed', permanent: true, attempts: 8 });
    expect(JSON.stringify(dead)).not.toContain(SIG);
  });

  it('marks a deleted flow (404) failed at once, without retrying', async () => {
    // Arrange
    const flow = await receivers.start(() => ({ status: 404, body: '{"error":{"code":"WorkflowNotFound"}}' }));
    const p = await pipeline(configYaml(flowUrl(flow.url), await refusedUrl()));
    // Act
    await recordEvent(eventBridgeEvent(ORDERS_DOWN), p.recorder, 'c');
    // Assert
    expect(flow.requests).toHaveLength(1);
    expect(await p.teamsDelivery()).toMatchObject({
      status: 'failed',
      permanent: true,
      lastError: 'teams answered 404 WorkflowNotFound',
    });
  });
});
