import * as z from 'zod/mini';
import { ConfigError } from '../support/errors.js';
import { parseOrThrow } from '../support/zod-errors.js';
import { isAwsOwnedName } from './alias-zones.js';
import {
  normalizeName,
  stripZonePrefix,
  type CheckInput,
  type Finding,
  type RecordSet,
  type RoutingPolicy,
} from './findings.js';
import { show } from '../support/values.js';

/** The change batch file is not what `aws route53 change-resource-record-sets` accepts (exit 2, like a bad config). */
export class InvalidChangeBatchError extends ConfigError {
  override readonly name: string = 'InvalidChangeBatchError';
}

/**
 * A ResourceRecordSet as ChangeResourceRecordSets spells it (live.ts maps ListResourceRecordSets onto the same type).
 * Strict: the AWS CLI rejects unknown keys, so a typo such as `HealthCheckID` is reported here, not silently ignored.
 */
export const ResourceRecordSetSchema = z.strictObject({
  Name: z.string().check(z.minLength(1)),
  Type: z.string().check(z.minLength(1)),
  SetIdentifier: z.optional(z.string()),
  Weight: z.optional(z.number()),
  Region: z.optional(z.string()),
  GeoLocation: z.optional(z.unknown()),
  Failover: z.optional(
    z.enum(['PRIMARY', 'SECONDARY'], { error: (i) => `expected PRIMARY or SECONDARY, got ${show(i.input)}` }),
  ),
  MultiValueAnswer: z.optional(z.boolean()),
  TTL: z.optional(z.number().check(z.int(), z.nonnegative())),
  ResourceRecords: z.optional(z.array(z.strictObject({ Value: z.string() }))),
  AliasTarget: z.optional(
    z.strictObject({ HostedZoneId: z.string(), DNSName: z.string(), EvaluateTargetHealth: z.boolean() }),
  ),
  HealthCheckId: z.optional(z.string()),
  TrafficPolicyInstanceId: z.optional(z.string()),
  CidrRoutingConfig: z.optional(z.unknown()),
  GeoProximityLocation: z.optional(z.unknown()),
});
export type ResourceRecordSetJson = z.infer<typeof ResourceRecordSetSchema>;

const ChangeBatchSchema = z.strictObject({
  Comment: z.optional(z.string()),
  Changes: z
    .array(
      z.strictObject({
        Action: z.enum(['CREATE', 'UPSERT', 'DELETE'], {
          error: (i) => `expected CREATE, UPSERT or DELETE, got ${show(i.input)}`,
        }),
        ResourceRecordSet: ResourceRecordSetSchema,
      }),
    )
    .check(z.minLength(1, { error: 'expected at least one change' })),
});
/** `--cli-input-json` form: `{ "HostedZoneId": "Z…", "ChangeBatch": { … } }`. */
const CliInputSchema = z.strictObject({ HostedZoneId: z.optional(z.string()), ChangeBatch: ChangeBatchSchema });

export interface ParsedChangeBatch {
  hostedZoneId?: string;
  changes: Array<{ action: 'CREATE' | 'UPSERT' | 'DELETE'; set: ResourceRecordSetJson }>;
}

