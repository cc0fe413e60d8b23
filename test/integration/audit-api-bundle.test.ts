import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOnLedger } from '../helpers/bundle.js';
import { FIXTURE_CONFIG_YAML } from '../helpers/events.js';

// The audit-api bundle loaded and invoked as Lambda does (HTTP API payload 2.0), on a dynalite ledger.
const context = { awsRequestId: 'req-a', functionName: 'audit-api' } as unknown as Context;
type Handler = (event: unknown, ctx: Context) => Promise<{ statusCode: number; headers: object; body: string }>;
const get = (path: string, query?: Record<string, string>) => ({
  version: '2.0',
  routeKey: `GET ${path}`,
  rawPath: path,
  ...(query ? { queryStringParameters: query } : {}),
  requestContext: { http: { method: 'GET', path }, requestId: 'r' },
});

let bundle: Awaited<ReturnType<typeof bundleOnLedger<Handler>>>;
beforeAll(async () => {
  bundle = await bundleOnLedger<Handler>('audit-api', FIXTURE_CONFIG_YAML, { failedAt: '2025-06-12T14:59:00.000Z' });
});
afterAll(() => bundle.stop());

describe('audit-api bundle (dist/audit-api/index.js)', () => {
  it('lists the groups and returns a group\u2019s history from the ledger', async () => {
    const groups = await bundle.handler(get('/groups'), context);
    expect(groups.statusCode).toBe(200);
    expect(JSON.parse(groups.body)).toEqual({ groups: ['orders-api'] });
    const history = await bundle.handler(get('/history', { group: 'orders-api' }), context);
    expect(history.statusCode).toBe(200);
    expect(JSON.parse(history.body).items).toMatchObject([{ group: 'orders-api', seq: 1, event: 'FAILED_OVER' }]);
  });

  it('answers a bad query with 400 naming the field, and nothing but GET', async () => {
    const bad = await bundle.handler(get('/history', { limit: 'lots' }), context);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('limit');
    const post = await bundle.handler(
      { ...get('/groups'), requestContext: { http: { method: 'POST', path: '/groups' } } },
      context,
    );
    expect(post.statusCode).toBe(405);
  });
});
