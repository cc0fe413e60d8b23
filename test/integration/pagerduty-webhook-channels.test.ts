import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPagerDutyEvent, pagerDutyChannel } from '../../shared/notify/channels/pagerduty.js';
import { webhookChannel } from '../../shared/notify/channels/webhook.js';
import { signWebhook, verifyWebhookSignature } from '../../shared/net/signing.js';
import type { Notification, SendResult } from '../../shared/notify/notification.js';
import { HANG, refusedUrl, startReceiver, type Receiver, type Reply } from '../helpers/http-receiver.js';
import { failedOverNotification } from '../helpers/notification.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdef012345';
const SECRET = 'whsec-5f1b2c3d4e5f60718293a4b5c6d7e8f9';
const NOW = Date.parse('2025-06-12T14:04:30.000Z');
const NOW_S = Math.floor(NOW / 1000);

const failedOver: Notification = failedOverNotification;

const recovered: Notification = {
  ...failedOver,
  id: 'orders-api#47#transition',
  seq: 47,
  event: 'RECOVERED',
  severity: 'info',
  title: 'orders-api recovered: back on us-east-1',
  serving: 'primary',
  servingRegion: 'us-east-1',
  state: 'OK',
  previousState: 'ALARM',
  episode: 42,
};

const signal = () => new AbortController().signal;
const LOOPBACK_ALLOWED = { allowPrivateTargets: true };

let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(async () => rx.close());
beforeEach(() => {
  rx.requests.length = 0;
  rx.respondWith(() => ({
    status: 202,
    headers: { 'content-type': 'application/json' },
    body: '{"status":"success","message":"Event processed","dedup_key":"r53f:orders-api:42"}',
  }));
});

const pagerDuty = (opts: { eventsUrl?: string; timeoutMs?: number } = {}) =>
  pagerDutyChannel({
    routingKey: async () => ROUTING_KEY,
    eventsUrl: opts.eventsUrl ?? `${rx.url}/v2/enqueue`,
    timeoutMs: opts.timeoutMs,
    // The receiver is on 127.0.0.1: private targets are allowed explicitly (the default refuses them).
    guard: LOOPBACK_ALLOWED,
  });

