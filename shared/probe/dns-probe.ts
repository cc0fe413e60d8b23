import { R53FailoverError } from '../support/errors.js';
import type { AssertionResult, ProbeResult } from './types.js';
import {
  describeError,
  normaliseAnswer,
  normaliseName,
  resolveAliasTargets,
  serverFor,
  withResolver,
} from './dns-resolvers.js';

/**
 * Where is Route 53 sending traffic right now? Resolves a failover group's record through each configured resolver and
 * maps every answer to the member whose record carries it. Resolvers are asked in parallel, each on its own
 * `node:dns` Resolver (one try, `timeoutMs`), so one dead resolver costs the probe `timeoutMs` at most and never hides the others
 * (a resolver given by host name may add one more `timeoutMs` for its lookup, and alias targets are resolved first).
 */

export type Member = 'primary' | 'secondary';

/** What the probe asks and how it reads the answers. Built from the group's config (`dnsResolvers`, each member's `dnsAnswers`). */
export interface DnsProbeSpec {
  name: string;
  /** The failover record's name; case and a trailing dot do not matter. */
  recordName: string;
  recordType: 'A' | 'AAAA' | 'CNAME';
  /** `ip` or `ip:port`; IPv6 as `::1` or `[::1]:5353`. */
  resolvers: string[];
  /** What each member's record answers: IPs (any IPv6 spelling), or target names for CNAME. Must not overlap. */
  members: { primary: string[]; secondary: string[] };
  /**
   * Alias targets' DNS names per member (A/AAAA alias records, e.g. a load balancer's `dualstack.…elb.amazonaws.com`):
   * resolved first, through `aliasResolvers` (empty or absent: the system's resolver); their addresses count as that
   * member's. A name that cannot be resolved leaves the round without a verdict on that member (see `aliasErrors`).
   */
  aliasTargets?: { primary: string[]; secondary: string[] };
  aliasResolvers?: string[];
  /** Per resolver; the probe's whole run is bounded by it too, since resolvers are asked in parallel. */
  timeoutMs: number;
  /** When set, the probe fails unless every resolver points to this member. */
  expectMember?: Member;
}

/** One resolver's view. `member` is `unknown` when the resolver failed (see `error`) or its answer matches neither member. */
export interface DnsResolverAnswer {
  resolver: string;
  /** Normalised: IPv6 compressed lower-case, names lower-case without trailing dot. */
  answers: string[];
  member: Member | 'mixed' | 'unknown' | 'none';
  /** Lowest TTL of the answer in seconds (A and AAAA only: node:dns does not report CNAME TTLs). */
  ttl?: number;
  /** Why `answers` is empty although the resolver responded: the name does not exist, or has no record of this type. */
  negative?: 'NXDOMAIN' | 'NODATA';
  latencyMs: number;
  /** The resolver did not give a usable response: timeout, refusal, SERVFAIL, or a resolver address that is not an IP. */
  error?: string;
}

/**
 * Where resolvers that responded send traffic: the member they all agree on; `none` when they all say the record does
 * not exist; `split` when they disagree (typically still converging after a flip) or one answers both members' values;
 * `unknown` when none responded or they agree on an answer that matches no member.
 */
export type PointsTo = Member | 'split' | 'unknown' | 'none';

export type DnsProbeResult = ProbeResult & {
  dns: DnsResolverAnswer[];
  pointsTo: PointsTo;
  /** The alias targets' addresses this round, per member (only with `aliasTargets`). */
  aliasAddresses?: { primary: string[]; secondary: string[] };
  /** Alias targets that could not be resolved: answers cannot be mapped to members with certainty this round. */
  aliasErrors?: string[];
};

export interface DnsProbeDeps {
  /** Epoch ms; used for `startedAt` and latencies. Default `Date.now`. */
  now?: () => number;
}

/** The DNS probe was handed something it cannot use. */
export class DnsProbeError extends R53FailoverError {
  override readonly name: string = 'DnsProbeError';
}

interface MemberValues {
  primary: ReadonlySet<string>;
  secondary: ReadonlySet<string>;
  /** Members whose values include an alias target's addresses: sharing one address is enough (see memberOf). */
  aliased?: { primary: boolean; secondary: boolean };
}

/**
 * Answers ⊆ one member → that member; values of both → mixed; anything else → unknown; no answers → none. For a member
 * whose values come from resolving an alias target, answers that share an address with it and none with the other
 * member are that member's too: a load balancer's name answers a rotating subset of its nodes, and our lookup of it
 * need not be the same moment as Route 53's (an alias follows its target's address changes: Route 53 Developer Guide,
 * "Choosing between alias and non-alias records").
 */
