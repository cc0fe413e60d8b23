import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Window, type Document, type Element } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../cli/context.js';
import { run } from '../../cli/main.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { parseConfigText } from '../../shared/config/file.js';
import { appendToChain } from '../../shared/ledger/append.js';
import type { PromotionEntry } from '../../shared/ledger/store.js';
import { composeNotification } from '../../shared/notify/compose.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { eventBridgeEvent, type SampleTransition } from '../../local/sample-events.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { recorderDeps, startLocalDynamo } from '../helpers/ledger.js';

const INV_PRIMARY = '11111111-2222-3333-4444-555555555555';
const INV_SECONDARY = '66666666-7777-8888-9999-000000000000';
const RUNBOOK = 'https://runbooks.example.com/orders-api';
const CONFIG = `${FIXTURE_CONFIG_YAML.replace('    recordType: A\n', `    recordType: A\n    runbookUrl: ${RUNBOOK}\n`)}  inventory-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.inventory.example.com.
    primary: { region: us-east-1, healthCheckId: ${INV_PRIMARY} }
    secondary: { region: us-west-2, healthCheckId: ${INV_SECONDARY} }
`;
/** Untrusted text as CloudWatch could carry it: markup, a URL, quotes and a terminal escape. */
const HOSTILE = `<script>alert(1)</script><img src=x onerror="alert(2)"> see https://evil.example/x & 'q' \u001b[2J`;
const WINDOW = ['--since', '2025-06-12T08:00:00Z', '--until', '2025-06-12T14:00:00Z'];
const MIN = 60;

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let table: string;
let cwd: string;
const saved = { ...process.env };

const at = (hhmm: string) => `2025-06-12T${hhmm}:00.000Z`;
const hc = {
  orders: { primary: PRIMARY_HC, secondary: SECONDARY_HC },
  inventory: { primary: INV_PRIMARY, secondary: INV_SECONDARY },
};
const change = (
  group: keyof typeof hc,
  role: 'primary' | 'secondary',
  state: SampleTransition['state'],
  previousState: SampleTransition['state'],
  hhmm: string,
  reason?: string,
): SampleTransition => ({
  alarmName: `r53f-${group}-${role}-health`,
  healthCheckId: hc[group][role],
  state,
  previousState,
  at: at(hhmm),
  ...(reason ? { reason } : {}),
});

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const fresh = await dynamo.freshTable();
  table = fresh.table;
  const ledger = fresh.store();
  const deps = recorderDeps(ledger, undefined, CONFIG);
  const config = parseConfigText(CONFIG, 'test.yml');
  const record = async (t: SampleTransition) => (await recordEvent(eventBridgeEvent(t), deps, `c-${t.at}`))[0];
  const promotion = async (state: 'IN_PROGRESS' | 'SUCCEEDED', hhmm: string) =>
    appendToChain(
      ledger,
      'orders-api',
      (head): PromotionEntry => ({
        ...(head.entry as PromotionEntry),
        kind: 'promotion',
        seq: head.seq + 1,
        transitionId: `promotion:p-1:${state}`,
        state,
        previousState: null,
        event: `PROMOTION_${state}`,
        stateChangedAt: at(hhmm),
        recordedAt: at(hhmm),
        sources: ['r53-failover'],
        stale: false,
        reason: `promotion ${state.toLowerCase()}`,
        episode: 3,
        promotion: {
          id: 'orders-api-3',
          episode: 3,
          mode: 'auto',
          actor: 'r53-failover',
          calls: ['POST promote hook'],
        },
      }),
    );
  // orders-api: healthy from 09:00; failed over 10:00 (hostile reason), both down 10:20–10:25, recovered 11:00, failed over again 13:00 (open).
  await record(change('orders', 'primary', 'OK', 'INSUFFICIENT_DATA', '09:00'));
  await record(change('orders', 'secondary', 'OK', 'INSUFFICIENT_DATA', '09:00'));
  const failedOver = await record(change('orders', 'primary', 'ALARM', 'OK', '10:00', HOSTILE));
  await record(change('orders', 'secondary', 'ALARM', 'OK', '10:20'));
  await promotion('IN_PROGRESS', '10:05');
  await promotion('SUCCEEDED', '10:10');
  await record(change('orders', 'secondary', 'OK', 'ALARM', '10:25'));
  await record(change('orders', 'primary', 'OK', 'ALARM', '11:00'));
  await record(change('orders', 'primary', 'ALARM', 'OK', '13:00'));
  // inventory-api: no data until a failover 12:00–12:30.
  await record(change('inventory', 'primary', 'ALARM', 'OK', '12:00'));
  await record(change('inventory', 'primary', 'OK', 'ALARM', '12:30'));

  // The FAILED_OVER notification: sent on slack at 10:01, failed on sns.
  if (failedOver?.outcome !== 'recorded') throw new Error('setup: failover not recorded');
  const deliveries = new DynamoDbDeliveryStore(makeDocumentClient(dynamo.client), table);
  const n = composeNotification(failedOver.entry, config, new Date(at('10:01')));
  for (const channel of ['slack', 'sns'])
    await deliveries.claim(n, channel, { owner: 'test', now: new Date(at('10:01')), leaseMs: 60_000 });
  await deliveries.complete(n, 'slack', 'test', { status: 'sent' }, new Date(at('10:01')));
  await deliveries.complete(
    n,
    'sns',
    'test',
    { status: 'failed', reason: 'throttled', permanent: false },
    new Date(at('10:02')),
  );

  cwd = mkdtempSync(join(tmpdir(), 'r53f-report-'));
  writeFileSync(join(cwd, 'failover.yml'), CONFIG);
  // The CLI's SDK client reads the endpoint and credentials from the process environment.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  });
});
afterAll(async () => {
  process.env = saved;
  await dynamo.stop();
});

