import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../helpers/bundle.js';
import { FIXTURE_CONFIG_YAML, loadEvent } from '../helpers/events.js';
import { scanAll, startLocalDynamo } from '../helpers/ledger.js';

const require = createRequire(import.meta.url);
const context = { awsRequestId: 'req-1', functionName: 'record-failover', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
type Handler = (event: unknown, ctx: Context) => Promise<{ outcomes: { outcome: string; event?: string; reason?: string }[] }>;

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let table: string;
let handler: Handler;
let restoreEnv: () => void;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  ({ table } = await dynamo.freshTable());
  // What serverless.yml sets, with the ledger on dynalite.
  ({ handler, restoreEnv } = loadBundle<Handler>('record-failover', FIXTURE_CONFIG_YAML, { LEDGER_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }));
});
afterAll(async () => {
  restoreEnv();
  await dynamo.stop();
});

describe('record-failover bundle (dist/record-failover/index.js)', () => {
  it('exports a handler from every function bundle', () => {
    for (const fn of readdirSync('dist').filter((d) => statSync(join('dist', d)).isDirectory() && d !== 'cli' && d !== 'scripts' && d !== 'sls' && d !== 'config')) {
      expect(typeof (require(`../../dist/${fn}/index.js`) as { handler?: unknown }).handler, fn).toBe('function');
    }
  });

  it('records an EventBridge delivery and treats the SNS copy as a duplicate', async () => {
    const eb = await handler(loadEvent('eventbridge/alarm-state-change-alarm.json'), context);
    const sns = await handler(loadEvent('sns/alarm-notification.json'), context);
    expect(eb.outcomes).toMatchObject([{ outcome: 'recorded', event: 'FAILED_OVER' }]);
    expect(sns.outcomes).toMatchObject([{ outcome: 'duplicate' }]);
    const items = await scanAll(dynamo.client, table);
    expect(items).toHaveLength(1);
    expect(items[0]?.sources?.SS?.sort()).toEqual(['eventbridge', 'sns']);
  });

  it('returns ignored for a configuration-change event without failing the invocation', async () => {
    const res = await handler(loadEvent('eventbridge/alarm-configuration-change.json'), context);
    expect(res.outcomes[0]?.outcome).toBe('ignored');
  });

  it('fails the invocation on a malformed event (so it reaches the DLQ) and writes nothing', async () => {
    const before = (await scanAll(dynamo.client, table)).length;
    const attempt = handler(loadEvent('invalid/unknown-state.json'), context);
    await expect(attempt).rejects.toMatchObject({ name: 'InvalidEventError', message: expect.stringContaining('detail.state.value') });
    expect(await scanAll(dynamo.client, table)).toHaveLength(before);
  });
});
