import { isDeepStrictEqual } from 'node:util';
import { checkUrl } from '../net/guard.js';
import { guardedRequest, type GuardedRequestOptions, type GuardedResponse } from '../net/http.js';
import { describeConnectError, ProbeTimeoutError, type ProbeDeps } from './tcp-probe.js';
import type { AssertionResult, HttpProbeSpec, ProbeResult } from './types.js';
import { clip } from '../support/text.js';

export interface HttpProbeDeps extends ProbeDeps {
  /** Trusted CA certificates (PEM) replacing Node's root store; tests pass their own CA. */
  ca?: string | string[];
}

/** Bodies are read up to here: enough for any health page, and a hostile target cannot exhaust the Lambda's memory. */
export const BODY_CAP_BYTES = 1024 * 1024;
const SNIPPET_CHARS = 512;
const DAY_MS = 86_400_000;
const DEFAULT_STATUS: Array<number | [number, number]> = [[200, 299]];

const TLS_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate issuer is unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate issuer is unknown',
  CERT_REVOKED: 'certificate has been revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not match the host name',
};

/** TLS and HTTP-parser failures first, then the connection-level classes shared with the TCP probe. */
export const describeHttpError = (err: unknown): string => {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string') {
    if (TLS_ERRORS[code]) return `TLS: ${TLS_ERRORS[code]}`;
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return `TLS: ${(err as Error).message}`;
    if (code.startsWith('HPE_')) return `invalid HTTP response (${code})`;
  }
  return describeConnectError(err);
};

const statusText = (expect: Array<number | [number, number]>) =>
  expect.map((e) => (typeof e === 'number' ? String(e) : `${e[0]}-${e[1]}`)).join(', ');

/** `$.a.b[0]['c']` → ['a', 'b', 0, 'c']; undefined when the path is outside the supported subset. */
export const parseJsonPath = (path: string): Array<string | number> | undefined => {
  if (!path.startsWith('$')) return undefined;
  const segment = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[(['"])(.*?)\3\]/y;
  const out: Array<string | number> = [];
  for (let i = 1; i < path.length; i = segment.lastIndex) {
    segment.lastIndex = i;
    const m = segment.exec(path);
    if (!m) return undefined;
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[4] ?? '')));
  }
  return out;
};

const jsonPathAssertion = (body: string, { path, equals }: { path: string; equals: unknown }): AssertionResult => {
  const expected = `${path} == ${clip(JSON.stringify(equals) ?? 'undefined', 200)}`;
  const fail = (actual: string): AssertionResult => ({ name: 'jsonPath', ok: false, expected, actual });
  const segments = parseJsonPath(path);
  if (!segments) return fail(`unsupported JSON path ${path}`);
  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch {
    // Not an error of ours: a target that should answer JSON and does not fails this assertion, and that is the finding.
    return fail('body is not JSON');
  }
  for (const seg of segments) {
    const holder = value as Record<string | number, unknown> | null;
    const present =
      typeof seg === 'number'
        ? Array.isArray(holder) && seg < holder.length
        : holder !== null && typeof holder === 'object' && !Array.isArray(holder) && Object.hasOwn(holder, seg);
    if (!present) return fail(`${path} not found`);
    value = (holder as Record<string | number, unknown>)[seg];
  }
  const actual = `${path} == ${clip(JSON.stringify(value) ?? 'undefined', 200)}`;
  return { name: 'jsonPath', ok: isDeepStrictEqual(value, equals), expected, actual };
};

const assertionsFor = (spec: HttpProbeSpec, hop: GuardedResponse, latencyMs: number): AssertionResult[] => {
  const expect = spec.expectStatus.length > 0 ? spec.expectStatus : DEFAULT_STATUS;
  const statusOk = expect.some((e) =>
    typeof e === 'number' ? hop.status === e : hop.status >= e[0] && hop.status <= e[1],
  );
  const out: AssertionResult[] = [
    { name: 'status', ok: statusOk, expected: statusText(expect), actual: String(hop.status) },
  ];
  if (spec.bodyContains !== undefined) {
    const ok = hop.body.includes(spec.bodyContains);
    out.push({
      name: 'bodyContains',
      ok,
      expected: `contains ${JSON.stringify(spec.bodyContains)}`,
      actual: ok ? 'found' : 'not found',
    });
  }
  if (spec.bodyMatches !== undefined) {
    const expected = `matches /${spec.bodyMatches}/`;
    let re: RegExp | undefined;
    try {
      re = new RegExp(spec.bodyMatches);
    } catch (err) {
      out.push({ name: 'bodyMatches', ok: false, expected, actual: `invalid regex: ${(err as Error).message}` });
    }
    if (re) {
      const m = re.exec(hop.body);
      out.push({
        name: 'bodyMatches',
        ok: m !== null,
        expected,
        actual: m ? `matched ${JSON.stringify(clip(m[0], 80))}` : 'no match',
      });
    }
  }
  if (spec.jsonPath) out.push(jsonPathAssertion(hop.body, spec.jsonPath));
  if (spec.maxLatencyMs !== undefined) {
    out.push({
      name: 'maxLatency',
      ok: latencyMs <= spec.maxLatencyMs,
      expected: `<= ${spec.maxLatencyMs} ms`,
      actual: `${latencyMs} ms`,
    });
  }
  return out;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Like fetch: credentials (and a pinned Host) the user configured for one origin never travel to another.
const ORIGIN_BOUND_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);

