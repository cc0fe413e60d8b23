import * as z from 'zod/mini';
import { ConfigError } from '../support/errors.js';
import { DEFAULT_FLAP, GROUP_EVENTS, SEVERITIES } from '../core/group-events.js';
import { UNASSIGNED_GROUP, type HealthCheckPlacement, type MemberRole } from '../core/members.js';
import { once } from '../support/once.js';
import { parseOrThrow } from '../support/zod-errors.js';
import { show } from '../support/values.js';

/** AWS commercial, GovCloud, China and ISO partitions: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`. */
export const AWS_REGION_RE = /^[a-z]{2}(-gov|-iso|-isob|-isof|-isoe)?-[a-z]+-\d{1,2}$/;

const regionError = (i: { input?: unknown }) => `expected an AWS region like us-east-1, got ${show(i.input)}`;
/** An AWS region name, with the message users see for a typo. Built on first use (shared/support/once.ts). */
export const regionSchema = /* @__PURE__ */ once(() =>
  z.string({ error: regionError }).check(z.regex(AWS_REGION_RE, { error: regionError })),
);

export const RECORD_TYPES = [
  'A',
  'AAAA',
  'CNAME',
  'TXT',
  'MX',
  'SRV',
  'NS',
  'PTR',
  'SPF',
  'CAA',
  'NAPTR',
  'DS',
  'HTTPS',
  'SVCB',
] as const;

export const GROUP_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,62})$/;

/** `audit.digestRetentionDays` when failover.yml leaves it out: a year and a month, so last year's audit can use it. */
export const DEFAULT_DIGEST_RETENTION_DAYS = 400;
/** S3 Object Lock retention periods go up to 100 years (Amazon S3 User Guide, "Locking objects with Object Lock"). */
const MAX_DIGEST_RETENTION_DAYS = 36_500;

/**
 * The full `failover.yml` schema, built on first use: hundreds of zod objects that a Lambda whose config arrives
 * sealed (shared/config/deployed.ts) never needs, so they are not built at its cold start.
 */
