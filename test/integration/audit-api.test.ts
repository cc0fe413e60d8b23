import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleAuditRequest, type AuditDeps, type HttpRequest } from '../../shared/audit/api.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { parseConfigText } from '../../shared/config/file.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { eventBridgeEvent, type SampleTransition } from '../../local/sample-events.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { recorderDeps, startLocalDynamo } from '../helpers/ledger.js';

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let deps: AuditDeps;
const statsCalls: unknown[] = [];
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const { table, store } = await dynamo.freshTable();
  const ledger = store();
  const t = (
    role: 'primary' | 'secondary',
    state: SampleTransition['state'],
    prev: SampleTransition['state'],
    m: number,
  ): SampleTransition => ({
    alarmName: `a-${role}`,
    healthCheckId: role === 'primary' ? PRIMARY_HC : SECONDARY_HC,
    state,
    previousState: prev,
    at: new Date(Date.UTC(2025, 6, 1, 10, m)).toISOString(),
  });
  for (const x of [
    t('primary', 'ALARM', 'OK', 0),
    t('secondary', 'ALARM', 'OK', 20),
    t('secondary', 'OK', 'ALARM', 25),
    t('primary', 'OK', 'ALARM', 60),
    t('secondary', 'ALARM', 'OK', 90),
  ]) {
    await recordEvent(eventBridgeEvent(x), recorderDeps(ledger), x.at);
  }
  deps = {
    config: parseConfigText(FIXTURE_CONFIG_YAML, 'test.yml'),
    ledger,
    deliveries: new DynamoDbDeliveryStore(makeDocumentClient(dynamo.client), table),
    now: () => new Date('2025-07-02T00:00:00.000Z'),
    stats: async (q) => {
      statsCalls.push(q);
      return { since: q.since, until: q.until, groups: [] };
    },
  };
});
afterAll(async () => dynamo.stop());

const get = (rawPath: string, query: Record<string, string> = {}): HttpRequest => ({
  rawPath,
  queryStringParameters: query,
  requestContext: { http: { method: 'GET', path: rawPath } },
});
const body = (r: { body: string }) => JSON.parse(r.body) as Record<string, unknown>;

describe('audit API router', () => {
  it('lists groups from the config and the ledger', async () => {
    const r = await handleAuditRequest(get('/groups'), deps);
    expect(r.statusCode).toBe(200);
    expect(body(r).groups).toEqual(['orders-api']);
  });

  it('pages history newest first with an opaque cursor until the last page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await handleAuditRequest(
        get('/history', { group: 'orders-api', limit: '2', ...(cursor ? { cursor } : {}) }),
        deps,
      );
      expect(r.statusCode).toBe(200);
      const b = body(r) as { items: { stateChangedAt: string; snapshot?: unknown }[]; cursor?: string };
      seen.push(...b.items.map((i) => i.stateChangedAt));
      expect(b.items.every((i) => i.snapshot === undefined)).toBe(true);
      cursor = b.cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...seen].sort().reverse());
    expect(seen).toHaveLength(5);
    expect(pages).toBe(3);
  });

  it('returns one episode with every related entry', async () => {
    const r = await handleAuditRequest(get('/episodes/orders-api/1'), deps);
    expect(r.statusCode).toBe(200);
    const b = body(r) as { entries: { event: string }[]; end?: string };
    expect(b.entries.map((e) => e.event)).toEqual(['FAILED_OVER', 'BOTH_UNHEALTHY', 'FAILED_OVER', 'RECOVERED']);
    expect(b.end).toBe('2025-07-01T11:00:00.000Z');
    expect((await handleAuditRequest(get('/episodes/orders-api/2'), deps)).statusCode).toBe(404);
  });

  it('exports NDJSON pages with the next cursor in a header', async () => {
    const r = await handleAuditRequest(get('/export', { limit: '3' }), deps);
    expect(r.headers['content-type']).toBe('application/x-ndjson');
    expect(r.body.trim().split('\n')).toHaveLength(3);
    expect(r.headers['x-next-cursor']).toBeTruthy();
    expect(JSON.parse(r.body.split('\n')[0] as string)).toHaveProperty('hash');
  });

  it('defaults stats to the last 30 days', async () => {
    const r = await handleAuditRequest(get('/stats', { group: 'orders-api' }), deps);
    expect(r.statusCode).toBe(200);
    expect(statsCalls.at(-1)).toEqual({
      group: 'orders-api',
      since: '2025-06-02T00:00:00.000Z',
      until: '2025-07-02T00:00:00.000Z',
    });
  });

  it.each([
    ['/history', { since: 'yesterday' }, 'query.since: expected an ISO 8601 time'],
    ['/history', { limit: '0' }, 'query.limit: expected 1 to 1000'],
    ['/history', { limit: 'lots' }, 'query.limit: expected a whole number'],
    ['/history', { cursor: 'not-a-cursor' }, 'query.cursor: not a cursor this ledger handed out'],
    ['/history', { since: '2025-07-02T00:00:00Z', until: '2025-07-01T00:00:00Z' }, 'query.since: is after query.until'],
    ['/history', { grup: 'x' }, 'query: unknown key "grup"'],
    ['/stats', { period: 'year' }, 'query.period: expected day, week or month'],
    ['/episodes/Orders_API/1', {}, 'path.group: expected a group name'],
    ['/episodes/orders-api/one', {}, 'path.episode: expected an episode number'],
  ])('answers 400 naming the field for %s %j', async (path, query, message) => {
    const r = await handleAuditRequest(get(path, query), deps);
    expect(r.statusCode).toBe(400);
    expect(body(r).message).toContain(message);
  });

  it('is read-only and says so', async () => {
    const r = await handleAuditRequest(
      { rawPath: '/history', requestContext: { http: { method: 'DELETE', path: '/history' } } },
      deps,
    );
    expect(r.statusCode).toBe(405);
    expect((await handleAuditRequest(get('/admin'), deps)).statusCode).toBe(404);
  });
});
