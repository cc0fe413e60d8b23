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
    ]);
    expect(readFileSync(drill.summary.drill.report, 'utf8')).toMatch(/^<!doctype html>[\s\S]*drill-failback/);
    expect(drill.summary.drill.ledger && existsSync(drill.summary.drill.ledger)).toBe(true);
    const verified = await cli(
      drill.cwd,
      'verify',
      '--config',
      drill.summary.drill.config,
      '--ledger',
      drill.summary.drill.ledger ?? '',
    );
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
      /--scenario: expected all or one of primary-down, broken-200, both-down, flapping, failback, got "meteor"/,
    );
  });
});
