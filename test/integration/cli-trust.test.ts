import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventBridgeEvent, snsEvent, type SampleTransition } from '../../local/sample-events.js';
import { EVENTS_DIR, FIXTURE_CONFIG_YAML, PRIMARY_HC } from '../helpers/events.js';
import { cliIn } from '../helpers/cli.js';

/** `ingest` ignores alarms of another account (failover.yml accountId) or region, and refuses impossible times. */

const NOW = new Date('2025-06-13T00:00:00.000Z');
const cli = cliIn({ now: () => NOW });
const OURS = '123456789012';
const THEIRS = '999988887777';
const NOTE = 'cannot check the account of alarms';

const workspace = (yaml: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-cli-trust-'));
  writeFileSync(join(dir, 'failover.yml'), yaml);
  return dir;
};
const withAccount = (account: string) =>
  FIXTURE_CONFIG_YAML.replace('version: 1\n', `version: 1\naccountId: "${account}"\n`);

const primary = (state: SampleTransition['state'], at: string, extra: Partial<SampleTransition> = {}) => ({
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  healthCheckId: PRIMARY_HC,
  state,
  previousState: state === 'OK' ? ('ALARM' as const) : ('OK' as const),
  at,
  ...extra,
});

const write = (dir: string, name: string, payload: unknown) => {
  writeFileSync(join(dir, name), JSON.stringify(payload));
  return name;
};

type Row = { outcome: string; reason?: string; event?: string };
const rowsOf = (out: string) => (JSON.parse(out) as { results: Row[] }).results;

describe('r53-failover ingest: whose alarms, and when', () => {
  it('with accountId, ignores another account’s alarm with the reason, exits 0 and records nothing', async () => {
    const cwd = workspace(withAccount(OURS));
    const theirs = write(
      cwd,
      'theirs.json',
      snsEvent(primary('ALARM', '2025-06-12T10:00:00.000Z', { account: THEIRS })),
    );
    const res = await cli(cwd, 'ingest', '--json', '--no-notify', theirs);
    expect(res.code).toBe(0);
    expect(rowsOf(res.out)).toEqual([
      expect.objectContaining({
        outcome: 'ignored',
        reason: expect.stringContaining(`is in account ${THEIRS}, not this deployment's account ${OURS}`),
      }),
    ]);
    expect(res.err).not.toContain(NOTE);
    expect(res.err).toContain('warning: alarm of another account or region ignored');
    const history = await cli(cwd, 'history', '--json');
    expect(JSON.parse(history.out)).toMatchObject({ items: [] });
  });

  it('with accountId, records the public fixtures of that account as before', async () => {
    const cwd = workspace(withAccount(OURS));
    const res = await cli(
      cwd,
      'ingest',
      '--json',
      '--no-notify',
      join(EVENTS_DIR, 'eventbridge/alarm-state-change-alarm.json'),
    );
    expect(rowsOf(res.out)).toMatchObject([{ outcome: 'recorded', event: 'FAILED_OVER' }]);
    expect(res.err).toBe('');
  });

  it('without accountId, says once on stderr that it cannot check the account, and still checks the region', async () => {
    const cwd = workspace(FIXTURE_CONFIG_YAML);
    const files = [
      write(cwd, 'a.json', eventBridgeEvent(primary('ALARM', '2025-06-12T10:00:00.000Z'))),
      write(cwd, 'b.json', eventBridgeEvent(primary('OK', '2025-06-12T10:05:00.000Z'))),
      write(cwd, 'c.json', snsEvent(primary('ALARM', '2025-06-12T10:10:00.000Z', { region: 'eu-west-1' }))),
    ];
    const res = await cli(cwd, 'ingest', '--json', '--no-notify', ...files);
    expect(rowsOf(res.out).map((r) => r.outcome)).toEqual(['recorded', 'recorded', 'ignored']);
    expect(rowsOf(res.out)[2]?.reason).toContain('is in region eu-west-1');
    expect(res.err.split(NOTE)).toHaveLength(2);
    expect(res.err).toContain('failover.yml has no accountId');
  });

  it('says nothing about the account for commands that record no alarms', async () => {
    const cwd = workspace(FIXTURE_CONFIG_YAML);
    expect((await cli(cwd, 'status', '--json')).err).not.toContain(NOTE);
  });

  it('rejects a state change in the future naming StateChangeTime and the bound, exits 1, then records a genuine one', async () => {
    const cwd = workspace(withAccount(OURS));
    const forged = write(cwd, '1-forged.json', snsEvent(primary('ALARM', '2099-01-01T00:00:00.000Z')));
    const real = write(cwd, '2-real.json', snsEvent(primary('ALARM', '2025-06-12T23:59:00.000Z')));
    const res = await cli(cwd, 'ingest', '--json', '--no-notify', forged, real);
    expect(res.code).toBe(1);
    const [first, second] = rowsOf(res.out);
    expect(first).toMatchObject({ outcome: 'rejected' });
    expect(first?.reason).toContain(
      'Records[0].Sns.Message.StateChangeTime: "2099-01-01T00:00:00.000Z" is more than 5 minutes after the moment of receipt (2025-06-13T00:00:00.000Z)',
    );
    expect(second).toMatchObject({ outcome: 'recorded', event: 'FAILED_OVER' });
  });

  it('refuses an accountId that is not 12 digits, naming the field', async () => {
    const cwd = workspace(withAccount('12345'));
    const res = await cli(cwd, 'ingest', join(EVENTS_DIR, 'eventbridge/alarm-state-change-alarm.json'));
    expect(res.code).toBe(2);
    expect(res.err).toContain(
      'accountId: expected a 12-digit AWS account id like 123456789012 (in quotes), got "12345"',
    );
  });
});
