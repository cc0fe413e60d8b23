import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { R53FailoverError } from '../support/errors.js';
import type { AssertionResult, ProbeResult } from './types.js';

/**
 * Where is Route 53 sending traffic right now? Resolves a failover group's record through each configured resolver and
 * maps every answer to the member whose record carries it. Resolvers are asked in parallel, each on its own
 * `node:dns` Resolver (one try, `timeoutMs`), so one dead resolver costs the probe `timeoutMs` at most and never hides the others.
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

export type DnsProbeResult = ProbeResult & { dns: DnsResolverAnswer[]; pointsTo: PointsTo };

export interface DnsProbeDeps {
  /** Epoch ms; used for `startedAt` and latencies. Default `Date.now`. */
  now?: () => number;
}

/** The DNS probe was handed something it cannot use. */
export class DnsProbeError extends R53FailoverError {
  override readonly name: string = 'DnsProbeError';
}

const normaliseName = (name: string): string => name.trim().toLowerCase().replace(/\.+$/, '');

/** One spelling per value, so `2001:DB8:0:0::1` matches `2001:db8::1` and `Api.Example.com.` matches `api.example.com`. */
export const normaliseAnswer = (value: string): string => {
  const v = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(v) === 6) {
    // The WHATWG URL serialiser prints the canonical (RFC 5952 style) form: lower-case, longest zero run compressed.
    try {
      return new URL(`http://[${v}]/`).hostname.slice(1, -1);
    } catch {
      // A zone-scoped address (fe80::1%eth0) is valid for node:net but not in a URL: compare it lower-cased as given.
      return v.toLowerCase();
    }
  }
  if (isIP(v) === 4) return v;
  return normaliseName(v);
};

/** `ip`, `ip:port`, `[ipv6]`, `[ipv6]:port` → the form `Resolver.setServers` takes, or undefined when it is none of those. */
const serverAddress = (resolver: string): string | undefined => {
  const s = resolver.trim();
  if (isIP(s) === 4) return s;
  if (isIP(s) === 6) return `[${s}]`;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(s);
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? 53 : Number(m[3]);
  if (!host || port < 1 || port > 65_535) return undefined;
  if (m?.[1] !== undefined && isIP(host) === 6) return `[${host}]:${port}`;
  if (m?.[2] !== undefined && isIP(host) === 4) return `${host}:${port}`;
  return undefined;
};

interface MemberValues {
  primary: ReadonlySet<string>;
  secondary: ReadonlySet<string>;
}

/** Answers ⊆ one member → that member; values of both → mixed; anything else → unknown; no answers → none. */
export const memberOf = (answers: readonly string[], members: MemberValues): DnsResolverAnswer['member'] => {
  if (answers.length === 0) return 'none';
  const inPrimary = answers.filter((a) => members.primary.has(a)).length;
  const inSecondary = answers.filter((a) => members.secondary.has(a)).length;
  if (inPrimary === answers.length) return 'primary';
  if (inSecondary === answers.length) return 'secondary';
  if (inPrimary > 0 && inSecondary > 0) return 'mixed';
  return 'unknown';
};

/** Classified like the other probes' errors ('timed out after 2000 ms', 'connection refused'). */
const describeError = (err: unknown, timeoutMs: number): string => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return `timed out after ${timeoutMs} ms`;
    case 'ESERVFAIL':
      return 'resolver answered SERVFAIL';
    case 'EREFUSED':
      return 'resolver refused the query (REFUSED)';
    case 'ECONNREFUSED':
      return 'connection refused';
    default:
      return `${code ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
  }
};

const askResolver = async (
  resolver: string,
  spec: DnsProbeSpec,
  name: string,
  members: MemberValues,
  now: () => number,
): Promise<DnsResolverAnswer> => {
  const started = now();
  const server = serverAddress(resolver);
  if (!server)
    return {
      resolver,
      answers: [],
      member: 'unknown',
      latencyMs: 0,
      error: `not a resolver address (expected ip or ip:port): ${JSON.stringify(resolver)}`,
    };
  const client = new Resolver({ timeout: spec.timeoutMs, tries: 1 });
  client.setServers([server]);
  // Node checks c-ares timeouts on a periodic timer, so a query can overrun `timeout` by up to one period (seen: 400 ms
  // for 200). Cancelling at the deadline holds the probe to `timeoutMs`; the cancelled query rejects with ECANCELLED.
  const deadline = setTimeout(() => client.cancel(), spec.timeoutMs);
  try {
    let answers: string[];
    let ttl: number | undefined;
    if (spec.recordType === 'CNAME') {
      answers = await client.resolveCname(name);
    } else {
      const records =
        spec.recordType === 'A'
          ? await client.resolve4(name, { ttl: true })
          : await client.resolve6(name, { ttl: true });
      answers = records.map((r) => r.address);
      ttl = records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : undefined;
    }
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
  } finally {
    clearTimeout(deadline);
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

  const dns = await Promise.all(spec.resolvers.map((r) => askResolver(r, spec, name, { primary, secondary }, now)));
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