const cli = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
    cwd,
    now: () => new Date('2025-06-13T00:00:00.000Z'),
  };
  const code = await run([...argv, '--table', table], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

type StatsJson = { since: string; until: string; groups: Record<string, unknown>[] };

describe('stats', () => {
  it('prints the documented figures per group as JSON', async () => {
    // Act
    const res = await cli('stats', '--json', ...WINDOW);
    // Assert
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.out) as StatsJson;
    expect(doc).toMatchObject({ since: '2025-06-12T08:00:00.000Z', until: '2025-06-12T14:00:00.000Z' });
    const [inventory, orders] = doc.groups;
    expect(orders).toMatchObject({
      group: 'orders-api',
      failovers: 2,
      timeOnSecondarySeconds: 115 * MIN,
      downtimeSeconds: 5 * MIN,
      flaps: 0,
      mttrSeconds: 60 * MIN,
      timeToNotify: { count: 1, p50Seconds: 60, maxSeconds: 60 },
      promotions: { count: 1, succeeded: 1, failed: 0, durationsSeconds: [5 * MIN] },
    });
    expect(((orders?.episodes ?? []) as { open: boolean }[]).map((e) => e.open)).toEqual([false, true]);
    expect(inventory).toMatchObject({
      group: 'inventory-api',
      failovers: 1,
      timeOnSecondarySeconds: 30 * MIN,
      downtimeSeconds: 0,
      mttrSeconds: 30 * MIN,
    });
  });

  it('splits by period and prints a text table', async () => {
    const byHour = JSON.parse(
      (
        await cli(
          'stats',
          '--json',
          '--period',
          'day',
          '--group',
          'orders-api',
          '--since',
          '2025-06-11T12:00:00Z',
          '--until',
          '2025-06-12T14:00:00Z',
        )
      ).out,
    ) as StatsJson;
    expect(
      ((byHour.groups[0]?.periods ?? []) as { label: string; failovers: number }[]).map((p) => [p.label, p.failovers]),
    ).toEqual([
      ['2025-06-11', 0],
      ['2025-06-12', 2],
    ]);
    const text = await cli('stats', ...WINDOW);
    expect(text.out).toMatch(/orders-api\s+2\s+1 h 55 min\s+5 min\s+0\s+1 h\s/);
    expect((await cli('stats', '--period', 'hour')).code).toBe(2);
  });
});

