// Secrets a peer echoes back in another spelling (another case, URL-encoded) never reach a log line, the ledger table,
// the HTML report or the CSV export.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { exportLedger } from '../../shared/audit/export.js';
import { buildReport } from '../../shared/audit/report.js';
import { renderReport } from '../../shared/audit/report-render.js';
import { parseConfigText } from '../../shared/config/file.js';
import type { FailoverConfig } from '../../shared/config/schema.js';
import type { LedgerStore } from '../../shared/ledger/store.js';
import type { DeliveryStore } from '../../shared/notify/delivery-store.js';
import { notifyGroupEvent } from '../../shared/notify/notifier.js';
import { regionalHookClients } from '../../shared/promote/hooks/clients.js';
import { makeHook } from '../../shared/promote/hooks/index.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC } from '../helpers/events.js';
import { captureLog, recorderDeps, scanAll, startLocalDynamo, type CapturedLog } from '../helpers/ledger.js';
import { notifierOn } from '../helpers/notification.js';

const ROUTING_KEY = 'Pd0RoutingKey0123456789abcdefXYZ';
const SLACK_TOKEN = 'XoXbSlackToken0123456789abc';
const SLACK_PATH = `/services/T000/B000/${SLACK_TOKEN}`;
const HOOK_TOKEN = 'HookUrlToken0123456789';
const HOOK_SECRET = 'hook-secret-0123456789abcdef';

/** Every spelling a peer might echo: as is, lower and upper case, URL-encoded, and every character percent-encoded. */
const spellings = (secret: string): string[] => [
  secret,
  secret.toLowerCase(),
  secret.toUpperCase(),
  encodeURIComponent(secret),
  [...secret].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join(''),
];
/** Whether `text` holds any spelling of any secret (compared case-insensitively). */
const leaks = (text: string, secrets: string[]): string[] =>
  secrets.flatMap(spellings).filter((s) => text.toLowerCase().includes(s.toLowerCase()));

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let table: string;
let audit: { ledger: LedgerStore; deliveries: DeliveryStore; config: FailoverConfig };
let log: CapturedLog;
let slack: Receiver;
let pagerduty: Receiver;
let webhook: Receiver;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const fresh = await dynamo.freshTable();
  table = fresh.table;
  const ledger = fresh.store();
  // Peers that reflect what they were sent, each in another spelling.
  slack = await startReceiver((req) => ({
    status: 404,
    body: `no such hook ${req.path.toUpperCase()} (${encodeURIComponent(`${slack.url}${req.path}`)})`,
  }));
  pagerduty = await startReceiver((req) => {
    const key = (req.json as { routing_key: string }).routing_key;
    return {
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'invalid event',
        message: `Unknown routing_key ${key.toUpperCase()}`,
        errors: [`routing_key=${spellings(key)[4]}`, `see ${key.toLowerCase()}`],
      }),
    };
  });
  webhook = await startReceiver((req) => ({ status: 400, body: `bad request for ${req.path.toLowerCase()}` }));
  const yaml = `${FIXTURE_CONFIG_YAML}notify:
  slack: { webhookUrl: "${slack.url}${SLACK_PATH}", allowPrivateTargets: true }
  pagerduty: { routingKey: "${ROUTING_KEY}", eventsUrl: "${pagerduty.url}/v2/enqueue", allowPrivateTargets: true }
  webhooks:
    - { name: ops, url: "${webhook.url}/hook?token=${HOOK_TOKEN}", secret: "${HOOK_SECRET}", allowPrivateTargets: true }
`;
  const config = parseConfigText(yaml, 'test.yml');
  log = captureLog();
  const notifier = notifierOn(dynamo.client, table, ledger, config, log, {
    now: () => new Date('2025-06-12T14:05:00.000Z'),
    budgetMs: 10_000,
  });
  await recordEvent(
    eventBridgeEvent({
      alarmName: 'r53-failover-prod-orders-api-primary-health',
      healthCheckId: PRIMARY_HC,
      state: 'ALARM',
      previousState: 'OK',
      at: '2025-06-12T14:03:00.000Z',
    }),
    {
      ...recorderDeps(ledger, log),
      publisher: { publish: async (e) => void (await notifyGroupEvent({ group: e.group, seq: e.seq }, notifier)) },
    },
    'c-1',
  );
  audit = { ledger, deliveries: notifier.deliveries, config };
});
afterAll(async () => {
  await Promise.all([slack.close(), pagerduty.close(), webhook.close(), dynamo.stop()]);
});

