import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import { parseOrThrow } from './zod-errors.js';

const show = (input: unknown): string => (input === undefined ? 'nothing' : JSON.stringify(input));

/** AWS commercial, GovCloud, China and ISO partitions: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`. */
export const AWS_REGION_RE = /^[a-z]{2}(-gov|-iso|-isob|-isof|-isoe)?-[a-z]+-\d{1,2}$/;

const regionError = (i: { input?: unknown }) => `expected an AWS region like us-east-1, got ${show(i.input)}`;
export const RegionSchema = z.string({ error: regionError }).check(z.regex(AWS_REGION_RE, { error: regionError }));

const hcError = (i: { input?: unknown }) => `expected a Route 53 health check id like 11111111-2222-3333-4444-555555555555, got ${show(i.input)}`;
const HealthCheckIdSchema = z.pipe(
  z.string({ error: hcError }).check(z.regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, { error: hcError })),
  z.transform((s: string) => s.toLowerCase()),
);

const zoneError = (i: { input?: unknown }) => `expected a hosted zone id like Z0123456789ABCDEFGHIJ, got ${show(i.input)}`;
const HostedZoneIdSchema = z.pipe(
  z.pipe(z.string({ error: zoneError }), z.transform((s: string) => s.replace(/^\/hostedzone\//, ''))),
  z.string().check(z.regex(/^Z[A-Z0-9]{1,31}$/, { error: zoneError })),
);

const DNS_NAME_RE = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}\.?$/;
const dnsError = (i: { input?: unknown }) => `expected a DNS name like api.example.com., got ${show(i.input)}`;
const RecordNameSchema = z.pipe(
  z.pipe(z.string({ error: dnsError }), z.transform((s: string) => s.toLowerCase())),
  z.pipe(
    z.string().check(z.maxLength(254, { error: dnsError }), z.regex(DNS_NAME_RE, { error: dnsError })),
    z.transform((s: string) => (s.endsWith('.') ? s : `${s}.`)),
  ),
);

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'NS', 'PTR', 'SPF', 'CAA', 'NAPTR', 'DS', 'HTTPS', 'SVCB'] as const;

const HttpUrlSchema = z.url({ protocol: /^https?$/, error: (i) => `expected an http(s) URL, got ${show(i.input)}` });

const MemberSchema = z.strictObject({
  region: RegionSchema,
  healthCheckId: HealthCheckIdSchema,
  endpoint: z.optional(HttpUrlSchema),
});

const GroupSchema = z.strictObject({
  hostedZoneId: HostedZoneIdSchema,
  recordName: RecordNameSchema,
  recordType: z._default(z.enum(RECORD_TYPES, { error: (i) => `expected one of ${RECORD_TYPES.join(', ')}, got ${show(i.input)}` }), 'A'),
  primary: MemberSchema,
  secondary: MemberSchema,
});

const ssmError = (i: { input?: unknown }) => `expected an SSM parameter name starting with "/", got ${show(i.input)}`;
const SsmParameterNameSchema = z.string({ error: ssmError }).check(z.regex(/^\/[A-Za-z0-9_.\-/]+$/, { error: ssmError }));

const NotifySchema = z.strictObject({
  slack: z.optional(
    z.strictObject({
      webhookUrl: z.optional(HttpUrlSchema),
      webhookSsmParameter: z.optional(SsmParameterNameSchema),
    }),
  ),
});

export const GROUP_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,62})$/;
/** The group every health check that no group names is recorded under. */
export const UNASSIGNED_GROUP = 'unassigned';

export const FailoverConfigSchema = z
  .strictObject({
    version: z.literal(1, { error: (i) => `expected 1 (the only config version), got ${show(i.input)}` }),
    groups: z._default(
      z.record(
        z.string().check(z.regex(GROUP_NAME_RE, { error: (i) => `group names must match [a-z0-9-]+ (max 63), got ${show(i.input)}` })),
        GroupSchema,
      ),
      {},
    ),
    notify: z.optional(NotifySchema),
  })
  .check(z.superRefine((cfg, ctx) => {
    const seen = new Map<string, string>();
    for (const [name, group] of Object.entries(cfg.groups)) {
      if (name === UNASSIGNED_GROUP) {
        ctx.addIssue({ code: 'custom', path: ['groups', name], message: `"${UNASSIGNED_GROUP}" is reserved for health checks in no group` });
      }
      for (const role of ['primary', 'secondary'] as const) {
        const id = group[role].healthCheckId;
        const where = `groups.${name}.${role}`;
        const other = seen.get(id);
        if (other) {
          ctx.addIssue({ code: 'custom', path: ['groups', name, role, 'healthCheckId'], message: `health check ${id} is already used by ${other}; each health check belongs to one group member` });
        } else seen.set(id, where);
      }
    }
  }));

export type FailoverConfig = z.infer<typeof FailoverConfigSchema>;
export type FailoverGroup = FailoverConfig['groups'][string];
export type MemberRole = 'primary' | 'secondary';
export type Role = MemberRole | 'unknown';

/** Where a health check sits in the configuration. */
export interface HealthCheckPlacement {
  group: string;
  role: Role;
  region?: string;
}

/** Validates a parsed config object; `source` (a file name) prefixes nothing but helps the message. */
export const parseConfig = (input: unknown, source = 'failover.yml'): FailoverConfig => {
  try {
    return parseOrThrow(FailoverConfigSchema, input, ConfigError);
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
export const alarmNameFor = (prefix: string, group: string, role: MemberRole): string => `${prefix}${group}-${role}-health`;
