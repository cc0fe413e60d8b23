import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioName, ScenarioResult } from '../../local/drill/scenarios.js';
import { cliIn } from '../helpers/cli.js';

// One fast drill of every scenario (real HTTP, DNS and embedded ledger; simulated clock), shared by the tests below.

interface Summary {
  drill: { speed: string; simulatedStart: string; config: string; ledger?: string; report: string };
  passed: boolean;
  scenarios: ScenarioResult[];
}

const cli = cliIn({ now: () => new Date('2025-06-12T15:00:00.000Z') });

let drill: { code: number; summary: Summary; progress: string; cwd: string };

beforeAll(async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'r53f-drill-'));
  const res = await cli(cwd, 'drill', '--speed', 'fast', '--json', '--keep', 'kept');
  drill = { code: res.code, summary: JSON.parse(res.out) as Summary, progress: res.err, cwd };
}, 180_000);

const scenario = (name: ScenarioName): ScenarioResult => {
  const s = drill.summary.scenarios.find((x) => x.scenario === name);
  if (!s) throw new Error(`no result for ${name}`);
  return s;
};
/** A CLI command on the drill's kept config and ledger. */
const onKeptLedger = (...args: string[]) =>
  cli(drill.cwd, ...args, '--config', drill.summary.drill.config, '--ledger', drill.summary.drill.ledger ?? '');
const events = (s: ScenarioResult) => s.ledger.map((e) => e.event);
const slack = (s: ScenarioResult, prefix: string) =>
  s.notifications.filter((n) => n.channel === 'slack' && n.title.startsWith(prefix));
/** The positions of `wanted` in `list`, each after the previous one; -1 where one is missing. */
const positions = (list: readonly string[], wanted: readonly string[]) => {
  let from = 0;
  return wanted.map((w) => {
    const i = list.indexOf(w, from);
    from = i + 1;
    return i;
  });
};