const SECRETS = [ROUTING_KEY, SLACK_TOKEN, SLACK_PATH, HOOK_TOKEN, HOOK_SECRET];

describe('secrets echoed back by a peer', () => {
  it('were echoed: each channel failed with the peer answer recorded', async () => {
    // Assert (the setup's premise: without it the checks below prove nothing)
    expect(pagerduty.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    expect(webhook.requests).toHaveLength(1);
    const errors = (await scanAll(dynamo.client, table)).flatMap((i) => (i.lastError?.S ? [i.lastError.S] : []));
    expect(errors.sort()).toEqual([
      'pagerduty answered 400 Unknown routing_key [redacted]: routing_key=[redacted]; see [redacted]',
      'slack answered 404 no such hook [redacted] ([redacted])',
      'webhook answered 400',
    ]);
  });

  it('are in no log line', () => {
    expect(leaks(JSON.stringify(log.lines), SECRETS)).toEqual([]);
  });

  it('are in no item of the ledger table (entries and delivery records)', async () => {
    expect(leaks(JSON.stringify(await scanAll(dynamo.client, table)), SECRETS)).toEqual([]);
  });

  it('are not in the HTML report, which shows each channel outcome', async () => {
    // Act
    const report = await buildReport(audit.ledger, audit.deliveries, audit.config, {
      since: '2025-06-12T00:00:00.000Z',
      until: '2025-06-12T23:00:00.000Z',
      generatedAt: '2025-06-13T00:00:00.000Z',
    });
    const html = renderReport(report, 'html');
    // Assert
    expect(html).toContain('pagerduty: failed');
    expect(leaks(html, SECRETS)).toEqual([]);
  });

  it('are not in the CSV export', async () => {
    // Arrange
    const chunks: Buffer[] = [];
    const out = new Writable({ write: (chunk: Buffer, _enc, done) => done(void chunks.push(chunk)) });
    // Act
    await exportLedger(audit.ledger, out, { format: 'csv' });
    // Assert
    const csv = Buffer.concat(chunks).toString('utf8');
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(2);
    expect(leaks(csv, SECRETS)).toEqual([]);
  });

  it('are not in a promotion webhook hook error, which becomes a PROMOTION_FAILED reason', async () => {
    // Arrange: the hook's URL (with a token) comes from SSM; the receiver reflects the request.
    const hook = makeHook(
      { type: 'webhook', urlSsmParameter: '/r53f/hook-url', secret: HOOK_SECRET, allowPrivateTargets: true },
      regionalHookClients(),
      { secret: async () => `${webhook.url}/promote?token=${HOOK_TOKEN}`, sleep: async () => {} },
    );
    // Act
    const err = await hook
      .execute({ promotionId: 'orders-api#1', group: 'orders-api', episode: 1, reason: 'outage', event: {} })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    // Assert
    expect(err?.message).toBe('webhook the URL in /r53f/hook-url answered 400');
    expect(webhook.requests.at(-1)?.path).toBe(`/promote?token=${HOOK_TOKEN}`);
    expect(
      leaks(
        `${err?.message} ${hook.describe({ promotionId: 'p', group: 'g', episode: 1, reason: 'outage', event: {} })}`,
        SECRETS,
      ),
    ).toEqual([]);
  });
});
