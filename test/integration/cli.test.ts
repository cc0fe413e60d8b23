import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventBridgeEvent, snsEvent } from '../../local/sample-events.js';
import { EVENTS_DIR, FIXTURE_CONFIG_YAML, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { cliIn } from '../helpers/cli.js';

const NOW = new Date('2025-06-13T00:00:00.000Z');

const workspace = () => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-cli-'));
  writeFileSync(join(dir, 'failover.yml'), FIXTURE_CONFIG_YAML);
  return dir;
};

/** Runs the CLI in process with captured output; the ledger is a real embedded dynalite on disk. */
const cli = cliIn({ now: () => NOW });
const json = (s: string) => JSON.parse(s) as Record<string, unknown[]>;

describe('r53-failover CLI', () => {
  it('ingests files and reports one outcome per file, exiting 1 when one is rejected', async () => {
    const cwd = workspace();
    const res = await cli(
      cwd,
      'ingest',
      '--json',
      '--no-notify',
      '--no-promote',
      join(EVENTS_DIR, 'eventbridge/alarm-state-change-alarm.json'),
      join(EVENTS_DIR, 'sns/alarm-notification.json'),
      join(EVENTS_DIR, 'eventbridge/other-namespace-alarm.json'),
      join(EVENTS_DIR, 'invalid/unknown-state.json'),
    );
    expect(res.code).toBe(1);
    const rows = json(res.out).results as { file: string; outcome: string; reason?: string; event?: string }[];
    expect(rows.map((r) => r.outcome)).toEqual(['recorded', 'duplicate', 'ignored', 'rejected']);
    expect(rows[0]?.event).toBe('FAILED_OVER');
    expect(rows[3]?.reason).toContain('detail.state.value: expected one of OK, ALARM, INSUFFICIENT_DATA, got "BROKEN"');
    expect(rows[3]?.file.endsWith('unknown-state.json')).toBe(true);
  });

  it('exits 0 when nothing was rejected and persists the ledger across runs', async () => {
    const cwd = workspace();
    expect((await cli(cwd, 'ingest', join(EVENTS_DIR, 'eventbridge/alarm-state-change-alarm.json'))).code).toBe(0);
    const again = await cli(cwd, 'ingest', '--json', join(EVENTS_DIR, 'sns/alarm-notification.json'));
    expect(json(again.out).results).toMatchObject([{ outcome: 'duplicate' }]);
  });

  it('expands a directory into its JSON files in sorted order', async () => {
    const cwd = workspace();
    const res = await cli(cwd, 'ingest', '--json', join(EVENTS_DIR, 'sns'));
    expect((json(res.out).results as { file: string }[]).map((r) => r.file.split('/').pop())).toEqual([
      'alarm-notification-ok.json',
      'alarm-notification.json',
    ]);
  });

  it('rejects a file that is not JSON and an oversized file, naming why', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'broken.json'), '{"detail-type": ');
    const big = eventBridgeEvent({
      alarmName: 'a',
      healthCheckId: PRIMARY_HC,
      state: 'ALARM',
      previousState: 'OK',
      at: '2025-07-01T10:00:00.000Z',
      reason: 'z'.repeat(270_000),
    });
    writeFileSync(join(cwd, 'big.json'), JSON.stringify(big));
    const res = await cli(cwd, 'ingest', '--json', 'broken.json', 'big.json');
    const rows = json(res.out).results as { outcome: string; reason: string }[];
    expect(rows.map((r) => r.outcome)).toEqual(['rejected', 'rejected']);
    expect(rows[0]?.reason).toMatch(/not JSON/);
    expect(rows[1]?.reason).toMatch(/at most 262144 bytes/);
  });

  it('shows history newest first with the documented fields, filtered by group and time', async () => {
    const cwd = workspace();
    await cli(
      cwd,
      'ingest',
      join(EVENTS_DIR, 'eventbridge/alarm-state-change-alarm.json'),
      join(EVENTS_DIR, 'eventbridge/alarm-state-change-ok.json'),
    );
    const all = json((await cli(cwd, 'history', '--json')).out).items as Record<string, unknown>[];
    expect(all.map((i) => i.state)).toEqual(['OK', 'ALARM']);
    for (const key of [
      'group',
      'role',
      'healthCheckId',
      'alarmArn',
      'state',
      'previousState',
      'stateChangedAt',
      'recordedAt',
      'sources',
      'event',
    ]) {
      expect(all[0]).toHaveProperty(key);
    }
    expect(all[0]).not.toHaveProperty('snapshot');
    const late = json(
      (await cli(cwd, 'history', '--json', '--group', 'orders-api', '--since', '2025-06-12T15:00:00Z')).out,
    ).items;
    expect(late).toHaveLength(1);
    const none = json((await cli(cwd, 'history', '--json', '--group', 'inventory')).out).items;
    expect(none).toHaveLength(0);
    const recent = json((await cli(cwd, 'history', '--json', '--since', '8h')).out).items;
    expect(recent).toHaveLength(1); // NOW is 2025-06-13T00:00Z: only the 16:48 recovery is within 8 h
  });

  it('reports each member and the serving member in status --json', async () => {
    const cwd = workspace();
    await cli(cwd, 'ingest', join(EVENTS_DIR, 'eventbridge/alarm-state-change-alarm.json'));
    const failed = json((await cli(cwd, 'status', '--json')).out).groups as {
      group: string;
      serving: string;
      members: Record<string, { state: string | null }>;
    }[];
    expect(failed[0]).toMatchObject({ group: 'orders-api', serving: 'secondary', lastEvent: 'FAILED_OVER' });
    expect(failed[0]?.members.primary?.state).toBe('ALARM');
    expect(failed[0]?.members.secondary?.state).toBeNull();
    const bothDown = snsEvent({
      alarmName: 'b',
      healthCheckId: SECONDARY_HC,
      state: 'ALARM',
      previousState: 'OK',
      at: '2025-06-12T14:10:00.000Z',
    });
    writeFileSync(join(cwd, 'both.json'), JSON.stringify(bothDown));
    await cli(cwd, 'ingest', 'both.json');
    const both = json((await cli(cwd, 'status', '--json')).out).groups as { serving: string; lastEvent: string }[];
    expect(both[0]).toMatchObject({ serving: 'primary', lastEvent: 'BOTH_UNHEALTHY' });
  });

  it('records unknown health checks under "unassigned" with a warning when no config exists', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'r53f-noconfig-'));
    const res = await cli(cwd, 'ingest', '--json', join(EVENTS_DIR, 'eventbridge/alarm-state-change-alarm.json'));
    expect(json(res.out).results).toMatchObject([{ group: 'unassigned' }]);
    expect(res.err).toMatch(/warning: health check is in no configured group/);
    const st = json((await cli(cwd, 'status', '--json')).out).groups as { group: string; serving: string }[];
    expect(st).toMatchObject([{ group: 'unassigned', serving: 'none' }]);
  });

  it('fails with exit 2 and the field path on a bad config, writing nothing', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'bad.yml'), FIXTURE_CONFIG_YAML.replace('region: us-east-1', 'region: useast1'));
    const res = await cli(
      cwd,
      'ingest',
      '--config',
      'bad.yml',
      join(EVENTS_DIR, 'eventbridge/alarm-state-change-alarm.json'),
    );
    expect(res.code).toBe(2);
    expect(res.err).toContain('groups.orders-api.primary.region: expected an AWS region like us-east-1, got "useast1"');
  });

  it.each([
    [['history', '--since', 'yesterday'], '--since: expected an ISO 8601 time'],
    [['history', '--limit', '0'], '--limit: expected a positive integer'],
    [['ingest'], 'expected at least one event file'],
    [['ingest', '--frobnicate', 'x.json'], "Unknown option '--frobnicate'"],
    [['nope'], 'unknown command "nope"'],
  ])('exits 2 on usage errors: %j', async (argv, message) => {
    const res = await cli(workspace(), ...argv);
    expect(res.code).toBe(2);
    expect(res.err).toContain(message);
  });

  it('runs the demo through the real binary (a replayed outage with local receivers), never reaching for AWS', () => {
    // No AWS credentials or profile in its environment: a client that tried to reach AWS would warn about them.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const res = spawnSync(process.execPath, ['bin/r53-failover.mjs', 'demo'], {
      encoding: 'utf8',
      timeout: 60_000,
      env,
    });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('recorded  orders-api primary → FAILED_OVER (#1)');
    expect(res.stdout).toContain('STALE');
    expect(res.stdout).toContain('BOTH_UNHEALTHY');
    expect(res.stdout).toMatch(/orders-api \(api\.orders\.example\.com\. A\): serving PRIMARY; last event RECOVERED/);
    expect(res.stderr).not.toMatch(/NodeVersionSupportWarning/);
    expect(res.stderr).not.toMatch(/credential|warning/i);
  });
});