/** Parses the JSON text of a change batch (plain, or the `--cli-input-json` form); errors name the file and field. */
export const parseChangeBatch = (text: string, source: string): ParsedChangeBatch => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidChangeBatchError(`${source}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const wrapped = typeof json === 'object' && json !== null && 'ChangeBatch' in json;
  try {
    const batch = wrapped
      ? parseOrThrow(CliInputSchema, json, InvalidChangeBatchError)
      : { ChangeBatch: parseOrThrow(ChangeBatchSchema, json, InvalidChangeBatchError) };
    return {
      ...('HostedZoneId' in batch && batch.HostedZoneId ? { hostedZoneId: stripZonePrefix(batch.HostedZoneId) } : {}),
      changes: batch.ChangeBatch.Changes.map((c) => ({ action: c.Action, set: c.ResourceRecordSet })),
    };
  } catch (err) {
    if (err instanceof InvalidChangeBatchError)
      throw new InvalidChangeBatchError(`${source}: ${err.message}`, { cause: err.cause });
    throw err;
  }
};

/** The routing policy a record set's fields select ("Choosing a routing policy", Route 53 Developer Guide). */
const routingPolicyOf = (s: ResourceRecordSetJson): RoutingPolicy => {
  if (s.Failover) return 'failover';
  if (s.Weight !== undefined) return 'weighted';
  if (s.Region !== undefined) return 'latency';
  if (s.GeoLocation !== undefined) return 'geolocation';
  if (s.GeoProximityLocation !== undefined) return 'geoproximity';
  if (s.MultiValueAnswer !== undefined) return 'multivalue';
  if (s.CidrRoutingConfig !== undefined) return 'ip-based';
  return 'simple';
};

/** One record set as the rules see it; shared with live.ts, which reads the same shape from ListResourceRecordSets. */
export const toRecordSet = (
  s: ResourceRecordSetJson,
  source: string,
  zone: { name?: string; id?: string },
): RecordSet => ({
  name: normalizeName(s.Name),
  type: s.Type.toUpperCase(),
  ...(s.SetIdentifier !== undefined ? { setIdentifier: s.SetIdentifier } : {}),
  routingPolicy: routingPolicyOf(s),
  ...(s.Failover ? { failover: s.Failover } : {}),
  ...(s.TTL !== undefined ? { ttl: s.TTL } : {}),
  ...(s.ResourceRecords ? { resourceRecords: s.ResourceRecords.map((r) => r.Value) } : {}),
  ...(s.AliasTarget
    ? {
        alias: {
          hostedZoneId: stripZonePrefix(s.AliasTarget.HostedZoneId),
          dnsName: normalizeName(s.AliasTarget.DNSName),
          evaluateTargetHealth: s.AliasTarget.EvaluateTargetHealth,
        },
      }
    : {}),
  ...(s.HealthCheckId ? { healthCheckId: s.HealthCheckId.toLowerCase() } : {}),
  source,
  targetsKnown: true,
  ...(zone.name ? { zoneName: zone.name } : {}),
  ...(zone.id ? { zoneId: zone.id } : {}),
});

/**
 * The zone the names most likely belong to: the longest common suffix of the names that are not under an AWS-owned
 * domain (those can never be in your zone). One distinct name is taken to be a record in its parent domain.
 * Undefined when that leaves fewer than two labels (`com.` is nobody's hosted zone).
 */
export const inferZoneName = (names: string[]): string | undefined => {
  const own = [...new Set(names.filter((n) => !isAwsOwnedName(n)))];
  if (own.length === 0) return undefined;
  const split = own.map((n) => n.replace(/\.$/, '').split('.').reverse());
  const common: string[] = [];
  for (let i = 0; split.every((labels) => labels[i] !== undefined && labels[i] === split[0]?.[i]); i++)
    common.push(split[0]?.[i] as string);
  const labels = own.length === 1 && common.length > 2 ? common.slice(0, -1) : common;
  return labels.length >= 2 ? `${[...labels].reverse().join('.')}.` : undefined;
};

export interface ChangeBatchOptions {
  zoneName?: string;
  hostedZoneId?: string;
}

/** The change batch as a CheckInput: DELETEs dropped (they remove records), the zone given or inferred and said so. */
export const changeBatchInput = (batch: ParsedChangeBatch, opts: ChangeBatchOptions): CheckInput => {
  const kept = batch.changes.map((c, i) => ({ ...c, i })).filter((c) => c.action !== 'DELETE');
  const zoneId = opts.hostedZoneId ? stripZonePrefix(opts.hostedZoneId) : batch.hostedZoneId;
  const notes: Finding[] = [];
  let zoneName = opts.zoneName ? normalizeName(opts.zoneName) : undefined;
  if (!zoneName) {
    zoneName = inferZoneName(kept.map((c) => normalizeName(c.set.Name)));
    notes.push(
      zoneName
        ? {
            severity: 'info',
            rule: 'zone-inferred',
            record: '(zone)',
            message: `no --zone-name: assuming the hosted zone is ${zoneName} (the names' common suffix)`,
            why: 'Records outside the zone and aliases to names in it are judged against this name.',
            fix: `Pass --zone-name ${zoneName} (or the real zone name) to make it explicit.`,
          }
        : {
            severity: 'info',
            rule: 'zone-inferred',
            record: '(zone)',
            message: 'no --zone-name, and the record names share no domain: records are not checked against a zone',
            why: 'Without the zone name a record outside it is only caught when it is under an AWS-owned domain.',
            fix: 'Pass --zone-name example.com. (the hosted zone the batch is for).',
          },
    );
  }
  const zone = { ...(zoneName ? { name: zoneName } : {}), ...(zoneId ? { id: zoneId } : {}) };
  return {
    mode: 'change-batch',
    records: kept.map((c) => toRecordSet(c.set, `Changes[${c.i}]`, zone)),
    zoneComplete: false,
    notes,
  };
};
