import { type FailoverConfig } from '../config/schema.js';
import type { GroupEvent } from '../core/group-events.js';
import { appendToChain } from '../ledger/append.js';
import { nextEntry } from '../ledger/entry.js';
import type { LedgerStore, ProbeEntry } from '../ledger/store.js';
import type { Log } from '../support/logger.js';
import type { ProbeStore } from './probe-store.js';
import { disagreement, evaluateQuorum, nextVerdict, quorumEvent, type QuorumEvaluation } from './quorum.js';
import type { HttpProbeSpec, ProbeResult, TcpProbeSpec } from './types.js';
import { detectFailback, type DnsProbeResult, type DnsProbeSpec, type PointsTo } from './dns-probe.js';
import type { MemberRole } from '../core/members.js';
import type { Quorum, RegionVerdict } from '../core/probe-verdicts.js';
import { healthBasisOf, memberProbes, probeSettingsFor, type EffectiveProbeSettings } from '../config/lookups.js';

/** The probe engines (injectable: tests and the bench swap in their own). */
export interface ProbeRunners {
  http(spec: HttpProbeSpec): Promise<ProbeResult>;
  tcp(spec: TcpProbeSpec): Promise<ProbeResult>;
  dns?(spec: DnsProbeSpec): Promise<DnsProbeResult>;
}

const MEMBERS: MemberRole[] = ['primary', 'secondary'];

/** A member's configured probes as engine specs, with the group's SSRF setting. */
export const memberSpecs = (
  config: FailoverConfig,
  group: string,
  role: MemberRole,
  settings: EffectiveProbeSettings = probeSettingsFor(config, group),
) =>
  memberProbes(config, group, role).map((p) =>
    p.type === 'http'
      ? {
          type: 'http' as const,
          spec: {
            name: p.name,
            url: p.url,
            method: p.method,
            headers: p.headers,
            ...(p.body !== undefined ? { body: p.body } : {}),
            expectStatus: p.expectStatus,
            ...(p.bodyContains !== undefined ? { bodyContains: p.bodyContains } : {}),
            ...(p.bodyMatches !== undefined ? { bodyMatches: p.bodyMatches } : {}),
            ...(p.jsonPath ? { jsonPath: p.jsonPath } : {}),
            ...(p.maxLatencyMs !== undefined ? { maxLatencyMs: p.maxLatencyMs } : {}),
            timeoutMs: p.timeoutMs,
            certExpiryWarningDays: p.certExpiryWarningDays,
            followRedirects: p.followRedirects,
            maxRedirects: 5,
            allowPrivateTargets: settings.allowPrivateTargets,
          } satisfies HttpProbeSpec,
        }
      : {
          type: 'tcp' as const,
          spec: {
            name: p.name,
            host: p.host,
            port: p.port,
            timeoutMs: p.timeoutMs,
            allowPrivateTargets: settings.allowPrivateTargets,
          } satisfies TcpProbeSpec,
        },
  );

/** Runs `tasks` with at most `limit` in flight. */
export const mapLimit = async <T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> => {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
};

/** Runs every probe of a member once (the CLI's `probe` and each regional round). */
export const probeMember = async (
  config: FailoverConfig,
  group: string,
  role: MemberRole,
  runners: ProbeRunners,
  concurrency = 8,
): Promise<ProbeResult[]> =>
  mapLimit(memberSpecs(config, group, role), concurrency, (p) =>
    p.type === 'http' ? runners.http(p.spec) : runners.tcp(p.spec),
  );

export interface ProbeRoundDeps {
  config: FailoverConfig;
  /** The region this round runs in. */
  region: string;
  store: ProbeStore;
  ledger: LedgerStore;
  runners: ProbeRunners;
  log: Log;
  now: () => Date;
  concurrency?: number;
  /** One call per probe result: EMF metrics in Lambda. */
  metric?: (m: { group: string; member: MemberRole; probe: string; ok: boolean; latencyMs: number }) => void;
}