describe('pagerduty channel', () => {
  it('posts a trigger with the exact Events API v2 body for FAILED_OVER', async () => {
    // Arrange
    const channel = pagerDuty();
    // Act
    const result = await channel.send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'sent', info: 'r53f:orders-api:42' });
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/v2/enqueue');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'r53f:orders-api:42',
      payload: {
        summary:
          'orders-api failed over to eu-west-1: The primary health check is unhealthy; Route 53 now answers with the secondary in eu-west-1.',
        source: 'api.example.com',
        severity: 'critical',
        timestamp: '2025-06-12T14:03:27.412Z',
        component: 'orders-api',
        group: 'r53-failover',
        class: 'FAILED_OVER',
        custom_details: {
          event: 'FAILED_OVER',
          serving: 'secondary',
          servingRegion: 'eu-west-1',
          role: 'primary',
          state: 'ALARM',
          previousState: 'OK',
          alarmName: 'r53-failover-prod-orders-api-primary-health',
          healthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
          reason: failedOver.reason,
          latencySeconds: 3.588,
          notificationId: 'orders-api#42#transition',
          flap: failedOver.flap,
        },
      },
      links: [
        { href: failedOver.links.healthCheck, text: 'Route 53 health check' },
        { href: failedOver.links.alarm, text: 'CloudWatch alarm' },
        { href: failedOver.links.runbook, text: 'Runbook' },
      ],
      client: 'r53-failover',
    });
  });

  it('resolves RECOVERED with the dedup key of the episode its failover opened', async () => {
    // Arrange
    const channel = pagerDuty();
    // Act
    await channel.send(failedOver, signal());
    await channel.send(recovered, signal());
    // Assert
    expect(rx.requests.map((r) => r.json)).toEqual([
      expect.objectContaining({ event_action: 'trigger', dedup_key: 'r53f:orders-api:42' }),
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'r53f:orders-api:42' },
    ]);
  });

  it('uses one dedup key per episode, and the seq when there is no episode', () => {
    // Arrange
    const nextEpisode: Notification = { ...failedOver, id: 'orders-api#60#transition', seq: 60, episode: 60 };
    const noEpisode: Notification = {
      ...failedOver,
      kind: 'flapping',
      id: 'orders-api#61#flapping',
      seq: 61,
      episode: null,
    };
    // Act
    const keys = [failedOver, nextEpisode, noEpisode].map((n) => buildPagerDutyEvent(n, ROUTING_KEY).dedup_key);
    // Assert
    expect(keys).toEqual(['r53f:orders-api:42', 'r53f:orders-api:60', 'r53f:orders-api:seq-61']);
  });

  it('pages on failovers, double outages and flapping only, and resolves on recovery and a settled flap summary', () => {
    // Arrange
    const channel = pagerDuty();
    const cases: [string, Notification][] = [
      ['FAILED_OVER', failedOver],
      ['BOTH_UNHEALTHY', { ...failedOver, event: 'BOTH_UNHEALTHY', serving: 'primary' }],
      ['RECOVERED', recovered],
      ['flapping', { ...failedOver, kind: 'flapping', severity: 'critical' }],
      ['flap-summary settled', { ...recovered, kind: 'flap-summary' }],
      ['flap-summary still on secondary', { ...failedOver, kind: 'flap-summary' }],
      ['STANDBY_UNHEALTHY', { ...failedOver, event: 'STANDBY_UNHEALTHY', role: 'secondary', serving: 'primary' }],
      ['STANDBY_RECOVERED', { ...recovered, event: 'STANDBY_RECOVERED', role: 'secondary' }],
      ['UNKNOWN', { ...failedOver, event: 'UNKNOWN', state: 'INSUFFICIENT_DATA' }],
      ['HEALTHY', { ...recovered, event: 'HEALTHY' }],
      ['reminder', { ...failedOver, kind: 'reminder' }],
      ['no-data', { ...failedOver, kind: 'no-data', event: 'UNKNOWN' }],
    ];
    // Act
    const outcome = cases.map(([label, n]) => [
      label,
      channel.accepts(n) ? buildPagerDutyEvent(n, ROUTING_KEY).event_action : 'ignored',
    ]);
    // Assert
    expect(Object.fromEntries(outcome)).toEqual({
      FAILED_OVER: 'trigger',
      BOTH_UNHEALTHY: 'trigger',
      RECOVERED: 'resolve',
      flapping: 'trigger',
      'flap-summary settled': 'resolve',
      'flap-summary still on secondary': 'trigger',
      STANDBY_UNHEALTHY: 'ignored',
      STANDBY_RECOVERED: 'ignored',
      UNKNOWN: 'ignored',
      HEALTHY: 'ignored',
      reminder: 'ignored',
      'no-data': 'ignored',
    });
  });

  it('sends flapping as a warning whatever the event severity, and falls back to the group as source', () => {
    // Arrange
    const flapping: Notification = { ...failedOver, kind: 'flapping', severity: 'critical', recordName: null };
    // Act
    const event = buildPagerDutyEvent(flapping, ROUTING_KEY);
    // Assert
    expect(event.payload).toMatchObject({ severity: 'warning', source: 'orders-api' });
  });

  it('caps the summary at 1024 characters on one line', () => {
    // Arrange
    const long: Notification = { ...failedOver, summary: `line one\nline two ${'x'.repeat(3000)}` };
    // Act
    const summary = buildPagerDutyEvent(long, ROUTING_KEY).payload?.summary ?? '';
    // Assert
    expect(summary).toHaveLength(1024);
    expect(summary).not.toMatch(/\n/);
    expect(summary.endsWith('…')).toBe(true);
  });

  it('retries a 429 after the Retry-After PagerDuty gave', async () => {
    // Arrange
    rx.respondWith(() => ({ status: 429, headers: { 'retry-after': '30' }, body: '' }));
    // Act
    const result = await pagerDuty().send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'pagerduty answered 429', retryAfterMs: 30_000 });
  });

  it('retries a 500 without a wait hint', async () => {
    // Arrange
    rx.respondWith(() => ({ status: 500, body: 'upstream exploded' }));
    // Act
    const result = await pagerDuty().send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'pagerduty answered 500 upstream exploded' });
  });

  it("gives up on a 400 with PagerDuty's message, never the routing key", async () => {
    // Arrange: PagerDuty's real 400 body, here with a peer that echoes the key back.
    rx.respondWith((req) => ({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: [`Unknown routing_key ${(req.json as { routing_key: string }).routing_key}`],
      }),
    }));
    // Act
    const result = await pagerDuty().send(failedOver, signal());
    // Assert
    expect(result).toEqual({
      status: 'permanent',
      reason: 'pagerduty answered 400 Event object is invalid: Unknown routing_key [redacted]',
    });
    expect(JSON.stringify(result)).not.toContain(ROUTING_KEY);
  });

  it('redacts the routing key echoed in another case, URL-encoded or JSON-escaped', async () => {
    // Arrange: a proxy that reflects the key lower-cased, form-encoded and as JSON \u escapes.
    const escaped = [...ROUTING_KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    rx.respondWith(() => ({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: `{"message":"key ${ROUTING_KEY.toLowerCase()} (${encodeURIComponent(ROUTING_KEY.toUpperCase())}) or ${escaped}"}`,
    }));
    // Act
    const result = await pagerDuty().send(failedOver, signal());
    // Assert
    expect(result).toEqual({
      status: 'permanent',
      reason: 'pagerduty answered 400 key [redacted] ([redacted]) or [redacted]',
    });
  });

  it('gives up on other 4xx (a 403) without retrying', async () => {
    // Arrange
    rx.respondWith(() => ({ status: 403, body: '{"status":"forbidden","message":"Forbidden"}' }));
    // Act
    const result = await pagerDuty().send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'permanent', reason: 'pagerduty answered 403 Forbidden' });
  });

  it('retries a refused connection, naming the code but not the URL or key', async () => {
    // Arrange
    const url = await refusedUrl(`/v2/enqueue?key=${ROUTING_KEY}`);
    // Act
    const result = await pagerDuty({ eventsUrl: url }).send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'network error (ECONNREFUSED)' });
  });

  it('retries when PagerDuty does not answer within the timeout', async () => {
    // Arrange
    rx.respondWith(() => HANG);
    // Act
    const result = await pagerDuty({ timeoutMs: 200 }).send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'timed out' });
  });

  it('retries when the routing key cannot be fetched, without the fetch error text', async () => {
    // Arrange
    const channel = pagerDutyChannel({
      routingKey: async () => {
        throw new Error(`ParameterNotFound: /r53f/pagerduty ${ROUTING_KEY}`);
      },
      eventsUrl: `${rx.url}/v2/enqueue`,
      guard: LOOPBACK_ALLOWED,
    });
    // Act
    const result = await channel.send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'pagerduty routing key unavailable (Error)' });
    expect(rx.requests).toHaveLength(0);
  });
});