describe('report --format html', () => {
  let html: string;
  let doc: Document;
  let window: Window;
  beforeAll(async () => {
    const res = await cli('report', '--format', 'html', '--out', 'report.html', ...WINDOW);
    expect(res.code).toBe(0);
    html = readFileSync(join(cwd, 'report.html'), 'utf8');
    window = new Window();
    doc = new window.DOMParser().parseFromString(html, 'text/html');
  });
  afterAll(async () => window.happyDOM.close());
  const section = (group: string) => doc.querySelector(`section.group[data-group="${group}"]`) as Element;

  it('opens with a fleet overview: every group with the figures of stats and status, linked to its section', async () => {
    expect(doc.querySelector('body > section')?.className).toBe('overview');
    const rows = [...doc.querySelectorAll('section.overview table.overview tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-group'))).toEqual(['inventory-api', 'orders-api']);
    const stats = JSON.parse((await cli('stats', '--json', ...WINDOW)).out) as StatsJson;
    const status = JSON.parse((await cli('status', '--json')).out) as { groups: Record<string, unknown>[] };
    for (const row of rows) {
      const group = row.getAttribute('data-group');
      const value = (key: string) => Number(row.querySelector(`td[data-stat="${key}"]`)?.getAttribute('data-value'));
      const figures = ['failovers', 'timeOnSecondarySeconds', 'downtimeSeconds'];
      expect(Object.fromEntries(figures.map((k) => [k, value(k)]))).toEqual(
        Object.fromEntries(figures.map((k) => [k, stats.groups.find((g) => g.group === group)?.[k]])),
      );
      // The window ends after every entry, so "serving now" is what status reads from the ledger head.
      const now = status.groups.find((g) => g.group === group);
      expect(row.querySelector('td.serving')?.getAttribute('data-serving')).toBe(now?.serving);
      expect(row.querySelector('td.last-event')?.getAttribute('data-event')).toBe(now?.lastEvent);
      const href = row.querySelector('a')?.getAttribute('href') ?? '';
      expect(href).toBe(`#group-${group}`);
      expect(doc.querySelector(href)?.getAttribute('data-group')).toBe(group);
    }
    const orders = rows[1];
    expect(orders?.querySelector('td.serving')?.textContent).toBe('secondary (failed-over)');
    expect(
      [...(orders?.querySelectorAll('td') ?? [])].slice(1).map((td) => [td.getAttribute('data-label'), td.textContent]),
    ).toEqual([
      ['failovers', '2'],
      ['time on secondary', '1 h 55 min'],
      ['downtime', '5 min'],
      ['last event', 'FAILED_OVER 2025-06-12 13:00:00Z'],
    ]);
  });

  it('has one SVG timeline per group with bands coloured by condition', () => {
    expect(doc.querySelectorAll('svg')).toHaveLength(2);
    const bands = [...section('orders-api').querySelectorAll('svg rect.band')].map((r) => [
      r.getAttribute('data-condition'),
      r.getAttribute('fill'),
      r.classList.contains(`band-${r.getAttribute('data-condition')}`),
    ]);
    const colour = { unknown: '#9e9e9e', healthy: '#2e7d32', 'failed-over': '#f59e0b', down: '#c62828' } as const;
    const expected = ['unknown', 'healthy', 'failed-over', 'down', 'failed-over', 'healthy', 'failed-over'] as const;
    expect(bands).toEqual(expected.map((c) => [c, colour[c], true]));
    expect(
      [...section('inventory-api').querySelectorAll('rect.band')].map((r) => r.getAttribute('data-condition')),
    ).toEqual(['unknown', 'failed-over', 'healthy']);
    expect(section('orders-api').querySelector('rect.band-down title')?.textContent).toBe(
      'down: 2025-06-12 10:20:00Z – 2025-06-12 10:25:00Z (5 min)',
    );
  });

  it('marks notifications and promotion steps, with time axis labels', () => {
    const orders = section('orders-api');
    const notes = [...orders.querySelectorAll('g.marker-notification')];
    expect(notes).toHaveLength(1);
    expect(notes[0]?.querySelector('title')?.textContent).toContain('slack: sent, sns: failed (throttled)');
    expect(orders.querySelectorAll('g.marker-promotion')).toHaveLength(2);
    const labels = [...orders.querySelectorAll('svg g.ticks text')].map((t) => t.textContent);
    expect(labels).toContain('06-12 10:00');
    expect(labels.length).toBeGreaterThanOrEqual(4);
  });

  it('shows the statistics table with the figures of stats --json', () => {
    const stat = (key: string) => section('orders-api').querySelector(`table.stats td[data-stat="${key}"]`);
    expect([stat('failovers')?.textContent, stat('failovers')?.getAttribute('data-value')]).toEqual(['2', '2']);
    expect([
      stat('timeOnSecondarySeconds')?.textContent,
      stat('timeOnSecondarySeconds')?.getAttribute('data-value'),
    ]).toEqual(['1 h 55 min', '6900']);
    expect([
      stat('downtimeSeconds')?.textContent,
      stat('mttrSeconds')?.textContent,
      stat('flaps')?.textContent,
    ]).toEqual(['5 min', '1 h', '0']);
    expect(stat('promotions')?.textContent).toBe('1 (1 succeeded, 0 failed); took 5 min');
  });

  it('lists every episode with its events and promotion steps, the open one marked open', () => {
    const episodes = [...section('orders-api').querySelectorAll('li.episode')];
    expect(episodes.map((e) => e.getAttribute('data-episode'))).toEqual(['3', '9']);
    expect(episodes[0]?.querySelectorAll('table.steps')[0]?.querySelectorAll('tbody tr')).toHaveLength(4);
    expect(episodes[0]?.textContent).toContain('PROMOTION_SUCCEEDED');
    expect(episodes[1]?.querySelector('.open')?.textContent).toBe('open');
    expect([...section('inventory-api').querySelectorAll('li.episode')]).toHaveLength(1);
  });

  it('is self-contained: no scripts, no external references; URLs only as text', () => {
    expect(html).not.toMatch(/<script/i);
    expect(
      doc.querySelectorAll('script, link, img, iframe, object, embed, use, image, foreignObject, base, form'),
    ).toHaveLength(0);
    // Its only links are the overview's, each to a section of the page itself.
    const links = [...doc.querySelectorAll('a')].map((a) => [...a.attributes].map((at) => `${at.name}=${at.value}`));
    expect(links).toEqual([['href=#group-inventory-api'], ['href=#group-orders-api']]);
    const attributes = [...doc.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes].map((a) => `${el.tagName} ${a.name}=${a.value}`),
    );
    expect(attributes.length).toBeGreaterThan(100);
    expect(attributes.filter((a) => /https?:|url\(|^\S+ on/i.test(a))).toEqual([]);
    const css = [...doc.querySelectorAll('style')].map((s) => s.textContent).join('');
    expect(css).toContain('@media print');
    expect(css).not.toMatch(/https?:|url\(|@import/i);
    // The runbook is shown, as text.
    expect(section('orders-api').querySelector('code.runbook')?.textContent).toBe(RUNBOOK);
  });

  it('shows a hostile alarm reason as text, escaped', () => {
    const reasons = [...section('orders-api').querySelectorAll('td.reason')].map((td) => td.textContent);
    expect(reasons).toContain(HOSTILE);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x onerror=&#34;alert(2)&#34;&#62;');
  });
});

