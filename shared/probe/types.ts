/** One check on a probe's answer, listed whether it passed or not. */
export interface AssertionResult {
  name: string;
  ok: boolean;
  expected: string;
  actual: string;
}

/** What one probe run observed. Probes never throw for target problems: they return `ok: false` with a classified `error`. */
export interface ProbeResult {
  probe: string;
  type: 'http' | 'tcp' | 'dns';
  target: string;
  ok: boolean;
  latencyMs: number;
  /** ISO 8601. */
  startedAt: string;
  status?: number;
  /** The IP the connection went to (or was attempted to): always an address the net guard checked. */
  address?: string;
  /** First 512 characters of the body, on failure only. */
  bodySnippet?: string;
  /** Classified, e.g. 'refused: link-local address 169.254.169.254 (instance metadata)', 'timed out after 2000 ms',
   * 'connection refused', 'connection reset', 'TLS: certificate has expired'. */
  error?: string;
  assertions: AssertionResult[];
  tls?: { validTo: string; daysLeft: number; subject?: string; issuer?: string };
  warnings: string[];
}

export interface HttpProbeSpec {
  name: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Exact codes or inclusive ranges; default [[200, 299]]. */
  expectStatus: Array<number | [number, number]>;
  bodyContains?: string;
  /** Regex source. */
  bodyMatches?: string;
  /** A `$.a.b[0].c` subset of JSONPath: dotted names, `[n]` indexes and `['name']`. */
  jsonPath?: { path: string; equals: unknown };
  maxLatencyMs?: number;
  /** Covers the whole run, redirects included; default 2000. */
  timeoutMs: number;
  certExpiryWarningDays?: number;
  /** Default false: a 3xx is just a status to assert on. */
  followRedirects: boolean;
  /** Default 5. */
  maxRedirects: number;
  /** Default false: only public addresses. True also permits loopback and private ranges, never metadata or link-local. */
  allowPrivateTargets: boolean;
}

export interface TcpProbeSpec {
  name: string;
  host: string;
  port: number;
  timeoutMs: number;
  allowPrivateTargets: boolean;
}
