import * as z from 'zod/mini';
import { UNASSIGNED_GROUP } from '../core/members.js';
import { ConfigError } from '../support/errors.js';
import { once } from '../support/once.js';
import { show } from '../support/values.js';
import { parseOrThrow } from '../support/zod-errors.js';
import { fieldSchemas, GROUP_NAME_RE, MAX_DIGEST_RETENTION_DAYS, parseElbArn, RECORD_TYPES } from './fields.js';
import { notifySchemas } from './notify-schema.js';
import { probeSchemas } from './probe-schema.js';
import { promotionSchema } from './promotion-schema.js';

const BASES = ['healthCheckId', 'targetHealth', 'healthCheck'] as const;
const BASIS_RULE = 'a member has exactly one health basis: healthCheckId, targetHealth or healthCheck: none';

/** Exactly one health basis per member, and its target groups and load balancer in the member's region. */
const checkHealthBasis = (
  m: {
    region: string;
    healthCheckId?: string | undefined;
    targetHealth?: { targetGroupArns: string[]; loadBalancerArn?: string | undefined } | undefined;
    healthCheck?: 'none' | undefined;
  },
  ctx: z.core.$RefinementCtx<unknown>,
) => {
  const present = BASES.filter((k) => m[k] !== undefined);
  if (present.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      input: undefined,
      message:
        present.length === 0
          ? `has no health basis; ${BASIS_RULE} (Route 53 treats a record with no health check as always healthy: say so with healthCheck: none)`
          : `has ${present.join(' and ')}; ${BASIS_RULE}`,
    });
  }
  const inRegion = (arn: string, path: (string | number)[], what: string) => {
    const region = parseElbArn(arn)?.region;
    if (region && region !== m.region)
      ctx.addIssue({
        code: 'custom',
        path,
        input: arn,
        message: `${what} ${arn} is in ${region}, not in the member's region ${m.region}; a member's target groups and load balancer are in its region`,
      });
  };
  for (const [i, arn] of (m.targetHealth?.targetGroupArns ?? []).entries())
    inRegion(arn, ['targetHealth', 'targetGroupArns', i], 'target group');
  if (m.targetHealth?.loadBalancerArn)
    inRegion(m.targetHealth.loadBalancerArn, ['targetHealth', 'loadBalancerArn'], 'load balancer');
};

/**
 * The full `failover.yml` schema, built on first use: hundreds of zod objects that a Lambda whose config arrives
 * sealed (shared/config/deployed.ts) never needs, so they are not built at its cold start. Its parts: fields.ts,
 * probe-schema.ts, promotion-schema.ts, notify-schema.ts; what a loaded config says per group: lookups.ts.
 */
const buildConfigSchema = () => {
  const f = fieldSchemas();
  const { HealthCheckIdSchema, HostedZoneIdSchema, RecordNameSchema, HttpUrlSchema, RegionSchema } = f;
  const { TargetGroupArnSchema, LoadBalancerArnSchema } = f;
  const { ProbeSchema, ProbeSettingsSchema } = probeSchemas(f);
  const PromotionSchema = promotionSchema(f);
  const { NotifySchema, GroupNotifySchema } = notifySchemas(f);

  const MemberSchema = z
    .strictObject({
      region: RegionSchema,
      /** Health basis (exactly one of the three): a Route 53 health check the record references. */
      healthCheckId: z.optional(HealthCheckIdSchema),
      /** Health basis: an alias to an ALB/NLB with Evaluate Target Health and no health check. */
      targetHealth: z.optional(
        z.strictObject({
          targetGroupArns: z
            .array(TargetGroupArnSchema)
            .check(z.minLength(1, { error: 'expected at least one target group ARN' })),
          loadBalancerArn: z.optional(LoadBalancerArnSchema),
        }),
      ),
      /** Health basis: no health check at all (Route 53 treats the record as always healthy). */
      healthCheck: z.optional(
        z.literal('none', {
          error: (i) => `expected none (a record with no health check and no target health), got ${show(i.input)}`,
        }),
      ),
      endpoint: z.optional(HttpUrlSchema),
      /** Synthetic probes of this member; default: GET endpoint, expect 2xx, 2 s timeout (when an endpoint is set). */
      probes: z.optional(z.array(ProbeSchema)),
      /**
       * What this member's record answers, so the DNS probe can map answers to members: IPs, or the target name of a
       * CNAME; on an A/AAAA alias record, the alias target's DNS name (resolved every round: its addresses change).
       */
      dnsAnswers: z.optional(z.array(z.string().check(z.minLength(1)))),
    })
    .check(z.superRefine(checkHealthBasis));

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
        if (n?.teams)
          need(
            Boolean(n.teams.webhookUrl || n.teams.webhookUrlSsmParameter),
            ['notify', 'teams'],
            'needs webhookUrlSsmParameter (deployed) or webhookUrl (local runs)',
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
          ...(n?.teams ? ['teams'] : []),
          ...(n?.pagerduty ? ['pagerduty'] : []),
          ...(n?.chatbot ? ['chatbot'] : []),
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
            const m = group[role];
            const where = `groups.${name}.${role}`;
            const owned: Array<[string, (string | number)[], string]> = [
              ...(m.healthCheckId
                ? [[m.healthCheckId, ['healthCheckId'], 'health check'] as [string, string[], string]]
                : []),
              ...(m.targetHealth?.targetGroupArns ?? []).map(
                (arn, i) =>
                  [arn, ['targetHealth', 'targetGroupArns', i], 'target group'] as [
                    string,
                    (string | number)[],
                    string,
                  ],
              ),
            ];
            for (const [id, path, what] of owned) {
              const other = seen.get(id);
              if (other) {
                ctx.addIssue({
                  code: 'custom',
                  path: ['groups', name, role, ...path],
                  message: `${what} ${id} is already used by ${other}; each ${what} belongs to one group member`,
                });
              } else seen.set(id, where);
            }
          }
        }
      }),
    );
  return FailoverConfigSchema;
};
/** The one `failover.yml` schema (zod), built on first use: the loader, `serverless package` and the docs checks use it. */
export const failoverConfigSchema = /* @__PURE__ */ once(buildConfigSchema);

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