describe('report --format md and text', () => {
  it('carries the same timeline, statistics and episodes as tables and lists, escaped', async () => {
    const md = (await cli('report', '--format', 'md', ...WINDOW)).out;
    expect(md).toContain('| failed-over | 2025-06-12 10:25:00Z | 2025-06-12 11:00:00Z | 35 min |');
    expect(md).toContain('| Time on secondary | 1 h 55 min | DNS served the secondary |');
    expect(md).toMatch(
      /- \*\*Episode #3: 2025-06-12 10:00:00Z → 2025-06-12 11:00:00Z \(1 h\), 4 events, 2 promotion steps\*\*/,
    );
    expect(md).toContain('Episode #9: 2025-06-12 13:00:00Z → open');
    expect(md).toContain(
      '\\<script\\>alert(1)\\</script\\>\\<img src=x onerror="alert(2)"\\> see https\\://evil.example/x \\& \'q\'',
    );
    expect(md).not.toContain('<script>');
    expect(md).toMatch(/^## Fleet overview$/m);
    expect(md).toContain(
      '| orders-api | secondary (failed-over) | 2 | 1 h 55 min | 5 min | FAILED_OVER 2025-06-12 13:00:00Z |',
    );

    const text = (await cli('report', ...WINDOW)).out;
    expect(text).toMatch(
      /Fleet overview\n.*\n {2}inventory-api\s+primary \(healthy\)\s+1\s+30 min\s+0 s\s+RECOVERED 2025-06-12 12:30:00Z\n {2}orders-api\s+secondary \(failed-over\)\s+2\s+1 h 55 min\s+5 min\s+FAILED_OVER/,
    );
    expect(text).toMatch(/Failovers\s+2\s/);
    expect(text).toContain(
      'Episode #3: 2025-06-12 10:00:00Z → 2025-06-12 11:00:00Z (1 h), 4 events, 2 promotion steps',
    );
    expect(text).toContain(HOSTILE.replace('\u001b', '\uFFFD'));
    expect(text).not.toContain('\u001b');
  });

  it('rejects an unknown format with a usage error', async () => {
    const res = await cli('report', '--format', 'pdf');
    expect(res.code).toBe(2);
    expect(res.err).toContain('--format: expected text, html or md');
  });
});
