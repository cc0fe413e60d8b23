import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { runProbeRound, type ProbeRoundDeps, type RoundReport } from './runner.js';
import { probeSettingsFor } from '../config/lookups.js';

/** The probe function's invocation: rounds every interval while time is left, each round's figures as EMF metrics. */

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * Probe figures as CloudWatch metrics (`R53Failover/Probes`): success and latency per probe, DNS convergence and
 * failback per group, all by probe region. One EMF document per metric: a single-metric logger flushes on addMetric
 * and then drops its dimensions.
 */
export const probeMetrics = (metrics: Metrics, region: string) => {
  const put = (dimensions: Record<string, string>, name: string, unit: Unit, value: number, probe?: string) => {
    const single = metrics.singleMetric();
    single.addDimensions(dimensions);
    if (probe) single.addMetadata('probe', probe);
    single.addMetric(name, unit, value);
  };
  return {
    probe: (m: { group: string; member: string; probe: string; ok: boolean; latencyMs: number }) => {
      const dims = { Group: m.group, Member: m.member, ProbeRegion: region };
      put(dims, 'ProbeSuccess', MetricUnit.Count, m.ok ? 1 : 0, m.probe);
      put(dims, 'ProbeLatency', MetricUnit.Milliseconds, m.latencyMs, m.probe);
    },
    round: (report: RoundReport) => {
      for (const d of report.dns) {
        if (d.convergenceSeconds === undefined) continue;
        const dims = { Group: d.group, ProbeRegion: region };
        put(dims, 'DnsConvergence', MetricUnit.Seconds, d.convergenceSeconds);
        put(dims, 'DnsFailback', MetricUnit.Count, d.failback ? 1 : 0);
      }
    },
  };
};

/** Groups probed from `region`, and the seconds between rounds: the shortest interval any of them asks for (≤ 60). */
export const probePlan = (config: ProbeRoundDeps['config'], region: string) => {
  const groups = Object.keys(config.groups).filter((g) => probeSettingsFor(config, g).regions.includes(region));
  return { groups, intervalMs: Math.min(...groups.map((g) => probeSettingsFor(config, g).intervalSeconds), 60) * 1000 };
};

/**
 * Runs a round every `intervalMs` within one scheduled invocation, so detection is sub-minute, stopping while there is
 * still time for a whole round (probe timeouts are bounded, so is a round).
 */
export const probeWhileTimeLeft = async (
  deps: ProbeRoundDeps & { remainingMs: () => number; roundBudgetMs: number; onRound?: (report: RoundReport) => void },
  plan: { groups: string[]; intervalMs: number },
): Promise<{ rounds: number; events: string[] }> => {
  const events: string[] = [];
  let rounds = 0;
  for (;;) {
    const started = Date.now();
    const report = await runProbeRound(deps, plan.groups);
    rounds++;
    events.push(...report.events.map((e) => `${e.group}#${e.seq} ${e.event} ${e.role}`));
    deps.onRound?.(report);
    const failing = report.members.filter((m) => !m.ok).map((m) => `${m.group}/${m.member}`);
    if (failing.length) deps.log.warn('probe round found failures', { round: rounds, failing });
    const wait = Math.max(0, plan.intervalMs - (Date.now() - started));
    if (deps.remainingMs() < wait + deps.roundBudgetMs) break;
    await new Promise((r) => setTimeout(r, wait));
  }
  return { rounds, events };
};