export interface MemberRound {
  group: string;
  member: MemberRole;
  ok: boolean;
  results: ProbeResult[];
  verdict: RegionVerdict;
  quorum: Quorum;
}

export interface DnsRound {
  group: string;
  result: DnsProbeResult;
  /** Where the record settled (every answering resolver agrees), and the previous settled member. */
  settled?: PointsTo;
  previous?: PointsTo;
  /** Seconds from the first round that saw a new member to the round where every resolver agreed. */
  convergenceSeconds?: number;
  /** Route 53 moved traffic from the secondary back to the primary on its own. */
  failback: boolean;
}

export interface RoundReport {
  members: MemberRound[];
  events: ProbeEntry[];
  dns: DnsRound[];
}

/** The DNS probe of a group's record, when resolvers and both members' answers are configured. */
export const dnsSpecFor = (config: FailoverConfig, group: string): DnsProbeSpec | undefined => {
  const g = config.groups[group];
  const s = probeSettingsFor(config, group);
  if (!g || s.dnsResolvers.length === 0 || !g.primary.dnsAnswers?.length || !g.secondary.dnsAnswers?.length)
    return undefined;
  const recordType = g.recordType === 'AAAA' || g.recordType === 'CNAME' ? g.recordType : 'A';
  return {
    name: 'dns',
    recordName: g.recordName,
    recordType,
    resolvers: s.dnsResolvers,
    timeoutMs: 2000,
    members: { primary: g.primary.dnsAnswers, secondary: g.secondary.dnsAnswers },
  };
};

/** Runs the DNS probe, stores it, and follows where the record settles (convergence after a flip, automatic failback). */
const dnsRound = async (
  deps: ProbeRoundDeps,
  group: string,
  spec: DnsProbeSpec,
  settings: EffectiveProbeSettings,
): Promise<DnsRound | undefined> => {
  if (!deps.runners.dns) return undefined;
  const result = await deps.runners.dns(spec);
  await deps.store.putResult({ ...result, group, member: 'dns', region: deps.region }, settings.retentionDays);
  const state = await deps.store.getDnsState(group, deps.region);
  const round: DnsRound = { group, result, failback: false };
  const p = result.pointsTo;
  if (p === 'split' && state.settled && !state.flipSeenAt) {
    await deps.store.putDnsState(group, deps.region, { ...state, flipSeenAt: result.startedAt });
  } else if ((p === 'primary' || p === 'secondary') && p !== state.settled) {
    const since = state.flipSeenAt ?? result.startedAt;
    round.settled = p;
    if (state.settled) {
      round.previous = state.settled as PointsTo;
      round.convergenceSeconds = Math.round((Date.parse(result.startedAt) - Date.parse(since)) / 1000);
      round.failback = detectFailback(state.settled as PointsTo, p);
      deps.log.warn(
        round.failback
          ? 'DNS failed back to the primary on its own (Route 53 automatic failback)'
          : 'DNS moved to another member',
        { group, from: state.settled, to: p, convergenceSeconds: round.convergenceSeconds },
      );
    }
    await deps.store.putDnsState(group, deps.region, { settled: p, since: result.startedAt });
  } else if ((p === 'primary' || p === 'secondary') && state.flipSeenAt) {
    await deps.store.putDnsState(group, deps.region, { settled: p, since: state.since ?? result.startedAt }); // a split that went back
  }
  return round;
};

const firstFailure = (results: ProbeResult[]): string | undefined => {
  const bad = results.find((r) => !r.ok);
  if (!bad) return undefined;
  const failed = bad.assertions.find((a) => !a.ok);
  return `${bad.probe}: ${bad.error ?? (failed ? `${failed.name}: expected ${failed.expected}, got ${failed.actual}` : 'failed')}`;
};

const describeRegions = (verdicts: RegionVerdict[], regions: string[]) =>
  verdicts
    .filter((v) => regions.includes(v.region))
    .map((v) => `${v.region}: ${v.error ?? 'ok'}`)
    .join('; ');

