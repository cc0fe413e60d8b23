import { METRIC, type MetricSink } from '../support/metrics.js';
import { runProbeRound, type ProbeRoundDeps, type RoundReport } from './runner.js';
import { probeSettingsFor } from '../config/lookups.js';

/** The probe function's invocation: rounds every interval while time is left, each round's figures as EMF metrics. */

/**
 * Probe figures as CloudWatch metrics (`R53Failover/Probes`, in the probe's own region): success and latency per
 * probe, DNS convergence and failback per group, all by probe region. The probe's name goes in the metadata.
 */
export const probeMetrics = (metrics: MetricSink, region: string) => ({
  probe: (m: { group: string; member: string; probe: string; ok: boolean; latencyMs: number }) => {
    const dims = { Group: m.group, Member: m.member, ProbeRegion: region };
    metrics.put(METRIC.probeSuccess, 'Count', m.ok ? 1 : 0, dims, { probe: m.probe });
    metrics.put(METRIC.probeLatency, 'Milliseconds', m.latencyMs, dims, { probe: m.probe });
  },
  round: (report: RoundReport) => {
    for (const d of report.dns) {
      if (d.convergenceSeconds === undefined) continue;
      const dims = { Group: d.group, ProbeRegion: region };
      metrics.put(METRIC.dnsConvergence, 'Seconds', d.convergenceSeconds, dims);
      metrics.put(METRIC.dnsFailback, 'Count', d.failback ? 1 : 0, dims);
    }
  },
});

/** Groups probed from `region`, and the seconds between rounds: the shortest interval any of them asks for (≤ 60). */
export const probePlan = (config: ProbeRoundDeps['config'], region: string) => {
  const groups = Object.keys(config.groups).filter((g) => probeSettingsFor(config, g).regions.includes(region));
  return { groups, intervalMs: Math.min(...groups.map((g) => probeSettingsFor(config, g).intervalSeconds), 60) * 1000 };
};

/**
 * Runs a round every `intervalMs` within one scheduled invocation, so detection is sub-minute, stopping while there is
 * still time for a whole round (probe timeouts are bounded, so is a round). The first round of each invocation sends
 * the region's heartbeat (once a minute, since the schedule runs once a minute).
 */
export const probeWhileTimeLeft = async (
  deps: ProbeRoundDeps & {
    remainingMs: () => number;
    roundBudgetMs: number;
    onRound?: (report: RoundReport) => void;
    heartbeat?: (at: Date) => Promise<void>;
  },
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
    if (rounds === 1) await deps.heartbeat?.(deps.now());
    const failing = report.members.filter((m) => !m.ok).map((m) => `${m.group}/${m.member}`);
    if (failing.length) deps.log.warn('probe round found failures', { round: rounds, failing });
    const wait = Math.max(0, plan.intervalMs - (Date.now() - started));
    if (deps.remainingMs() < wait + deps.roundBudgetMs) break;
    await new Promise((r) => setTimeout(r, wait));
  }
  return { rounds, events };
};
