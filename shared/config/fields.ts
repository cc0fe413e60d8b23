import * as z from 'zod/mini';
import { once } from '../support/once.js';
import { show } from '../support/values.js';

/** The field schemas `failover.yml` is made of (ids, names, URLs, ARNs, durations), each with the message users see. */

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

/**
 * An Elastic Load Balancing target group ARN, `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`
 * (name: 1–32 letters, digits and hyphens; id: 16 hex digits). Captures: region, account, `targetgroup/<name>/<id>`.
 * "Elastic Load Balancing resource types" in the Service Authorization Reference (ARN formats), and "CloudWatch
 * metrics for your Application Load Balancer": the `TargetGroup` dimension is the ARN's final portion.
 */
export const TARGET_GROUP_ARN_RE =
  /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):(targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16})$/;
/** An Application or Network Load Balancer ARN; captures region, account, `app|net/<name>/<id>` (its dimension). */
export const LOAD_BALANCER_ARN_RE =
  /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer\/((?:app|net)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16})$/;

/** Region, account and CloudWatch dimension value of a target group or ALB/NLB ARN; undefined when it is neither. */
export const parseElbArn = (arn: string): { region: string; account: string; dimension: string } | undefined => {
  const m = TARGET_GROUP_ARN_RE.exec(arn) ?? LOAD_BALANCER_ARN_RE.exec(arn);
  return m ? { region: m[1] as string, account: m[2] as string, dimension: m[3] as string } : undefined;
};

export const GROUP_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,62})$/;

/** `audit.digestRetentionDays` when failover.yml leaves it out: a year and a month, so last year's audit can use it. */
export const DEFAULT_DIGEST_RETENTION_DAYS = 400;
/** S3 Object Lock retention periods go up to 100 years (Amazon S3 User Guide, "Locking objects with Object Lock"). */
export const MAX_DIGEST_RETENTION_DAYS = 36_500;

/** Builds the field schemas; called once, from the config schema's own builder (built on first use). */
export const fieldSchemas = () => {
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
  // Checked as written (before the transform), so failover.schema.json, generated from the input side, checks it too.
  const HostedZoneIdSchema = z.pipe(
    z.string({ error: zoneError }).check(z.regex(/^(\/hostedzone\/)?Z[A-Z0-9]{1,31}$/, { error: zoneError })),
    z.transform((s: string) => s.replace(/^\/hostedzone\//, '')),
  );

  // Either case as written (checked before the transform, like the hosted zone id), lower-cased after.
  const DNS_NAME_RE = /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)+[A-Za-z0-9-]{1,63}\.?$/;
  const dnsError = (i: { input?: unknown }) => `expected a DNS name like api.example.com., got ${show(i.input)}`;
  const RecordNameSchema = z.pipe(
    z
      .string({ error: dnsError })
      .check(z.maxLength(254, { error: dnsError }), z.regex(DNS_NAME_RE, { error: dnsError })),
    z.transform((s: string) => {
      const lower = s.toLowerCase();
      return lower.endsWith('.') ? lower : `${lower}.`;
    }),
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

  const ssmError = (i: { input?: unknown }) => `expected an SSM parameter name starting with "/", got ${show(i.input)}`;
  const SsmParameterNameSchema = z
    .string({ error: ssmError })
    .check(z.regex(/^\/[A-Za-z0-9_.\-/]+$/, { error: ssmError }));
  const arnError = (what: string, example: string) => (i: { input?: unknown }) =>
    `expected ${what} like ${example}, got ${show(i.input)}`;
  const targetGroupError = arnError(
    'a target group ARN',
    'arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id> (16 hex digits)',
  );
  const loadBalancerError = arnError(
    'an Application or Network Load Balancer ARN',
    'arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app|net/<name>/<id> (16 hex digits)',
  );
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

  const TargetGroupArnSchema = z
    .string({ error: targetGroupError })
    .check(z.regex(TARGET_GROUP_ARN_RE, { error: targetGroupError }));
  const LoadBalancerArnSchema = z
    .string({ error: loadBalancerError })
    .check(z.regex(LOAD_BALANCER_ARN_RE, { error: loadBalancerError }));

  const minutes = (def: number) =>
    z._default(
      z
        .number({ error: (i) => `expected a number of minutes, got ${show(i.input)}` })
        .check(z.nonnegative({ error: 'expected 0 or more minutes' })),
      def,
    );
  return {
    RegionSchema,
    HealthCheckIdSchema,
    HostedZoneIdSchema,
    RecordNameSchema,
    HttpUrlSchema,
    StatusSchema,
    timeoutMs,
    SsmParameterNameSchema,
    ClusterArnSchema,
    InstanceArnSchema,
    FunctionArnSchema,
    TargetGroupArnSchema,
    LoadBalancerArnSchema,
    minutes,
  };
};
export type FieldSchemas = ReturnType<typeof fieldSchemas>;