/** Appends a probe event (quorum change or disagreement) to the group's chain. */
const appendProbeEvent = (
  deps: ProbeRoundDeps,
  group: string,
  member: MemberRole,
  event: GroupEvent,
  state: Exclude<Quorum, 'UNKNOWN'>,
  previousState: Quorum,
  at: string,
  reason: string,
  probe: ProbeEntry['probe'],
) => {
  const m = deps.config.groups[group]?.[member];
  return appendToChain(deps.ledger, group, (head) =>
    nextEntry<ProbeEntry>(head, {
      kind: 'probe',
      group,
      transitionId: `probe:${member}:${event}:${at}`,
      role: member,
      healthCheckId: m?.healthCheckId ?? '',
      healthCheckIds: m?.healthCheckId ? [m.healthCheckId] : [],
      region: m?.region ?? '',
      state,
      previousState,
      stateChangedAt: at,
      recordedAt: deps.now().toISOString(),
      sources: [`probe:${deps.region}`],
      event,
      reason,
      probe,
    }),
  );
};

const judge = async (
  deps: ProbeRoundDeps,
  group: string,
  member: MemberRole,
  settings: EffectiveProbeSettings,
  verdict: RegionVerdict,
): Promise<{ quorum: Quorum; events: ProbeEntry[]; evaluation: QuorumEvaluation }> => {
  const now = deps.now();
  const events: ProbeEntry[] = [];
  const verdicts = [...(await deps.store.getVerdicts(group, member)).filter((v) => v.region !== deps.region), verdict];
  const staleAfterMs = Math.max(3 * settings.intervalSeconds * 1000, 90_000);
  const current = await deps.store.getQuorum(group, member);
  const evaluation = evaluateQuorum(
    verdicts,
    { regions: settings.regions, required: settings.required, consecutive: settings.consecutive, staleAfterMs },
    now.getTime(),
    current.quorum,
  );
  let quorum = current.quorum;
  let since = current.since;
  const m = deps.config.groups[group]?.[member];
  const probeInfo = {
    required: settings.required,
    consecutive: settings.consecutive,
    down: evaluation.down,
    up: evaluation.up,
    verdicts,
  };
  if (
    evaluation.quorum !== current.quorum &&
    (await deps.store.putQuorum(
      group,
      member,
      { quorum: evaluation.quorum, since: now.toISOString(), version: current.version },
      current.version,
    ))
  ) {
    const event = quorumEvent(current.quorum, evaluation.quorum);
    quorum = evaluation.quorum;
    since = now.toISOString();
    if (event && quorum !== 'UNKNOWN') {
      const regions = event === 'PROBE_DOWN' ? evaluation.down : evaluation.up;
      const reason =
        event === 'PROBE_DOWN'
          ? `${regions.length} of ${settings.regions.length} probe regions (${regions.join(', ')}) saw ${settings.consecutive} consecutive failures of ${group} ${member} (${m?.region ?? '?'}). ${describeRegions(verdicts, settings.regions)}`
          : `${regions.length} of ${settings.regions.length} probe regions (${regions.join(', ')}) saw ${settings.consecutive} consecutive successes of ${group} ${member} (${m?.region ?? '?'}) again.`;
      const entry = await appendProbeEvent(
        deps,
        group,
        member,
        event,
        quorum,
        current.quorum,
        since,
        reason,
        probeInfo,
      );
      if (entry) events.push(entry);
      deps.log.warn('probe quorum changed', { group, member, event, regions });
    }
  }
  if (quorum !== 'UNKNOWN') {
    const head = await deps.ledger.head(group, { fresh: true });
    const alarm = head.snapshot[member];
    const d = disagreement({ state: alarm?.state ?? null, since: alarm?.stateChangedAt ?? null }, { quorum, since });
    if (
      d &&
      now.getTime() - Date.parse(d.since) >= probeSettingsFor(deps.config, group).disagreementSeconds * 1000 &&
      (await deps.store.claimDisagreement(group, member, d.since))
    ) {
      const minutes = Math.round((now.getTime() - Date.parse(d.since)) / 60_000);
      const configured = deps.config.groups[group]?.[member];
      const basis = configured ? healthBasisOf(configured).kind : 'health-check';
      const passes =
        basis === 'none'
          ? 'has no health check (Route 53 treats it as always healthy)'
          : basis === 'target-health'
            ? `has healthy targets in its target groups (${alarm?.state ?? 'no alarm data'})`
            : `passes its Route 53 health check (${alarm?.state ?? 'no alarm data'})`;
      const reason =
        d.kind === 'probes-down-health-ok'
          ? `${group} ${member} ${passes} but a quorum of probes has failed it for ${minutes} min: the "200 OK but broken" case. Route 53 will not fail over. ${describeRegions(verdicts, settings.regions)}`
          : basis === 'target-health'
            ? `${group} ${member} has a target group without healthy targets but a quorum of probes passes it for ${minutes} min: check the target group's health check path and thresholds, and that every target group of the load balancer has targets.`
            : `${group} ${member} fails its Route 53 health check but a quorum of probes passes it for ${minutes} min: check the health check's path, thresholds and the checker regions' reachability.`;
      const entry = await appendProbeEvent(
        deps,
        group,
        member,
        'HEALTH_DISAGREEMENT',
        quorum === 'DOWN' ? 'DOWN' : 'UP',
        quorum,
        d.since,
        reason,
        { ...probeInfo, disagreement: { kind: d.kind, since: d.since, healthCheckState: alarm?.state ?? null } },
      );
      if (entry) events.push(entry);
    }
  }
  return { quorum, events, evaluation };
};

