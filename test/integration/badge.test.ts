import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeEvent, type SampleTransition } from '../../local/sample-events.js';
import { type AuditDeps, handleAuditRequest, type HttpRequest } from '../../shared/audit/api.js';
import { parseConfigText } from '../../shared/config/file.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { loadBundle } from '../helpers/bundle.js';
import { cliIn } from '../helpers/cli.js';
import { recorderDeps, startLocalDynamo } from '../helpers/ledger.js';

// GET /badge/{group} (shields.io endpoint JSON) on a dynalite ledger holding one group per state: through the audit
// router, through the bundled audit-api Lambda, and as `r53-failover badge --group` prints it.

type State = SampleTransition['state'];
const hc = (i: number, role: 1 | 2) => `0000000${i}-000${role}-4000-8000-00000000000${i}`;
/** group → what its members went through (in order), and the badge it must show. */
const GROUPS: [string, [1 | 2, State, State][], string, string][] = [
  ['up', [[1, 'OK', 'INSUFFICIENT_DATA']], 'primary', 'brightgreen'],
  [
    'recovered',
    [
      [1, 'ALARM', 'OK'],
      [1, 'OK', 'ALARM'],
    ],
    'primary',
    'brightgreen',
  ],
  [
    'standby',
    [
      [1, 'OK', 'INSUFFICIENT_DATA'],
      [2, 'ALARM', 'OK'],
    ],
    'primary, standby down',
    'yellow',
  ],
  ['failed', [[1, 'ALARM', 'OK']], 'failed over', 'orange'],
  [
    'both',
    [
      [1, 'ALARM', 'OK'],
      [2, 'ALARM', 'OK'],
    ],
    'both down',
    'red',
  ],
  ['silent', [[1, 'INSUFFICIENT_DATA', 'OK']], 'no data', 'lightgrey'],
  ['fresh', [], 'no data', 'lightgrey'],
  ['unchecked', [], 'primary', 'brightgreen'],
];
const CONFIG = `version: 1\ngroups:\n${GROUPS.map(
  ([g], i) => `  ${g}:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: ${g}.example.com.
    primary: { region: us-east-1, ${g === 'unchecked' ? 'healthCheck: none' : `healthCheckId: ${hc(i, 1)}`} }
    secondary: { region: us-west-2, healthCheckId: ${hc(i, 2)} }
`,
).join('')}`;

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let table: string;
let deps: AuditDeps;
let bundle: ReturnType<typeof loadBundle<(e: unknown, c: Context) => Promise<{ statusCode: number; body: string }>>>;
let configFile: string;
const context = { awsRequestId: 'req-b', functionName: 'audit-api' } as unknown as Context;
const get = (rawPath: string): HttpRequest => ({
  rawPath,
  routeKey: 'GET /badge/{group}',
  requestContext: { http: { method: 'GET', path: rawPath } },
});

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const fresh = await dynamo.freshTable();
  table = fresh.table;
  const ledger = fresh.store();
  for (const [i, [group, steps]] of GROUPS.entries())
    for (const [n, [role, state, previousState]] of steps.entries()) {
      const at = new Date(Date.UTC(2025, 6, 1, 10, i * 10 + n)).toISOString();
      const event = eventBridgeEvent({
        alarmName: `${group}-${role}`,
        healthCheckId: hc(i, role),
        state,
        previousState,
        at,
      });
      await recordEvent(event, recorderDeps(ledger, undefined, CONFIG), `c-${group}-${n}`);
    }
  deps = {
    config: parseConfigText(CONFIG, 'badge.yml'),
    ledger: fresh.store(),
    deliveries: new DynamoDbDeliveryStore(makeDocumentClient(dynamo.client), table),
    now: () => new Date('2025-07-02T00:00:00.000Z'),
    stats: async () => ({}),
  };
  bundle = loadBundle('audit-api', CONFIG, { LEDGER_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
  configFile = join(mkdtempSync(join(tmpdir(), 'r53f-badge-')), 'failover.yml');
  writeFileSync(configFile, CONFIG);
});
afterAll(async () => {
  bundle.restoreEnv();
  await dynamo.stop();
});

describe('GET /badge/{group}', () => {
  it.each(GROUPS.map(([g, , message, color]) => [g, message, color]))(
    '%s: "%s" in %s, as shields.io endpoint JSON',
    async (group, message, color) => {
      const r = await handleAuditRequest(get(`/badge/${group}`), deps);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.body)).toEqual({ schemaVersion: 1, label: group, message, color, cacheSeconds: 300 });
    },
  );

  it.each([
    ['/badge/nope', 404, 'no group "nope" in the config or the ledger'],
    ['/badge/unassigned', 404, '"unassigned" holds health checks in no group'],
    ['/badge/Not_A_Group', 400, 'path.group: expected a group name'],
  ])('%s is %i JSON naming why', async (path, status, message) => {
    const r = await handleAuditRequest(get(path), deps);
    expect(r.statusCode).toBe(status);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body).message).toContain(message);
  });

  it('is served by the bundled audit-api Lambda from the ledger, 404 for an unknown group', async () => {
    const ok = await bundle.handler({ version: '2.0', ...get('/badge/failed') }, context);
    const missing = await bundle.handler({ version: '2.0', ...get('/badge/nope') }, context);
    expect([ok.statusCode, JSON.parse(ok.body)]).toEqual([
      200,
      { schemaVersion: 1, label: 'failed', message: 'failed over', color: 'orange', cacheSeconds: 300 },
    ]);
    expect([missing.statusCode, JSON.parse(missing.body).error]).toEqual([404, 'not found']);
  });
});

describe('r53-failover badge --group', () => {
  const cli = (...argv: string[]) =>
    cliIn({ env: { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint } })(tmpdir(), ...argv, '--config', configFile);

  it.each(['both', 'standby', 'fresh'])('prints the JSON the API serves for %s', async (group) => {
    const res = await cli('badge', '--group', group, '--table', table);
    const api = await handleAuditRequest(get(`/badge/${group}`), deps);
    expect(res.err).toBe('');
    expect([res.code, res.out]).toEqual([0, api.body]);
  });

  it('exits 1 naming a group it does not know, 2 without --group', async () => {
    const unknown = await cli('badge', '--group', 'nope', '--table', table);
    const missing = await cli('badge', '--table', table);
    expect([unknown.code, unknown.out, unknown.err]).toEqual([
      1,
      '',
      'r53-failover badge: no group "nope" in the config or the ledger',
    ]);
    expect([missing.code, missing.err]).toEqual([2, 'r53-failover badge: --group NAME is required']);
  });
});