describe('r53-failover drill --speed fast', () => {
  it("starts its simulated clock an hour before now, on a whole minute: the kept ledger is inside the CLI's windows", () => {
    expect(drill.summary.drill.simulatedStart).toBe('2025-06-12T14:00:00.000Z');
    const last =
      drill.summary.scenarios
        .map((s) => s.endedAt)
        .sort()
        .at(-1) ?? '';
    expect(last > '2025-06-12T14:00:00.000Z' && last < '2025-06-12T15:00:00.000Z').toBe(true);
  });

  it('runs every scenario, exits 0 and keeps the config, a verifiable ledger and the HTML report', async () => {
    expect(drill.code).toBe(0);
    expect(drill.summary.scenarios.map((s) => [s.scenario, s.passed])).toEqual([
      ['primary-down', true],
      ['broken-200', true],
      ['both-down', true],
      ['flapping', true],
      ['failback', true],
      ['target-health', true],
      ['detached-check', true],
    ]);
    expect(readFileSync(drill.summary.drill.report, 'utf8')).toMatch(/^<!doctype html>[\s\S]*drill-failback/);
    expect(drill.summary.drill.ledger && existsSync(drill.summary.drill.ledger)).toBe(true);
    const verified = await onKeptLedger('verify');
    expect(verified.code).toBe(0);
  });

  it('primary-down: FAILED_OVER, then the approved promotion; DNS on the secondary; one FAILED OVER message', () => {
    const s = scenario('primary-down');
    expect(
      positions(events(s), [
        'FAILED_OVER',
        'PROMOTION_AWAITING_APPROVAL',
        'PROMOTION_IN_PROGRESS',
        'PROMOTION_SUCCEEDED',
      ]),
    ).not.toContain(-1);
    expect(events(s)).toContain('PROBE_DOWN');
    expect(s.dns.map((d) => d.member)).toEqual(['primary', 'secondary']);
    expect(s.dns[1]?.answers).toEqual(['198.51.100.20']);
    expect(slack(s, 'FAILED OVER:')).toHaveLength(1);
    expect(s.alarms.find((a) => a.to === 'ALARM')?.deliveries.map((d) => `${d.path} ${d.outcome}`)).toEqual([
      'eventbridge recorded',
      'sns duplicate',
    ]);
    expect(s.promotionCalls.map((c) => [c.path, c.signature, c.status])).toEqual([['/promote', 'verified', 200]]);
    expect(s.writer).toBe('us-west-2');
    expect(s.writes.map((w) => [w.region, w.status])).toEqual([['us-west-2', 201]]);
  });

  it('broken-200: Route 53 stays healthy on GET /, the probes notice: HEALTH_DISAGREEMENT, no FAILED_OVER', () => {
    const s = scenario('broken-200');
    expect(events(s)).not.toContain('FAILED_OVER');
    expect(positions(events(s), ['PROBE_DOWN', 'HEALTH_DISAGREEMENT'])).not.toContain(-1);
    expect(slack(s, 'HEALTH DISAGREEMENT:')).toHaveLength(1);
    expect(s.dns.map((d) => d.member)).toEqual(['primary']);
  });

  it('both-down: BOTH_UNHEALTHY, promotion skipped with the reason, DNS back on the primary', () => {
    const s = scenario('both-down');
    expect(positions(events(s), ['FAILED_OVER', 'BOTH_UNHEALTHY', 'PROMOTION_SKIPPED'])).not.toContain(-1);
    expect(s.ledger.find((e) => e.event === 'PROMOTION_SKIPPED')?.reason).toMatch(/both regions are unhealthy/);
    expect(s.dns.map((d) => d.member)).toEqual(['primary', 'secondary', 'primary']);
    expect(s.promotionCalls).toEqual([]);
  });

  it('flapping: one FLAPPING message, later transitions held back, then one summary', () => {
    const s = scenario('flapping');
    expect(slack(s, 'FLAPPING:')).toHaveLength(1);
    expect(slack(s, 'FLAPPING ENDED')).toHaveLength(1);
    expect(events(s).filter((e) => e === 'FAILED_OVER' || e === 'RECOVERED')).toEqual([
      'FAILED_OVER',
      'RECOVERED',
      'FAILED_OVER',
      'RECOVERED',
    ]);
    expect(slack(s, 'RECOVERED:')).toHaveLength(1);
    expect(events(s)).not.toContain('PROMOTION_SUCCEEDED');
  });

  it('failback: RECOVERED, FAILBACK_READY with the switchover command, the operator switches over, DNS on the primary', () => {
    const s = scenario('failback');
    expect(positions(events(s), ['FAILED_OVER', 'PROMOTION_SUCCEEDED', 'RECOVERED', 'FAILBACK_READY'])).not.toContain(
      -1,
    );
    expect(s.ledger.find((e) => e.event === 'FAILBACK_READY')?.reason).toMatch(
      /run: curl -X POST http:\/\/127\.0\.0\.1:\d+\/switchover/,
    );
    expect(s.dns.map((d) => d.member)).toEqual(['primary', 'secondary', 'primary']);
    expect(s.promotionCalls.map((c) => c.path)).toEqual(['/promote', '/switchover']);
    expect(s.writes.map((w) => [w.region, w.status])).toEqual([
      ['us-east-1', 503],
      ['us-east-1', 201],
    ]);
    expect(s.writer).toBe('us-east-1');
  });

  it('target-health: the last target dies, DNS moves to the secondary load balancer, the forwarded alarm records FAILED_OVER', () => {
    const s = scenario('target-health');
    // DNS moves first (Route 53 follows target health), then the us-west-2 alarm's forwarded event is recorded.
    expect(positions(events(s), ['DNS_SERVING_CHANGED', 'FAILED_OVER', 'PROMOTION_SUCCEEDED'])).not.toContain(-1);
    expect(events(s)).not.toContain('SERVING_MISMATCH');
    expect(s.ledger.find((e) => e.event === 'FAILED_OVER')).toMatchObject({ role: 'primary', state: 'ALARM' });
    expect(s.ledger.find((e) => e.event === 'DNS_SERVING_CHANGED')).toMatchObject({ role: 'secondary' });
    const failedOver = s.alarms.find((a) => a.to === 'ALARM');
    expect(failedOver).toMatchObject({ member: 'primary', region: 'us-west-2' });
    // Forwarded from the load balancer's region by EventBridge only: a regional target-health alarm has no SNS action.
    expect(failedOver?.deliveries.map((d) => `${d.path} ${d.outcome} ${d.event}`)).toEqual([
      'eventbridge recorded FAILED_OVER',
    ]);
    expect(s.alarms.filter((a) => a.from === 'INSUFFICIENT_DATA').map((a) => a.region)).toEqual([
      'us-west-2',
      'eu-west-1',
    ]);
    // Route 53 answers the alias with the load balancer's addresses; the probes tell them apart by its name.
    expect(s.dns.map((d) => [d.member, d.answers])).toEqual([
      ['primary', ['192.0.2.30', '192.0.2.31']],
      ['secondary', ['198.51.100.40', '198.51.100.41']],
    ]);
    expect(slack(s, 'FAILED OVER:').map((n) => n.title)).toEqual([
      'FAILED OVER: drill-target-health now served from eu-west-1 (secondary)',
    ]);
    expect(slack(s, 'DNS MOVED:')).toHaveLength(1);
    expect(slack(s, 'SERVING MISMATCH:')).toHaveLength(0);
    expect(s.notifications.filter((n) => n.channel === 'webhook').every((n) => n.signature === 'verified')).toBe(true);
    expect(s.writer).toBe('eu-west-1');
    expect(s.writes.map((w) => [w.region, w.status])).toEqual([['eu-west-1', 201]]);
  });

  it('detached-check: FAILED_OVER from the alarm, DNS stays on the primary, SERVING_MISMATCH after 120 s', () => {
    const s = scenario('detached-check');
    expect(positions(events(s), ['FAILED_OVER', 'SERVING_MISMATCH'])).not.toContain(-1);
    expect(events(s)).not.toContain('DNS_SERVING_CHANGED');
    expect(s.dns.map((d) => [d.member, d.answers])).toEqual([['primary', ['192.0.2.10']]]);
    const mismatch = s.ledger.find((e) => e.event === 'SERVING_MISMATCH');
    const failedOver = s.ledger.find((e) => e.event === 'FAILED_OVER');
    // The mismatch began with the alarm's state change and was reported once it had lasted 120 s.
    expect(mismatch?.at).toBe(failedOver?.at);
    expect(Date.parse(mismatch?.recordedAt ?? '') - Date.parse(mismatch?.at ?? '')).toBeGreaterThanOrEqual(120_000);
    expect(mismatch).toMatchObject({ role: 'primary', state: 'primary' });
    expect(mismatch?.reason).toMatch(/the PRIMARY record does not reference that health check/);
    expect(slack(s, 'FAILED OVER:')).toHaveLength(1);
    expect(slack(s, 'SERVING MISMATCH:').map((n) => n.title)).toEqual([
      'SERVING MISMATCH: drill-detached-check DNS answers the primary, the alarms say the secondary',
    ]);
    expect(s.notifications.filter((n) => n.title.startsWith('SERVING MISMATCH:')).map((n) => n.channel)).toEqual([
      'slack',
      'webhook',
    ]);
    expect(s.promotionCalls).toEqual([]);
    expect(drill.progress).toMatch(
      /sets this group's probes\.servingMismatchSeconds to 120 s \(the default is 600 s\)/,
    );
    expect(readFileSync(drill.summary.drill.config, 'utf8')).toMatch(
      /drill-detached-check:[\s\S]*probeSettings:\s+servingMismatchSeconds: 120/,
    );
  });

  it('status --json on the kept ledger: the alarms and the observed DNS agree for target-health, not for detached-check', async () => {
    const res = await onKeptLedger('status', '--json');
    expect(res.code).toBe(0);
    const groups = (
      JSON.parse(res.out) as { groups: { group: string; serving: string; observed: { serving: string } | null }[] }
    ).groups;
    const of = (g: string) => groups.find((x) => x.group === g);
    expect(of('drill-target-health')).toMatchObject({ serving: 'secondary', observed: { serving: 'secondary' } });
    expect(of('drill-detached-check')).toMatchObject({ serving: 'secondary', observed: { serving: 'primary' } });
  });

  it('streams progress while it runs (to stderr with --json)', () => {
    expect(drill.progress).toMatch(
      /Route 53 now answers primary-down\.drill\.test with the secondary: 198\.51\.100\.20/,
    );
    expect(drill.progress).toMatch(/the operator approves: r53-failover promote approve drill-primary-down#\d+/);
  });

  it('rejects an unknown scenario with exit 2, naming the choices', async () => {
    const res = await cli(drill.cwd, 'drill', '--scenario', 'meteor');
    expect(res.code).toBe(2);
    expect(res.err).toMatch(
      /--scenario: expected all or one of primary-down, broken-200, both-down, flapping, failback, target-health, detached-check, got "meteor"/,
    );
  });
});