const buildConfigSchema = () => {
  const RegionSchema = regionSchema();
  const hcError = (i: { input?: unknown }) =>
    `expected a Route 53 health check id like 11111111-2222-3333-4444-555555555555, got ${show(i.input)}`;
  const HealthCheckIdSchema = z.pipe(
    z
      .string({ error: hcError })
      .check(
        z.regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, { error: hcError }),
      ),
    z.transform((s: string) => s.toLowerCase()),
  );

  const zoneError = (i: { input?: unknown }) =>
    `expected a hosted zone id like Z0123456789ABCDEFGHIJ, got ${show(i.input)}`;
  const HostedZoneIdSchema = z.pipe(
    z.pipe(
      z.string({ error: zoneError }),
      z.transform((s: string) => s.replace(/^\/hostedzone\//, '')),
    ),
    z.string().check(z.regex(/^Z[A-Z0-9]{1,31}$/, { error: zoneError })),
  );

  const DNS_NAME_RE = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}\.?$/;
  const dnsError = (i: { input?: unknown }) => `expected a DNS name like api.example.com., got ${show(i.input)}`;
  const RecordNameSchema = z.pipe(
    z.pipe(
      z.string({ error: dnsError }),
      z.transform((s: string) => s.toLowerCase()),
    ),
    z.pipe(
      z.string().check(z.maxLength(254, { error: dnsError }), z.regex(DNS_NAME_RE, { error: dnsError })),
      z.transform((s: string) => (s.endsWith('.') ? s : `${s}.`)),
    ),
  );

  const HttpUrlSchema = z.url({ protocol: /^https?$/, error: (i) => `expected an http(s) URL, got ${show(i.input)}` });

  /** `200`, `"2xx"`, `"200-299"` → an exact code or an inclusive range. */
  const StatusSchema = z.pipe(
    z.union([z.number(), z.string()], {
      error: (i) => `expected a status code like 200, "2xx" or "200-299", got ${show(i.input)}`,
    }),
    z.transform((v: number | string, ctx): number | [number, number] => {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) return v;
      const s = String(v).trim().toLowerCase();
      const xx = /^([1-5])xx$/.exec(s);
      if (xx) return [Number(xx[1]) * 100, Number(xx[1]) * 100 + 99];
      const range = /^(\d{3})-(\d{3})$/.exec(s);
      if (range && Number(range[1]) <= Number(range[2])) return [Number(range[1]), Number(range[2])];
      if (/^\d{3}$/.test(s)) return Number(s);
      ctx.issues.push({
        code: 'custom',
        input: v,
        message: `expected a status code like 200, "2xx" or "200-299", got ${show(v)}`,
      });
      return z.NEVER;
    }),
  );

  const timeoutMs = (def: number) =>
    z._default(
      z
        .number()
        .check(
          z.int(),
          z.gte(50, { error: 'expected at least 50 ms' }),
          z.lte(60_000, { error: 'expected at most 60000 ms' }),
        ),
      def,
    );

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

  const MemberSchema = z.strictObject({
    region: RegionSchema,
    healthCheckId: HealthCheckIdSchema,
    endpoint: z.optional(HttpUrlSchema),
    /** Synthetic probes of this member; default: GET endpoint, expect 2xx, 2 s timeout (when an endpoint is set). */
    probes: z.optional(z.array(ProbeSchema)),
    /** What this member's record answers (IPs, or the target name of a CNAME): the DNS probe maps answers to members. */
    dnsAnswers: z.optional(z.array(z.string().check(z.minLength(1)))),
  });

  const ssmError = (i: { input?: unknown }) => `expected an SSM parameter name starting with "/", got ${show(i.input)}`;
  const SsmParameterNameSchema = z
    .string({ error: ssmError })
    .check(z.regex(/^\/[A-Za-z0-9_.\-/]+$/, { error: ssmError }));
  const arnError = (what: string, example: string) => (i: { input?: unknown }) =>
    `expected ${what} like ${example}, got ${show(i.input)}`;
  const ClusterArnSchema = z.string().check(
    z.regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z][A-Za-z0-9-]{0,62}$/, {
      error: arnError('an Aurora DB cluster ARN', 'arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2'),
    }),
  );
  const InstanceArnSchema = z.string().check(
    z.regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:[A-Za-z][A-Za-z0-9-]{0,62}$/, {
      error: arnError('an RDS DB instance ARN', 'arn:aws:rds:us-west-2:123456789012:db:inventory-db-usw2'),
    }),
  );
  const FunctionArnSchema = z.string().check(
    z.regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/, {
      error: arnError('a Lambda function ARN', 'arn:aws:lambda:us-west-2:123456789012:function:promote-cache'),
    }),
  );

  const HookSchema = z.discriminatedUnion(
    'type',
    [
      z.strictObject({
        type: z.literal('aurora-global'),
        /** The global database identifier (not an ARN): `orders-global`. */
        globalClusterId: z.string().check(
          z.regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, {
            error: (i) => `expected a global cluster identifier like orders-global, got ${show(i.input)}`,
          }),
        ),
        /** The secondary region's cluster: the one that becomes the writer. */
        targetClusterArn: ClusterArnSchema,
        /** The primary region's cluster: named in the failback (switchover) command. */
        primaryClusterArn: ClusterArnSchema,
      }),
      z.strictObject({
        type: z.literal('rds-replica'),
        /** The cross-region read replica in the secondary region; PromoteReadReplica is one-way. */
        replicaInstanceArn: InstanceArnSchema,
      }),
      z.strictObject({ type: z.literal('lambda'), functionArn: FunctionArnSchema }),
      z.strictObject({
        type: z.literal('webhook'),
        /** A URL without a token (shipped to Lambda); one with a token goes in SSM: `urlSsmParameter`. */
        url: z.optional(HttpUrlSchema),
        urlSsmParameter: z.optional(SsmParameterNameSchema),
        secret: z.optional(z.string().check(z.minLength(16, { error: 'expected a secret of at least 16 characters' }))),
        secretSsmParameter: z.optional(SsmParameterNameSchema),
        allowPrivateTargets: z._default(z.boolean(), false),
      }),
    ],
    {
      error: (i) =>
        `expected a hook with type aurora-global, rds-replica, lambda or webhook, got ${show((i.input as { type?: unknown })?.type)}`,
    },
  );

  const PromotionSchema = z.strictObject({
    /** auto: act after the guardrails; approve (default): ask and wait for `r53-failover promote approve`; dry-run: record and notify only. */
    mode: z._default(
      z.enum(['auto', 'approve', 'dry-run'], {
        error: (i) => `expected auto, approve or dry-run, got ${show(i.input)}`,
      }),
      'approve',
    ),
    /** The group must stay FAILED_OVER this long before anything is promoted. */
    holdDownSeconds: z._default(z.number().check(z.int(), z.nonnegative()), 120),
    /** With probes configured, their quorum must also say the primary is down. */
    requireProbeQuorum: z._default(z.boolean(), true),
    /** An approval request expires after this long. */
    approvalTimeoutMinutes: z._default(z.number().check(z.int(), z.positive()), 30),
    /** Replica lag (seconds) above which an ungraceful promotion needs approval even in auto mode. */
    maxReplicaLagSeconds: z._default(z.number().check(z.nonnegative()), 60),
    /** Attempts of each hook call (a retryable error, or a call the run's time budget cut short) before PROMOTION_FAILED. */
    maxAttempts: z._default(
      z
        .number()
        .check(
          z.int(),
          z.gte(1, { error: (i) => `expected 1 to 20 attempts, got ${show(i.input)}` }),
          z.lte(20, { error: (i) => `expected 1 to 20 attempts, got ${show(i.input)}` }),
        ),
      5,
    ),
    hooks: z.array(HookSchema).check(z.minLength(1, { error: 'expected at least one hook' })),
  });

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
    /** Resolvers for the DNS probe of each group's record (ip or ip:port). */
    dnsResolvers: z.optional(
      z.array(
        z.string().check(
          z.regex(/^[0-9a-fA-F:.[\]]+$/, {
            error: (i) => `expected a resolver IP (optionally :port), got ${show(i.input)}`,
          }),
        ),
      ),
    ),
    /** Days probe results are kept in the ledger table (TTL). */
    retentionDays: z.optional(z.number().check(z.int(), z.positive())),
  };
  const ProbeSettingsSchema = z.strictObject(ProbeSettingsFields);

  const eventsError = (i: { input?: unknown }) => `expected one of ${GROUP_EVENTS.join(', ')}, got ${show(i.input)}`;
  const GroupEventSchema = z.enum(GROUP_EVENTS, { error: eventsError });
  const SeveritySchema = z.enum(SEVERITIES, {
    error: (i) => `expected one of ${SEVERITIES.join(', ')}, got ${show(i.input)}`,
  });
  const SeverityMapSchema = z.partialRecord(GroupEventSchema, SeveritySchema);
  const CHANNEL_RE = /^(sns|slack|pagerduty|webhook:[a-z0-9-]+)$/;
  const ChannelRefSchema = z
    .string()
    .check(
      z.regex(CHANNEL_RE, { error: (i) => `expected sns, slack, pagerduty or webhook:<name>, got ${show(i.input)}` }),
    );
  const minutes = (def: number) =>
    z._default(
      z
        .number({ error: (i) => `expected a number of minutes, got ${show(i.input)}` })
        .check(z.nonnegative({ error: 'expected 0 or more minutes' })),
      def,
    );

  const NotifySchema = z.strictObject({
    slack: z.optional(
      z.strictObject({
        webhookUrl: z.optional(HttpUrlSchema),
        webhookSsmParameter: z.optional(SsmParameterNameSchema),
        /** Permit loopback and RFC 1918/ULA addresses (a local receiver, a proxy in the VPC); metadata never. */
        allowPrivateTargets: z._default(z.boolean(), false),
      }),
    ),
    sns: z.optional(
      z.strictObject({
        /** Local runs: the topic to publish to (deployed stacks publish to their own NotificationTopic). */
        topicArn: z.optional(
          z.string().check(
            z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
              error: (i) => `expected an SNS topic ARN, got ${show(i.input)}`,
            }),
          ),
        ),
        subscriptions: z._default(
          z.array(
            z.strictObject({
              protocol: z.enum(['email', 'email-json', 'sms', 'https', 'sqs', 'lambda'], {
                error: (i) => `expected email, email-json, sms, https, sqs or lambda, got ${show(i.input)}`,
              }),
              endpoint: z.string().check(z.minLength(1, { error: 'is required (an address, number or ARN)' })),
            }),
          ),
          [],
        ),
      }),
    ),
    pagerduty: z.optional(
      z.strictObject({
        routingKey: z.optional(z.string().check(z.minLength(1))),
        routingKeySsmParameter: z.optional(SsmParameterNameSchema),
        eventsUrl: z._default(HttpUrlSchema, 'https://events.pagerduty.com/v2/enqueue'),
        allowPrivateTargets: z._default(z.boolean(), false),
      }),
    ),
    webhooks: z._default(
      z.array(
        z.strictObject({
          name: z.string().check(
            z.regex(/^[a-z0-9-]{1,40}$/, {
              error: (i) => `expected a webhook name matching [a-z0-9-]+, got ${show(i.input)}`,
            }),
          ),
          url: z.optional(HttpUrlSchema),
          urlSsmParameter: z.optional(SsmParameterNameSchema),
          secret: z.optional(
            z.string().check(z.minLength(16, { error: 'expected a secret of at least 16 characters' })),
          ),
          secretSsmParameter: z.optional(SsmParameterNameSchema),
          allowPrivateTargets: z._default(z.boolean(), false),
        }),
      ),
      [],
    ),
    /** Events notified unless a group says otherwise. */
    events: z.optional(z.array(GroupEventSchema)),
    severity: z.optional(SeverityMapSchema),
    /** While a group stays FAILED_OVER or BOTH_UNHEALTHY, remind every N minutes (0 = off). */
    reminderMinutes: minutes(30),
    /** INSUFFICIENT_DATA lasting longer than this is notified: no data is not healthy (0 = off). */
    noDataMinutes: minutes(10),
    flap: z._default(
      z.strictObject({
        transitions: z._default(
          z.number().check(z.int(), z.gte(2, { error: 'expected at least 2 transitions' })),
          DEFAULT_FLAP.transitions,
        ),
        windowMinutes: minutes(DEFAULT_FLAP.windowMinutes),
        holdMinutes: minutes(DEFAULT_FLAP.holdMinutes),
      }),
      DEFAULT_FLAP,
    ),
  });

  const GroupNotifySchema = z.strictObject({
    /** Channels for this group (default: every configured channel). */
    channels: z.optional(z.array(ChannelRefSchema)),
    events: z.optional(z.array(GroupEventSchema)),
    severity: z.optional(SeverityMapSchema),
    reminderMinutes: z.optional(z.number().check(z.nonnegative())),
  });

  const GroupSchema = z.strictObject({
    hostedZoneId: HostedZoneIdSchema,
    recordName: RecordNameSchema,
    recordType: z._default(
      z.enum(RECORD_TYPES, { error: (i) => `expected one of ${RECORD_TYPES.join(', ')}, got ${show(i.input)}` }),
      'A',
    ),
    primary: MemberSchema,
    secondary: MemberSchema,
    /** Linked from every notification about this group. */
    runbookUrl: z.optional(HttpUrlSchema),
    probeSettings: z.optional(ProbeSettingsSchema),
    promotion: z.optional(PromotionSchema),
    notify: z.optional(GroupNotifySchema),
  });

  const retentionError = (i: { input?: unknown }) =>
    `expected a whole number of days from 1 to ${MAX_DIGEST_RETENTION_DAYS}, got ${show(i.input)}`;

  const accountError = (i: { input?: unknown }) =>
    `expected a 12-digit AWS account id like 123456789012 (in quotes), got ${show(i.input)}`;
  const FailoverConfigSchema = z
    .strictObject({
      version: z.literal(1, { error: (i) => `expected 1 (the only config version), got ${show(i.input)}` }),
      /**
       * The AWS account the stack is deployed to: the CLI ignores alarms of any other account (`ingest`). The Lambda
       * uses its own account instead; absent, the CLI cannot check the account and says so.
       */
      accountId: z.optional(z.string({ error: accountError }).check(z.regex(/^\d{12}$/, { error: accountError }))),
      groups: z._default(
        z.record(
          z.string().check(
            z.regex(GROUP_NAME_RE, {
              error: (i) => `group names must match [a-z0-9-]+ (max 63), got ${show(i.input)}`,
            }),
          ),
          GroupSchema,
        ),
        {},
      ),
      notify: z.optional(NotifySchema),
      probes: z.optional(ProbeSettingsSchema),
      audit: z.optional(
        z.strictObject({
          /** How long each hourly ledger digest stays locked in the digest bucket (S3 Object Lock, compliance). */
          digestRetentionDays: z.optional(
            z
              .number({ error: retentionError })
              .check(
                z.int({ error: retentionError }),
                z.gte(1, { error: retentionError }),
                z.lte(MAX_DIGEST_RETENTION_DAYS, { error: retentionError }),
              ),
          ),
        }),
      ),
    })
    .check(
      z.superRefine((cfg, ctx) => {
        const n = cfg.notify;
        const need = (ok: boolean, path: (string | number)[], message: string) => {
          if (!ok) ctx.addIssue({ code: 'custom', path, input: undefined, message });
        };
        if (n?.slack)
          need(
            Boolean(n.slack.webhookUrl || n.slack.webhookSsmParameter),
            ['notify', 'slack'],
            'needs webhookSsmParameter (deployed) or webhookUrl (local runs)',
          );
        if (n?.pagerduty)
          need(
            Boolean(n.pagerduty.routingKey || n.pagerduty.routingKeySsmParameter),
            ['notify', 'pagerduty'],
            'needs routingKeySsmParameter (deployed) or routingKey (local runs)',
          );
        const hookNames = new Set<string>();
        const urlNeeded = 'needs url or urlSsmParameter (an SSM SecureString holding the URL, when it carries a token)';
        n?.webhooks.forEach((w, i) => {
          need(Boolean(w.url || w.urlSsmParameter), ['notify', 'webhooks', i], urlNeeded);
          need(
            Boolean(w.secret || w.secretSsmParameter),
            ['notify', 'webhooks', i],
            'needs secretSsmParameter (deployed) or secret (local runs) to sign requests',
          );
          need(!hookNames.has(w.name), ['notify', 'webhooks', i, 'name'], `webhook name "${w.name}" is used twice`);
          hookNames.add(w.name);
        });
        const configured = new Set([
          ...(n?.sns ? ['sns'] : []),
          ...(n?.slack ? ['slack'] : []),
          ...(n?.pagerduty ? ['pagerduty'] : []),
          ...[...hookNames].map((h) => `webhook:${h}`),
        ]);
        for (const [name, group] of Object.entries(cfg.groups)) {
          group.notify?.channels?.forEach((c, i) => {
            need(
              configured.has(c),
              ['groups', name, 'notify', 'channels', i],
              `channel ${c} is not configured under notify (configured: ${[...configured].join(', ') || 'none'})`,
            );
          });
        }
        for (const [name, group] of Object.entries(cfg.groups)) {
          for (const role of ['primary', 'secondary'] as const) {
            group[role].probes?.forEach((probe, i) => {
              if (probe.type === 'http')
                need(
                  Boolean(probe.url || group[role].endpoint),
                  ['groups', name, role, 'probes', i, 'url'],
                  `is required when ${role} has no endpoint`,
                );
            });
          }
        }
        for (const [name, group] of Object.entries(cfg.groups)) {
          group.promotion?.hooks.forEach((h, i) => {
            if (h.type === 'webhook') {
              need(Boolean(h.url || h.urlSsmParameter), ['groups', name, 'promotion', 'hooks', i], urlNeeded);
              need(
                Boolean(h.secret || h.secretSsmParameter),
                ['groups', name, 'promotion', 'hooks', i],
                'needs secretSsmParameter (deployed) or secret (local runs) to sign requests',
              );
            }
            if (h.type === 'aurora-global' && h.targetClusterArn === h.primaryClusterArn)
              need(
                false,
                ['groups', name, 'promotion', 'hooks', i, 'targetClusterArn'],
                'must differ from primaryClusterArn',
              );
          });
        }
        const seen = new Map<string, string>();
        for (const [name, group] of Object.entries(cfg.groups)) {
          if (name === UNASSIGNED_GROUP) {
            ctx.addIssue({
              code: 'custom',
              path: ['groups', name],
              message: `"${UNASSIGNED_GROUP}" is reserved for health checks in no group`,
            });
          }
          for (const role of ['primary', 'secondary'] as const) {
            const id = group[role].healthCheckId;
            const where = `groups.${name}.${role}`;
            const other = seen.get(id);
            if (other) {
              ctx.addIssue({
                code: 'custom',
                path: ['groups', name, role, 'healthCheckId'],
                message: `health check ${id} is already used by ${other}; each health check belongs to one group member`,
              });
            } else seen.set(id, where);
          }
        }
      }),
    );
  return FailoverConfigSchema;
};
const failoverConfigSchema = /* @__PURE__ */ once(buildConfigSchema);