const withDefaults = (headers: Record<string, string>, body: string | undefined): Record<string, string> => {
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  return {
    ...(has('user-agent') ? {} : { 'user-agent': 'r53-failover-probe' }),
    ...(body !== undefined && !has('content-length') ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    ...headers,
  };
};

const tlsReport = (cert: NonNullable<GuardedResponse['cert']>, at: number): NonNullable<ProbeResult['tls']> => ({
  validTo: new Date(cert.validTo).toISOString(),
  daysLeft: Math.floor((cert.validTo - at) / DAY_MS),
  ...(cert.subject ? { subject: cert.subject } : {}),
  ...(cert.issuer ? { issuer: cert.issuer } : {}),
});

/**
 * Runs one HTTP(S) probe through the net guard and returns what it saw, every assertion listed. Never throws for target
 * problems: refusals, timeouts, resets and TLS failures come back as `ok: false` with a classified `error`.
 */
export const runHttpProbe = async (spec: HttpProbeSpec, deps: HttpProbeDeps = {}): Promise<ProbeResult> => {
  const now = deps.now ?? Date.now;
  const start = now();
  // Latency from the monotonic clock with sub-millisecond precision (wall clock only for timestamps), unless a test
  // injects its own clock.
  const t0 = deps.now ? start : performance.now();
  const elapsed = () => (deps.now ? now() - start : Math.round((performance.now() - t0) * 100) / 100);
  const warnings: string[] = [];
  let address: string | undefined;
  const base = () => ({
    probe: spec.name,
    type: 'http' as const,
    target: spec.url,
    startedAt: new Date(start).toISOString(),
    warnings,
    ...(address ? { address } : {}),
  });
  const fail = (error: string, status?: number): ProbeResult => ({
    ...base(),
    ok: false,
    latencyMs: elapsed(),
    error,
    assertions: [],
    ...(status !== undefined ? { status } : {}),
  });

  const first = checkUrl(spec.url);
  if (!first.ok) return fail(first.reason);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ProbeTimeoutError(spec.timeoutMs)), spec.timeoutMs);
  const following = (status: number) => spec.followRedirects && REDIRECTS.has(status);
  const request: GuardedRequestOptions = {
    guard: {
      allowPrivateTargets: spec.allowPrivateTargets,
      runtimeApi: deps.runtimeApi,
      resolve: deps.resolve,
      ca: deps.ca,
    },
    signal: controller.signal,
    bodyCap: BODY_CAP_BYTES,
    wantBody: (status) => !following(status),
    onAddress: (a) => (address = a),
  };
  let url = first.url;
  // The last status received: after a followed redirect, a failing next hop still shows the 3xx that led there.
  let lastStatus: number | undefined;
  let init = { method: spec.method.toUpperCase(), headers: withDefaults(spec.headers, spec.body), body: spec.body };
  try {
    for (let redirects = 0; ; redirects++) {
      const outcome = await guardedRequest(url, init, request);
      if (!outcome.ok) return fail(describeHttpError(outcome.error), lastStatus);
      const hop = outcome.res;
      lastStatus = hop.status;
      const location = hop.headers.location;
      if (following(hop.status) && location) {
        if (redirects >= spec.maxRedirects)
          return fail(`too many redirects (more than ${spec.maxRedirects})`, hop.status);
        let next: ReturnType<typeof checkUrl>;
        try {
          next = checkUrl(new URL(location, url).href);
        } catch (err) {
          next = { ok: false, reason: `invalid redirect location: ${(err as Error).message}` };
        }
        if (!next.ok) return fail(next.reason, hop.status);
        warnings.push(`followed ${hop.status} redirect to ${next.url.href}`);
        const sameOrigin = next.url.origin === url.origin;
        const keepBody = hop.status === 307 || hop.status === 308;
        const headers = Object.fromEntries(
          Object.entries(init.headers).filter(
            ([k]) =>
              (sameOrigin || !ORIGIN_BOUND_HEADERS.has(k.toLowerCase())) &&
              (keepBody || k.toLowerCase() !== 'content-length'),
          ),
        );
        init = keepBody
          ? { ...init, headers }
          : { method: init.method === 'HEAD' ? 'HEAD' : 'GET', headers, body: undefined };
        url = next.url;
        continue;
      }
      const latencyMs = elapsed();
      if (hop.truncated) warnings.push(`body truncated: read the first ${BODY_CAP_BYTES} bytes`);
      const tls = hop.cert && tlsReport(hop.cert, now());
      if (tls && spec.certExpiryWarningDays !== undefined && tls.daysLeft < spec.certExpiryWarningDays) {
        warnings.push(`TLS certificate expires in ${tls.daysLeft} days (${tls.validTo})`);
      }
      const assertions = assertionsFor(spec, hop, latencyMs);
      const ok = assertions.every((a) => a.ok);
      return {
        ...base(),
        ok,
        latencyMs,
        status: hop.status,
        assertions,
        ...(tls ? { tls } : {}),
        ...(ok ? {} : { bodySnippet: hop.body.slice(0, SNIPPET_CHARS) }),
      };
    }
  } finally {
    clearTimeout(timer);
  }
};
