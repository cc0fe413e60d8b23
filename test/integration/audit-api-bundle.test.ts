import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { loadBundle } from '../helpers/bundle.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC } from '../helpers/events.js';
import { recorderDeps, startLocalDynamo } from '../helpers/ledger.js';

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

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let handler: Handler;
let restoreEnv: () => void;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const { table, store } = await dynamo.freshTable();
  await recordEvent(
    eventBridgeEvent({
      alarmName: 'a',
      healthCheckId: PRIMARY_HC,
      state: 'ALARM',
      previousState: 'OK',
      at: '2025-06-12T14:59:00.000Z',
    }),
    recorderDeps(store()),
    'c',
  );
  ({ handler, restoreEnv } = loadBundle<Handler>('audit-api', FIXTURE_CONFIG_YAML, {
    LEDGER_TABLE: table,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  }));
});
afterAll(async () => {
  restoreEnv();
  await dynamo.stop();
});

describe('audit-api bundle (dist/audit-api/index.js)', () => {
  it('lists the groups and returns a group\u2019s history from the ledger', async () => {
    const groups = await handler(get('/groups'), context);
    expect(groups.statusCode).toBe(200);
    expect(JSON.parse(groups.body)).toEqual({ groups: ['orders-api'] });
    const history = await handler(get('/history', { group: 'orders-api' }), context);
    expect(history.statusCode).toBe(200);
    expect(JSON.parse(history.body).items).toMatchObject([{ group: 'orders-api', seq: 1, event: 'FAILED_OVER' }]);
  });

  it('answers a bad query with 400 naming the field, and nothing but GET', async () => {
    const bad = await handler(get('/history', { limit: 'lots' }), context);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('limit');
    const post = await handler(
      { ...get('/groups'), requestContext: { http: { method: 'POST', path: '/groups' } } },
      context,
    );
    expect(post.statusCode).toBe(405);
  });
});