/**
 * One probe round in one region: run every member's probes (bounded concurrency), keep the results (with TTL),
 * fold them into this region's verdict, then judge the quorum across regions; quorum changes and sustained
 * disagreements with Route 53 become group events in the ledger (and so are notified).
 */
export const runProbeRound = async (
  deps: ProbeRoundDeps,
  groups: string[] = Object.keys(deps.config.groups),
): Promise<RoundReport> => {
  const report: RoundReport = { members: [], events: [], dns: [] };
  const work = groups.flatMap((group) => {
    const settings = probeSettingsFor(deps.config, group);
    if (!settings.regions.includes(deps.region)) return [];
    return MEMBERS.filter((member) => memberSpecs(deps.config, group, member, settings).length > 0).map((member) => ({
      group,
      member,
      settings,
    }));
  });
  await mapLimit(work, Math.max(1, Math.floor((deps.concurrency ?? 8) / 2)), async ({ group, member, settings }) => {
    const startedAt = deps.now().toISOString();
    const results = await probeMember(deps.config, group, member, deps.runners, deps.concurrency ?? 8);
    for (const r of results) {
      deps.metric?.({ group, member, probe: r.probe, ok: r.ok, latencyMs: r.latencyMs });
      await deps.store.putResult({ ...r, group, member, region: deps.region }, settings.retentionDays);
    }
    const ok = results.every((r) => r.ok);
    const previous = (await deps.store.getVerdicts(group, member)).find((v) => v.region === deps.region);
    const verdict = nextVerdict(previous, deps.region, ok, startedAt, firstFailure(results));
    await deps.store.putVerdict(group, member, verdict);
    const { quorum, events } = await judge(deps, group, member, settings, verdict);
    report.members.push({ group, member, ok, results, verdict, quorum });
    report.events.push(...events);
  });
  for (const group of groups) {
    const settings = probeSettingsFor(deps.config, group);
    const spec = settings.regions.includes(deps.region) ? dnsSpecFor(deps.config, group) : undefined;
    const round = spec && (await dnsRound(deps, group, spec, settings));
    if (round) report.dns.push(round);
  }
  return report;
};