export const memberOf = (answers: readonly string[], members: MemberValues): DnsResolverAnswer['member'] => {
  if (answers.length === 0) return 'none';
  const inPrimary = answers.filter((a) => members.primary.has(a)).length;
  const inSecondary = answers.filter((a) => members.secondary.has(a)).length;
  if (inPrimary === answers.length) return 'primary';
  if (inSecondary === answers.length) return 'secondary';
  if (inPrimary > 0 && inSecondary > 0) return 'mixed';
  if (inPrimary > 0 && members.aliased?.primary) return 'primary';
  if (inSecondary > 0 && members.aliased?.secondary) return 'secondary';
  return 'unknown';
};

const askResolver = async (
  resolver: string,
  spec: DnsProbeSpec,
  name: string,
  members: MemberValues,
  now: () => number,
): Promise<DnsResolverAnswer> => {
  const started = now();
  const target = await serverFor(resolver, spec.timeoutMs);
  if ('error' in target) return { resolver, answers: [], member: 'unknown', latencyMs: now() - started, ...target };
  try {
    const { answers, ttl } = await withResolver([target.server], spec.timeoutMs, async (client) => {
      if (spec.recordType === 'CNAME') return { answers: await client.resolveCname(name), ttl: undefined };
      const records =
        spec.recordType === 'A'
          ? await client.resolve4(name, { ttl: true })
          : await client.resolve6(name, { ttl: true });
      const ttl = records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : undefined;
      return { answers: records.map((r) => r.address), ttl };
    });
    const normalised = [...new Set(answers.map(normaliseAnswer))].sort();
    const result: DnsResolverAnswer = {
      resolver,
      answers: normalised,
      member: memberOf(normalised, members),
      latencyMs: now() - started,
    };
    if (ttl !== undefined) result.ttl = ttl;
    // An A/AAAA query on a CNAME-only name comes back empty rather than ENODATA: it has no record of this type either.
    if (normalised.length === 0) result.negative = 'NODATA';
    return result;
  } catch (err) {
    const latencyMs = now() - started;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    // Negative answers are responses, not failures: the resolver says the record is not there.
    if (code === 'ENOTFOUND') return { resolver, answers: [], member: 'none', negative: 'NXDOMAIN', latencyMs };
    if (code === 'ENODATA') return { resolver, answers: [], member: 'none', negative: 'NODATA', latencyMs };
    return { resolver, answers: [], member: 'unknown', latencyMs, error: describeError(err, spec.timeoutMs) };
  }
};

/** The member every responding resolver agrees on (see `PointsTo`). */
export const pointsToOf = (dns: readonly DnsResolverAnswer[]): PointsTo => {
  const seen = new Set(dns.filter((d) => d.error === undefined).map((d) => d.member));
  const [only] = seen;
  if (only === undefined) return 'unknown';
  // One resolver handing out both members' values splits traffic just as two disagreeing resolvers do.
  return seen.size > 1 || only === 'mixed' ? 'split' : only;
};

const describeViews = (dns: readonly DnsResolverAnswer[]) =>
  dns.map((d) => `${d.resolver} → ${d.error ? 'no answer' : d.member}`).join(', ');

const answersAssertion = (d: DnsResolverAnswer, recordType: string): AssertionResult => ({
  name: `resolver ${d.resolver} answers`,
  ok: d.error === undefined && d.answers.length > 0,
  expected: `${recordType} records`,
  actual: d.error ?? (d.answers.length > 0 ? d.answers.join(', ') : (d.negative ?? 'NODATA')),
});

