import * as z from 'zod/mini';
import { show } from '../support/values.js';
import type { FieldSchemas } from './fields.js';

const LABEL = '[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?';
/** An IP literal (`ip`, `ip:port`, `[ipv6]:port`) or a host name with an optional port. */
const RESOLVER_RE = new RegExp(`^(?:[0-9a-fA-F:.[\\]]+|${LABEL}(\\.${LABEL})*\\.?(:\\d{1,5})?)$`);

/** `failover.yml` probes: a member's HTTP/TCP probes, and probe settings (top level, overridable per group). */
export const probeSchemas = ({ RegionSchema, HttpUrlSchema, StatusSchema, timeoutMs }: FieldSchemas) => {
  const HttpProbeSchema = z.strictObject({
    type: z.literal('http'),
    name: z.optional(
      z.string().check(
        z.regex(/^[a-z0-9-]{1,40}$/, {
          error: (i) => `expected a probe name matching [a-z0-9-]+, got ${show(i.input)}`,
        }),
      ),
    ),
    /** Defaults to the member's endpoint. */
    url: z.optional(HttpUrlSchema),
    method: z._default(
      z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'], {
        error: (i) => `expected GET, HEAD, POST, PUT or OPTIONS, got ${show(i.input)}`,
      }),
      'GET',
    ),
    headers: z._default(z.record(z.string(), z.string()), {}),
    body: z.optional(z.string()),
    expectStatus: z._default(z.array(StatusSchema), [[200, 299]]),
    bodyContains: z.optional(z.string()),
    bodyMatches: z.optional(
      z.string().check(
        z.refine(
          (s) => {
            try {
              new RegExp(s);
              return true;
            } catch {
              return false;
            }
          },
          { error: 'expected a valid regular expression' },
        ),
      ),
    ),
    jsonPath: z.optional(
      z.strictObject({
        path: z.string().check(
          z.regex(/^\$(\.[A-Za-z0-9_-]+|\[\d+\])*$/, {
            error: 'expected a JSON path like $.db.status or $.checks[0].ok',
          }),
        ),
        equals: z.unknown(),
      }),
    ),
    maxLatencyMs: z.optional(z.number().check(z.positive())),
    timeoutMs: timeoutMs(2000),
    certExpiryWarningDays: z._default(z.number().check(z.nonnegative()), 14),
    followRedirects: z._default(z.boolean(), false),
  });

  const TcpProbeSchema = z.strictObject({
    type: z.literal('tcp'),
    name: z.optional(
      z.string().check(
        z.regex(/^[a-z0-9-]{1,40}$/, {
          error: (i) => `expected a probe name matching [a-z0-9-]+, got ${show(i.input)}`,
        }),
      ),
    ),
    host: z.string().check(z.minLength(1)),
    port: z.number().check(z.int(), z.gte(1), z.lte(65535)),
    timeoutMs: timeoutMs(2000),
  });

  const ProbeSchema = z.discriminatedUnion('type', [HttpProbeSchema, TcpProbeSchema], {
    error: (i) => `expected a probe with type http or tcp, got ${show((i.input as { type?: unknown })?.type)}`,
  });

  const resolverError = (i: { input?: unknown }) =>
    `expected a resolver: an IP or a host name, optionally with :port (192.0.2.53, [2001:db8::53]:53, ns-2048.awsdns-64.com), got ${show(i.input)}`;
  const secondsError = (i: { input?: unknown }) =>
    `expected a whole number of seconds (1 or more), got ${show(i.input)}`;
  const resolverSchema = z.string({ error: resolverError }).check(z.regex(RESOLVER_RE, { error: resolverError }));

  /** Probe behaviour: top level, overridable per group. */
  const ProbeSettingsFields = {
    /** Regions that run probes (one regional-probe deployment each). Default: the members' regions. */
    regions: z.optional(z.array(RegionSchema)),
    /** A member is PROBE_DOWN when `required` regions see `consecutive` failures in a row (PROBE_UP symmetrically). */
    quorum: z.optional(
      z.strictObject({
        required: z.optional(z.number().check(z.int(), z.positive())),
        consecutive: z._default(z.number().check(z.int(), z.positive()), 3),
      }),
    ),
    intervalSeconds: z.optional(
      z
        .number()
        .check(
          z.int(),
          z.gte(5, { error: 'expected at least 5 seconds' }),
          z.lte(60, { error: 'expected at most 60 seconds' }),
        ),
    ),
    /** Route 53 and the probes disagreeing this long is a HEALTH_DISAGREEMENT event. */
    disagreementSeconds: z.optional(z.number().check(z.int(), z.positive())),
    /** Permit loopback and RFC 1918/ULA targets (VPC endpoints, local runs). Link-local/metadata stay refused. */
    allowPrivateTargets: z.optional(z.boolean()),
    /**
     * Name servers for the DNS probe of each group's record: in production the hosted zone's own (authoritative) name
     * servers, by name (`ns-2048.awsdns-64.com`) or address; `ip`, `ip:port`, `[ipv6]:port`, `host` or `host:port`.
     */
    dnsResolvers: z.optional(z.array(resolverSchema)),
    /** Resolvers for alias targets' names (a member's `dnsAnswers` name on an A/AAAA record); default: the system's. */
    aliasTargetResolvers: z.optional(z.array(resolverSchema)),
    /** DNS answering another member than the alarms say (`serving`) this long is a SERVING_MISMATCH event. */
    servingMismatchSeconds: z.optional(
      z.number({ error: secondsError }).check(z.int({ error: secondsError }), z.positive({ error: secondsError })),
    ),
    /** Days probe results are kept in the ledger table (TTL). */
    retentionDays: z.optional(z.number().check(z.int(), z.positive())),
  };
  const ProbeSettingsSchema = z.strictObject(ProbeSettingsFields);

  return { ProbeSchema, ProbeSettingsSchema };
};
