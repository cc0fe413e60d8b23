#!/usr/bin/env node
// Contract check for the `r53-failover` CLI (see ../DESIGN.md): feeds the public fixtures in
// ../fixtures/events through `ingest --json` and reads them back with `history --json` and
// `status --json`. Run it from the project root: node ../shared/contract/check-cli.mjs
// It checks the shape of the contract on known inputs; it is not the whole test of the recorder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

// Vendored from ../shared/contract/check-cli.mjs so a clean clone can run it; fixtures are the copies in test/events.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'events');
const config = `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary: { region: us-east-1, healthCheckId: 4dd370d3-b015-4e3f-a866-db054eabfffb }
    secondary: { region: us-west-2, healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4 }
`;
const expected = {
  'eventbridge/alarm-state-change-alarm.json': 'recorded',
  'sns/alarm-notification.json': 'duplicate',
  'eventbridge/alarm-state-change-insufficient-data.json': 'recorded',
  'eventbridge/composite-alarm-state-change.json': 'ignored',
  'eventbridge/alarm-configuration-change.json': 'ignored',
  'eventbridge/other-namespace-alarm.json': 'ignored',
  'invalid/missing-detail.json': 'rejected',
  'invalid/reason-data-not-json.json': 'rejected',
  'invalid/unknown-state.json': 'rejected',
  'invalid/missing-health-check-id.json': 'rejected',
  'invalid/not-an-event.json': 'rejected',
  'invalid/sns-message-not-json.json': 'rejected',
  'sns/alarm-notification-ok.json': 'recorded',
  'eventbridge/alarm-state-change-ok.json': 'duplicate',
};
const dir = mkdtempSync(join(tmpdir(), 'r53f-contract-'));
writeFileSync(join(dir, 'failover.yml'), config);
const common = ['--config', join(dir, 'failover.yml'), '--ledger', join(dir, 'ledger')];
const cli = (args) => spawnSync('npx', ['--no-install', 'r53-failover', ...args], { encoding: 'utf8', timeout: 120000 });
const problems = [];
const rowsOf = (j) => (Array.isArray(j) ? j : Object.values(j).find(Array.isArray) ?? []);

const files = Object.keys(expected).map((f) => join(fixtures, f));
const ing = cli(['ingest', '--json', '--no-notify', ...common, ...files]);
if (ing.status === 0) problems.push('ingest exited 0 although some files were rejected (expected exit 1)');
let rows = [];
try { rows = rowsOf(JSON.parse(ing.stdout)); } catch { problems.push(`ingest --json: stdout is not one JSON document: ${ing.stdout.slice(0, 200)}`); }
for (const [f, want] of Object.entries(expected)) {
  const row = rows.find((r) => Object.values(r).some((v) => typeof v === 'string' && v.endsWith(basename(f))));
  const got = row && Object.values(row).find((v) => typeof v === 'string' && ['recorded', 'duplicate', 'ignored', 'rejected'].includes(v));
  if (got !== want) problems.push(`ingest ${f}: outcome ${got ?? '(none found)'}, expected ${want}`);
  if (row && ['ignored', 'rejected'].includes(want) && !Object.values(row).some((v) => typeof v === 'string' && v.length >= 8 && v !== want && !v.endsWith(basename(f))))
    problems.push(`ingest ${f}: ${want} without a reason`);
}
const hist = cli(['history', '--json', ...common]);
let items = [];
try { items = rowsOf(JSON.parse(hist.stdout)); } catch { problems.push('history --json: stdout is not JSON'); }
if (items.length !== 3) problems.push(`history: ${items.length} items, expected 3 (primary down, secondary no data, primary up)`);
for (const key of ['group', 'role', 'healthCheckId', 'alarmArn', 'state', 'previousState', 'stateChangedAt', 'recordedAt', 'sources', 'event'])
  if (items.length && !items.every((i) => key in i)) problems.push(`history items lack "${key}"`);
const down = items.find((i) => i.state === 'ALARM');
if (down && down.stateChangedAt !== '2025-06-12T14:03:27.412Z') problems.push(`stateChangedAt ${down.stateChangedAt}, expected 2025-06-12T14:03:27.412Z (ISO 8601 UTC)`);
if (down && down.event !== 'FAILED_OVER') problems.push(`primary down while secondary healthy: event ${down.event}, expected FAILED_OVER`);
if (down && !(Array.isArray(down.sources) && down.sources.length === 2)) problems.push('the primary-down item should list both delivery paths in "sources"');
const st = cli(['status', '--json', ...common]);
try { JSON.parse(st.stdout); if (!/"serving"\s*:\s*"primary"/.test(st.stdout)) problems.push('status --json: orders-api should be "serving": "primary" after recovery'); }
catch { problems.push('status --json: stdout is not JSON'); }
for (const p of problems) console.log(`contract: ${p}`);
console.log(problems.length ? `${problems.length} contract problem(s)` : 'CLI contract holds on the public fixtures');
process.exit(problems.length ? 1 : 0);