/** Resolves `spec.recordName` through every resolver and reports which member each one, and all together, point to. */
export const runDnsProbe = async (spec: DnsProbeSpec, deps: DnsProbeDeps = {}): Promise<DnsProbeResult> => {
  const now = deps.now ?? Date.now;
  const started = now();
  const name = normaliseName(spec.recordName);
  const primary = new Set(spec.members.primary.map(normaliseAnswer));
  const secondary = new Set(spec.members.secondary.map(normaliseAnswer));
  const shared = [...primary].filter((v) => secondary.has(v));
  // A value in both members would make every answer ambiguous: refuse the spec rather than report a guess.
  if (shared.length > 0)
    throw new DnsProbeError(`probe ${spec.name}: ${shared.join(', ')} is listed for both primary and secondary`);

  const alias = spec.aliasTargets ? await resolveAliasTargets(spec) : undefined;
  for (const a of alias?.addresses.primary ?? []) primary.add(a);
  for (const a of alias?.addresses.secondary ?? []) secondary.add(a);
  const aliased = {
    primary: (spec.aliasTargets?.primary.length ?? 0) > 0,
    secondary: (spec.aliasTargets?.secondary.length ?? 0) > 0,
  };
  const values = { primary, secondary, aliased };
  const dns = await Promise.all(spec.resolvers.map((r) => askResolver(r, spec, name, values, now)));
  const pointsTo = pointsToOf(dns);

  const assertions = dns.map((d) => answersAssertion(d, spec.recordType));
  if (spec.expectMember) {
    const ok = pointsTo === spec.expectMember;
    assertions.push({
      name: `points to ${spec.expectMember}`,
      ok,
      expected: spec.expectMember,
      actual: pointsTo === 'split' ? `split (${describeViews(dns)})` : pointsTo,
    });
  }

  const warnings: string[] = [];
  for (const d of dns) {
    if (d.member === 'mixed')
      warnings.push(`resolver ${d.resolver} answers values of both members: ${d.answers.join(', ')}`);
    const strangers = d.answers.filter((a) => !primary.has(a) && !secondary.has(a));
    if (strangers.length > 0)
      warnings.push(`resolver ${d.resolver} answers ${strangers.join(', ')}, which no member's record carries`);
  }
  if (pointsTo === 'split')
    warnings.push(
      `resolvers disagree (${describeViews(dns)}): still converging after a flip, or caching an old answer`,
    );

  for (const e of alias?.errors ?? []) warnings.push(`${e}: which member answers cannot be told for certain`);

  const failed = assertions.filter((a) => !a.ok);
  const result: DnsProbeResult = {
    probe: spec.name,
    type: 'dns',
    target: `${name} ${spec.recordType}`,
    ok: spec.resolvers.length > 0 && failed.length === 0,
    latencyMs: now() - started,
    startedAt: new Date(started).toISOString(),
    assertions,
    warnings,
    dns,
    pointsTo,
    ...(alias ? { aliasAddresses: alias.addresses } : {}),
    ...(alias?.errors.length ? { aliasErrors: alias.errors } : {}),
  };
  if (spec.resolvers.length === 0) result.error = 'no resolvers configured';
  else if (failed.length > 0)
    result.error = failed.map((a) => `${a.name}: expected ${a.expected}, got ${a.actual}`).join('; ');
  return result;
};

const SETTLED: ReadonlySet<string> = new Set<PointsTo>(['primary', 'secondary', 'none']);

/**
 * Milliseconds resolvers took to agree after the latest flip: from the first result showing a new member (a `split`, or
 * the new member itself) to the first result where every resolver agrees on it. `null` while still split, and when the
 * history holds no flip. `unknown` results (no resolver answered) neither start nor end a convergence. Entries need not be sorted.
 */
export const convergence = (history: ReadonlyArray<{ at: string; pointsTo: string }>): number | null => {
  const timeline = history
    .map((h) => {
      const t = Date.parse(h.at);
      if (Number.isNaN(t)) throw new DnsProbeError(`convergence: ${JSON.stringify(h.at)} is not an ISO timestamp`);
      return { t, pointsTo: h.pointsTo };
    })
    .sort((a, b) => a.t - b.t);

  let settledOn: string | undefined;
  let changeStartedAt: number | undefined;
  let latest: number | null = null;
  for (const { t, pointsTo } of timeline) {
    if (pointsTo === 'unknown') continue;
    if (!SETTLED.has(pointsTo)) {
      changeStartedAt ??= t;
      continue;
    }
    if (pointsTo !== settledOn) {
      // Without an earlier settled member, a split start is still the start of a flip; a bare first result is not.
      if (settledOn !== undefined || changeStartedAt !== undefined) latest = t - (changeStartedAt ?? t);
      settledOn = pointsTo;
    }
    // Settled again, on a new member or (a brief split that healed) on the old one: nothing is converging now.
    changeStartedAt = undefined;
  }
  return changeStartedAt === undefined ? latest : null;
};

/**
 * Route 53 fails back on its own once the primary's health check passes again: flag it. Pass as `previous` the last
 * settled `pointsTo` (skipping `split` and `unknown`), so a failback seen through a split still counts.
 */
export const detectFailback = (previous: PointsTo | undefined, current: PointsTo): boolean =>
  previous === 'secondary' && current === 'primary';
