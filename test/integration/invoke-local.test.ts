import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbLedgerStore } from '../../shared/ledger/dynamodb-store.js';
import { FIXTURE_CONFIG_YAML } from '../helpers/events.js';
import { startLocalDynamo } from '../helpers/ledger.js';
import { serverless } from '../helpers/template.js';

// `serverless invoke local -f record-failover -p event.json` (docs/deploy.md, "Running a function locally"): the
// plugin validates failover.yml and writes the sealed config, the built handler runs in the serverless process and
// writes to the ledger the shell names (LEDGER_TABLE, AWS_ENDPOINT_URL_DYNAMODB): here, dynalite.

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let table: string;
let ledger: DynamoDbLedgerStore;
const work = mkdtempSync(join(tmpdir(), 'r53f-invoke-local-'));
const config = join(work, 'failover.yml');

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const fresh = await dynamo.freshTable();
  table = fresh.table;
  ledger = fresh.store();
  writeFileSync(config, FIXTURE_CONFIG_YAML);
});
afterAll(async () => {
  await dynamo.stop();
  rmSync(work, { recursive: true, force: true });
});

/** `serverless invoke local` of record-failover with `test/events/<event>`, against the dynalite ledger. */
const invoke = (event: string) =>
  serverless(['invoke', 'local', '--stage', 'test', '-f', 'record-failover', '-p', `test/events/${event}`], {
    R53F_CONFIG: config,
    LEDGER_TABLE: table,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

describe('serverless invoke local -f record-failover', () => {
  it('records the event in the local ledger, then sees its redelivery as a duplicate', async () => {
    const first = await invoke('eventbridge/alarm-state-change-alarm.json');
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(
      /"outcome": "recorded",\s+"group": "orders-api",\s+"role": "primary",\s+"event": "FAILED_OVER"/,
    );
    expect(await ledger.get('orders-api', 1)).toMatchObject({
      event: 'FAILED_OVER',
      serving: 'secondary',
      stateChangedAt: '2025-06-12T14:03:27.412Z',
    });
    const again = await invoke('eventbridge/alarm-state-change-alarm.json');
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('"outcome": "duplicate"');
    expect((await ledger.list({})).map((e) => e.seq)).toEqual([1]);
  }, 180_000);

  it('fails on a malformed event, naming the field, and writes nothing', async () => {
    const before = (await ledger.list({})).length;
    const res = await invoke('invalid/unknown-state.json');
    expect(res.code).not.toBe(0);
    expect(res.output).toContain('detail.state.value');
    expect((await ledger.list({})).length).toBe(before);
  }, 180_000);
});