const webhook = (opts: { url?: string; timeoutMs?: number } = {}) =>
  webhookChannel({
    name: 'ops',
    url: async () => opts.url ?? `${rx.url}/hooks/r53f?token=t0k3n`,
    secret: async () => SECRET,
    guard: LOOPBACK_ALLOWED,
    timeoutMs: opts.timeoutMs,
    now: () => NOW,
  });

describe('webhook channel', () => {
  beforeEach(() => rx.respondWith(() => ({ status: 204 })));

  it('posts the versioned JSON envelope with id, event, timestamp and user agent headers', async () => {
    // Arrange
    const channel = webhook();
    // Act
    const result = await channel.send(failedOver, signal());
    // Assert
    expect(channel.name).toBe('webhook:ops');
    expect(result.status).toBe('sent');
    const req = rx.requests[0];
    expect(req?.path).toBe('/hooks/r53f?token=t0k3n');
    expect(req?.json).toEqual({ version: 1, type: 'r53-failover.notification', notification: failedOver });
    expect(req?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'r53-failover',
      'x-r53f-id': 'orders-api#42#transition',
      'x-r53f-event': 'FAILED_OVER',
      'x-r53f-timestamp': String(NOW_S),
    });
    expect(req?.headers['x-r53f-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
  });

  it('signs so a receiver verifies the raw body and headers it got', async () => {
    // Arrange
    const channel = webhook();
    // Act
    await channel.send(failedOver, signal());
    // Assert
    const req = rx.requests[0];
    const verified = verifyWebhookSignature({
      secret: SECRET,
      timestamp: String(req?.headers['x-r53f-timestamp']),
      body: req?.body ?? '',
      signature: String(req?.headers['x-r53f-signature']),
      now: NOW + 20_000,
    });
    expect(verified).toBe(true);
    // The documented scheme, computed independently: HMAC-SHA256(secret, `${timestamp}.${rawBody}`) as hex.
    const expected = createHmac('sha256', SECRET)
      .update(`${NOW_S}.${req?.body ?? ''}`)
      .digest('hex');
    expect(req?.headers['x-r53f-signature']).toBe(`v1=${expected}`);
    expect(signWebhook(SECRET, NOW_S, req?.body ?? '')).toBe(`v1=${expected}`);
  });

  it('rejects a tampered body, a wrong secret, a stale or future timestamp and a malformed signature', async () => {
    // Arrange
    await webhook().send(failedOver, signal());
    const req = rx.requests[0];
    const genuine = {
      secret: SECRET,
      timestamp: String(req?.headers['x-r53f-timestamp']),
      body: req?.body ?? '',
      signature: String(req?.headers['x-r53f-signature']),
      now: NOW,
    };
    // Act
    const verdicts = {
      genuine: verifyWebhookSignature(genuine),
      tamperedBody: verifyWebhookSignature({ ...genuine, body: genuine.body.replace('FAILED_OVER', 'RECOVERED') }),
      wrongSecret: verifyWebhookSignature({ ...genuine, secret: 'not-the-secret' }),
      stale: verifyWebhookSignature({ ...genuine, now: NOW + 301_000 }),
      future: verifyWebhookSignature({ ...genuine, now: NOW - 301_000 }),
      tighterTolerance: verifyWebhookSignature({ ...genuine, now: NOW + 61_000, toleranceSeconds: 60 }),
      shiftedTimestamp: verifyWebhookSignature({ ...genuine, timestamp: String(NOW_S + 1) }),
      truncatedSignature: verifyWebhookSignature({ ...genuine, signature: genuine.signature.slice(0, -2) }),
      otherVersion: verifyWebhookSignature({ ...genuine, signature: genuine.signature.replace('v1=', 'v0=') }),
    };
    // Assert
    expect(verdicts).toEqual({
      genuine: true,
      tamperedBody: false,
      wrongSecret: false,
      stale: false,
      future: false,
      tighterTolerance: false,
      shiftedTimestamp: false,
      truncatedSignature: false,
      otherVersion: false,
    });
  });

  it('accepts any of several signatures, so receivers can rotate secrets', () => {
    // Arrange
    const body = '{"version":1}';
    const signature = `${signWebhook('old-secret', NOW_S, body)}, ${signWebhook(SECRET, NOW_S, body)}`;
    // Act
    const verified = verifyWebhookSignature({ secret: SECRET, timestamp: NOW_S, body, signature, now: NOW });
    // Assert
    expect(verified).toBe(true);
  });

  it('accepts every notification kind', () => {
    // Arrange
    const channel = webhook();
    const kinds = (['transition', 'reminder', 'no-data', 'flapping', 'flap-summary'] as const).map((kind) => ({
      ...failedOver,
      kind,
      event: 'UNKNOWN' as const,
    }));
    // Act
    const accepted = kinds.map((n) => channel.accepts(n));
    // Assert
    expect(accepted).toEqual([true, true, true, true, true]);
  });

  it('classifies 429 (with Retry-After), 500, a redirect and 404', async () => {
    // Arrange
    const replies: Reply[] = [
      { status: 429, headers: { 'retry-after': '12' } },
      { status: 503 },
      { status: 302, headers: { location: `${rx.url}/elsewhere` } },
      { status: 404 },
    ];
    const channel = webhook();
    const results: SendResult[] = [];
    // Act
    for (const reply of replies) {
      rx.respondWith(() => reply);
      results.push(await channel.send(failedOver, signal()));
    }
    // Assert
    expect(results).toEqual([
      { status: 'retry', reason: 'webhook answered 429', retryAfterMs: 12_000 },
      { status: 'retry', reason: 'webhook answered 503' },
      { status: 'permanent', reason: 'webhook answered 302 (redirects are not followed)' },
      { status: 'permanent', reason: 'webhook answered 404' },
    ]);
    expect(rx.requests.map((r) => r.path)).not.toContain('/elsewhere');
  });

  it('retries a refused connection without the URL or the secret in the reason', async () => {
    // Arrange
    const url = await refusedUrl('/hooks/r53f?token=t0k3n');
    // Act
    const result = await webhook({ url }).send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'network error (ECONNREFUSED)' });
    expect(JSON.stringify(result)).not.toMatch(/t0k3n|whsec/);
  });

  it('never puts the secret in a reason, even when the receiver echoes the signature and body', async () => {
    // Arrange
    rx.respondWith((req) => ({
      status: 400,
      body: `bad signature ${String(req.headers['x-r53f-signature'])} ${SECRET}`,
    }));
    // Act
    const result = await webhook().send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'permanent', reason: 'webhook answered 400' });
  });

  it('retries when the receiver does not answer within the timeout', async () => {
    // Arrange
    rx.respondWith(() => HANG);
    // Act
    const result = await webhook({ timeoutMs: 200 }).send(failedOver, signal());
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'timed out' });
  });
});