export type FailoverConfig = z.infer<ReturnType<typeof buildConfigSchema>>;
export type FailoverGroup = FailoverConfig['groups'][string];
export type ProbeConfig = NonNullable<FailoverGroup['primary']['probes']>[number];
export type HttpProbeConfig = Extract<ProbeConfig, { type: 'http' }>;
export type TcpProbeConfig = Extract<ProbeConfig, { type: 'tcp' }>;
export type PromotionConfig = NonNullable<FailoverGroup['promotion']>;
export type HookConfig = PromotionConfig['hooks'][number];
export type ProbeSettings = NonNullable<FailoverConfig['probes']>;
/** Validates a parsed config object; `source` (a file name) prefixes nothing but helps the message. */
export const parseConfig = (input: unknown, source = 'failover.yml'): FailoverConfig => {
  try {
    return parseOrThrow(failoverConfigSchema(), input, ConfigError);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${source}: ${err.message}`, { cause: err.cause });
    throw err;
  }
};

/** The configuration used when no file exists: every health check is `unassigned`. */
export const EMPTY_CONFIG: FailoverConfig = { version: 1, groups: {} };

/** Index health check id → group and role, built once per container / CLI run. */
export const indexHealthChecks = (config: FailoverConfig): Map<string, HealthCheckPlacement> => {
  const index = new Map<string, HealthCheckPlacement>();
  for (const [group, g] of Object.entries(config.groups)) {
    index.set(g.primary.healthCheckId, { group, role: 'primary', region: g.primary.region });
    index.set(g.secondary.healthCheckId, { group, role: 'secondary', region: g.secondary.region });
  }
  return index;
};

/** Name of the CloudWatch alarm this project creates for a group member (stable: EventBridge filters on its prefix). */
export const alarmNameFor = (prefix: string, group: string, role: MemberRole): string =>
  `${prefix}${group}-${role}-health`;

/** Probe settings in effect for a group: group overrides, then top level, then defaults. */
export const probeSettingsFor = (config: FailoverConfig, group: string) => {
  const g = config.groups[group];
  const top = config.probes ?? {};
  const own = g?.probeSettings ?? {};
  const regions = own.regions ?? top.regions ?? [...new Set(g ? [g.primary.region, g.secondary.region] : [])];
  return {
    regions,
    required: own.quorum?.required ?? top.quorum?.required ?? Math.min(2, Math.max(1, regions.length)),
    consecutive: own.quorum?.consecutive ?? top.quorum?.consecutive ?? 3,
    intervalSeconds: own.intervalSeconds ?? top.intervalSeconds ?? 10,
    disagreementSeconds: own.disagreementSeconds ?? top.disagreementSeconds ?? 300,
    allowPrivateTargets: own.allowPrivateTargets ?? top.allowPrivateTargets ?? false,
    dnsResolvers: own.dnsResolvers ?? top.dnsResolvers ?? [],
    retentionDays: own.retentionDays ?? top.retentionDays ?? 7,
  };
};
export type EffectiveProbeSettings = ReturnType<typeof probeSettingsFor>;

/** Days each ledger digest object is locked for: `audit.digestRetentionDays`, else 400. */
export const digestRetentionDays = (config: FailoverConfig): number =>
  config.audit?.digestRetentionDays ?? DEFAULT_DIGEST_RETENTION_DAYS;

/** A member's probes with defaults filled in: an endpoint and no probes means "GET endpoint, expect 2xx, 2 s". */
export const memberProbes = (
  config: FailoverConfig,
  group: string,
  role: MemberRole,
): Array<(HttpProbeConfig & { name: string; url: string }) | (TcpProbeConfig & { name: string })> => {
  const m = config.groups[group]?.[role];
  if (!m) return [];
  const list: ProbeConfig[] =
    m.probes ??
    (m.endpoint
      ? [
          {
            type: 'http',
            method: 'GET',
            headers: {},
            expectStatus: [[200, 299]],
            timeoutMs: 2000,
            certExpiryWarningDays: 14,
            followRedirects: false,
          },
        ]
      : []);
  return list.map((p, i) =>
    p.type === 'http'
      ? { ...p, name: p.name ?? (i === 0 ? 'http' : `http-${i + 1}`), url: (p.url ?? m.endpoint) as string }
      : { ...p, name: p.name ?? `tcp-${p.port}` },
  );
};
