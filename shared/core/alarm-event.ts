import { createHash } from 'node:crypto';
import { InvalidEventError } from '../support/errors.js';
import { parseOrThrow } from '../support/zod-errors.js';
import { isRecord, show } from '../support/values.js';
import { clip } from '../support/text.js';
import { stateTimeProblem } from './timestamps.js';
import { classifyMetrics, detailMetrics, insightsRef, type MetricRef, watched } from './alarm-metrics.js';

export { ELB_NAMESPACES } from './alarm-metrics.js';

export { isoTimestampSchema, toIsoUtc } from './timestamps.js';
export { ALARM_STATES, type AlarmStateValue } from './alarm-schemas.js';
import {
  type AlarmDetail,
  type AlarmStateValue,
  ALARM_ARN_RE,
  alarmActionSchema,
  alarmDetailSchema,
  eventBridgeSchema,
  type SnsRecord,
  snsSchemas,
} from './alarm-schemas.js';

/** The single event normaliser: EventBridge, SNS and Lambda alarm-action payloads all become `AlarmTransition`s. */

export type DeliverySource = 'eventbridge' | 'sns' | 'alarm-action';

/** CloudWatch caps `reason` at 1,023 characters; anything longer is kept bounded and flagged. */
export const MAX_REASON_CHARS = 1023;
/** EventBridge entries and SNS messages are capped at 256 KB; a larger payload cannot be a real delivery. */
export const MAX_EVENT_BYTES = 256 * 1024;

export interface AlarmTransition {
  source: DeliverySource;
  /** EventBridge `id`, SNS `MessageId`, or a synthetic id for the alarm-action payload. */
  deliveryId: string;
  alarmName: string;
  alarmArn: string;
  accountId: string;
  region: string;
  state: AlarmStateValue;
  previousState?: AlarmStateValue;
  /** ISO 8601 UTC with milliseconds; the identity of the transition together with ARN and state. */
  stateChangedAt: string;
  reason: string;
  reasonTruncated: boolean;
  /**
   * The health check the alarm watches (the first configured one when a metric-math alarm watches several); empty
   * for a target-group alarm.
   */
  healthCheckId: string;
  healthCheckIds: string[];
  /**
   * A target-group alarm's `TargetGroup` dimension (`targetgroup/<name>/<id>`) and `LoadBalancer` dimension when its
   * metric names one: an `AWS/ApplicationELB` or `AWS/NetworkELB` `HealthyHostCount` alarm (target-health members).
   */
  targetGroup?: string;
  loadBalancer?: string;
  metricMath: boolean;
}

/** What an alarm watches: its health check id, or the target group of a target-group alarm. */
export const subjectOf = (t: Pick<AlarmTransition, 'healthCheckId' | 'targetGroup'>): string =>
  t.targetGroup ?? t.healthCheckId;

export type NormalisedEvent =
  | { kind: 'transition'; transition: AlarmTransition }
  /** `rule` is set when the alarm is not one of ours (another account or region): worth a warning, not just a note. */
  | { kind: 'ignored'; reason: string; rule?: ForeignAlarm['rule'] };

/** Why an alarm is not one of ours: its account or its region (shared/core/alarm-origin.ts decides). */
export type ForeignRule = 'foreign-account' | 'foreign-region';
export interface ForeignAlarm {
  rule: ForeignRule;
  /** Names the alarm and the account or region it is in, and what was expected. */
  reason: string;
}

export interface NormaliseOptions {
  /** The moment the payload arrived: a state change more than 5 minutes after it is rejected (default: now). */
  receivedAt?: Date;
  /** Why an alarm is not one of ours (shared/core/alarm-origin.ts), or undefined; absent: every alarm is. */
  foreign?: (t: AlarmTransition) => ForeignAlarm | undefined;
}

/** Where each delivery form keeps its options and its preference among watched subjects, passed down as one. */
interface Ctx {
  prefer: (id: string) => boolean;
  opts: NormaliseOptions;
}

/** A reason as the ledger keeps it: at most MAX_REASON_CHARS, the cut visible and flagged. */
export const boundReason = (reason: string | undefined): { reason: string; reasonTruncated: boolean } => {
  const r = reason ?? '';
  return { reason: clip(r, MAX_REASON_CHARS), reasonTruncated: r.length > MAX_REASON_CHARS };
};

/** Account, region and name of a CloudWatch alarm ARN; undefined when it is not one. */
export const arnParts = (arn: string) => {
  const m = ALARM_ARN_RE.exec(arn);
  return m ? { region: m[1] as string, accountId: m[2] as string, name: m[3] as string } : undefined;
};

const fromDetail = (
  detail: AlarmDetail,
  root: string,
  base: { source: DeliverySource; deliveryId: string; alarmArn: string; accountId: string; region: string },
  ctx: Ctx,
): NormalisedEvent => {
  const hasExpression = (detail.configuration?.metrics ?? []).some((m) => m.expression !== undefined);
  const cls = classifyMetrics(
    detailMetrics(detail, root),
    hasExpression,
    Boolean(detail.configuration?.alarmRule),
    ctx.prefer,
  );
  if (!cls.ok) return { kind: 'ignored', reason: cls.reason };
  return admit(
    {
      ...base,
      alarmName: detail.alarmName,
      state: detail.state.value,
      previousState: detail.previousState?.value,
      stateChangedAt: detail.state.timestamp,
      ...boundReason(detail.state.reason),
      ...watched(cls),
    },
    `${root}.state.timestamp`,
    ctx,
  );
};

/** An EventBridge alarm event's alarm ARN: from `resources`, else built from its region, account and the name. */
export const eventAlarmArn = (env: { resources: string[]; region: string; account: string }, name: string) =>
  env.resources.find((r) => ALARM_ARN_RE.test(r)) ?? `arn:aws:cloudwatch:${env.region}:${env.account}:alarm:${name}`;

const fromEventBridge = (raw: Record<string, unknown>, ctx: Ctx): NormalisedEvent => {
  const env = parseOrThrow(eventBridgeSchema(), raw, InvalidEventError);
  if (env.source !== 'aws.cloudwatch') {
    return {
      kind: 'ignored',
      reason: `not a CloudWatch alarm event: source "${env.source}", detail-type "${env['detail-type']}"`,
    };
  }
  if (env['detail-type'] === 'CloudWatch Alarm Configuration Change') {
    const op =
      isRecord(env.detail) && typeof env.detail.operation === 'string' ? ` (operation ${env.detail.operation})` : '';
    return { kind: 'ignored', reason: `configuration-change event${op}, not a state change` };
  }
  if (env['detail-type'] !== 'CloudWatch Alarm State Change') {
    return { kind: 'ignored', reason: `detail-type "${env['detail-type']}" is not "CloudWatch Alarm State Change"` };
  }
  if (env.detail === undefined) throw new InvalidEventError('detail: is required (the alarm state change)');
  const detail = parseOrThrow(alarmDetailSchema(), env.detail, InvalidEventError, 'detail');
  const alarmArn = eventAlarmArn(env, detail.alarmName);
  const parts = arnParts(alarmArn);
  return fromDetail(
    detail,
    'detail',
    {
      source: 'eventbridge',
      deliveryId: env.id,
      alarmArn,
      accountId: env.account,
      region: parts?.region ?? env.region,
    },
    ctx,
  );
};

const fromAlarmAction = (raw: Record<string, unknown>, ctx: Ctx): NormalisedEvent => {
  const ev = parseOrThrow(alarmActionSchema(), raw, InvalidEventError);
  const parts = arnParts(ev.alarmArn);
  return fromDetail(
    ev.alarmData,
    'alarmData',
    {
      source: 'alarm-action',
      deliveryId: `alarm-action:${ev.alarmArn}:${ev.alarmData.state.timestamp}`,
      alarmArn: ev.alarmArn,
      accountId: ev.accountId ?? parts?.accountId ?? '',
      region: parts?.region ?? ev.region ?? '',
    },
    ctx,
  );
};

const fromSnsRecord = (record: SnsRecord, i: number, ctx: Ctx): NormalisedEvent => {
  const root = `Records[${i}].Sns.Message`;
  let message: unknown;
  try {
    message = JSON.parse(record.Sns.Message);
  } catch {
    throw new InvalidEventError(
      `${root}: is not JSON (expected a CloudWatch alarm notification; got ${show(record.Sns.Message.slice(0, 80))})`,
    );
  }
  if (!isRecord(message) || (!('AlarmName' in message) && !('NewStateValue' in message))) {
    return { kind: 'ignored', reason: `${root}: not a CloudWatch alarm notification (no AlarmName/NewStateValue)` };
  }
  const msg = parseOrThrow(snsSchemas().message, message, InvalidEventError, root);
  const parts = arnParts(msg.AlarmArn);
  const trig = msg.Trigger;
  const dimsOf = (dims: { name: string; value: string }[] | undefined) =>
    Object.fromEntries((dims ?? []).map((d) => [d.name, d.value]));
  const metrics: MetricRef[] = [];
  if (trig?.Metrics?.length) {
    trig.Metrics.forEach((m, j) => {
      const met = m.MetricStat?.Metric;
      const path = `${root}.Trigger.Metrics[${j}]`;
      if (met)
        metrics.push({
          namespace: met.Namespace ?? '',
          name: met.MetricName ?? '',
          dimensions: dimsOf(met.Dimensions),
          path: `${path}.MetricStat.Metric.Dimensions`,
        });
      else if (m.Expression !== undefined) {
        const q = insightsRef(m.Expression, `${path}.Expression`);
        if (q) metrics.push(q);
      }
    });
  } else if (trig?.MetricName || trig?.Namespace) {
    metrics.push({
      namespace: trig.Namespace ?? '',
      name: trig.MetricName ?? '',
      dimensions: dimsOf(trig.Dimensions),
      path: `${root}.Trigger.Dimensions`,
    });
  }
  const cls = classifyMetrics(
    metrics,
    Boolean(trig?.Metrics?.some((m) => m.Expression !== undefined)),
    Boolean(msg.AlarmRule),
    ctx.prefer,
  );
  if (!cls.ok) return { kind: 'ignored', reason: cls.reason };
  return admit(
    {
      source: 'sns',
      deliveryId: record.Sns.MessageId,
      alarmName: msg.AlarmName,
      alarmArn: msg.AlarmArn,
      // The SNS form names the region for people ("US East (N. Virginia)"); the ARN names it for machines.
      accountId: parts?.accountId ?? msg.AWSAccountId ?? '',
      region: parts?.region ?? '',
      state: msg.NewStateValue,
      previousState: msg.OldStateValue,
      stateChangedAt: msg.StateChangeTime,
      ...boundReason(msg.NewStateReason),
      ...watched(cls),
    },
    `${root}.StateChangeTime`,
    ctx,
  );
};

/**
 * An alarm's transition as it goes on: ignored when it is not one of ours (checked first: another account's alarm
 * is not ours whatever its time says), rejected naming `timePath` when its state-change time cannot be true.
 */
const admit = (t: AlarmTransition, timePath: string, { opts }: Ctx): NormalisedEvent => {
  const foreign = opts.foreign?.(t);
  if (foreign) return { kind: 'ignored', reason: foreign.reason, rule: foreign.rule };
  const problem = stateTimeProblem(t.stateChangedAt, opts.receivedAt ?? new Date());
  if (problem) throw new InvalidEventError(`${timePath}: ${problem}`);
  return { kind: 'transition', transition: t };
};

/**
 * Normalises one Lambda payload as delivered. Throws `InvalidEventError` naming the field when the payload is
 * malformed (all records are validated before anything is returned, so a bad batch writes nothing).
 * `preferHealthCheck` picks which health check (or target group) a metric-math alarm over several is attributed to;
 * `opts` says when the payload arrived and which alarms are ours.
 */
export const normaliseAlarmEvent = (
  raw: unknown,
  preferHealthCheck: (id: string) => boolean = () => false,
  opts: NormaliseOptions = {},
): NormalisedEvent[] => {
  const ctx: Ctx = { prefer: preferHealthCheck, opts };
  if (!isRecord(raw))
    throw new InvalidEventError(
      `(root): expected a JSON object (EventBridge event, SNS event or Lambda alarm-action payload), got ${Array.isArray(raw) ? 'an array' : show(raw)}`,
    );
  if ('Records' in raw) {
    const sns = parseOrThrow(snsSchemas().event, raw, InvalidEventError);
    return sns.Records.map((r, i) => fromSnsRecord(r, i, ctx));
  }
  if ('alarmData' in raw || 'alarmArn' in raw) return [fromAlarmAction(raw, ctx)];
  if ('detail-type' in raw && 'source' in raw) return [fromEventBridge(raw, ctx)];
  throw new InvalidEventError(
    '(root): not an EventBridge event, SNS event or Lambda alarm-action payload (expected "detail-type" and "source", "Records[].Sns", or "alarmArn" and "alarmData")',
  );
};

/** Rejects payloads larger than AWS can deliver before any parsing work. `size` is the UTF-8 byte length. */
export const assertDeliverableSize = (size: number): void => {
  if (size > MAX_EVENT_BYTES)
    throw new InvalidEventError(
      `(root): event is ${size} bytes; AWS delivers at most ${MAX_EVENT_BYTES} bytes (256 KB) per event`,
    );
};

/** Identity of a transition: the same alarm, new state and state timestamp, whichever path delivered it. */
export const transitionIdOf = (t: Pick<AlarmTransition, 'alarmArn' | 'state' | 'stateChangedAt'>): string =>
  createHash('sha256').update(`${t.alarmArn}|${t.state}|${t.stateChangedAt}`).digest('hex').slice(0, 32);

/** Correlation id for logs: the delivery's own id. */
export const correlationIdOf = (raw: unknown, fallback: string): string => {
  if (!isRecord(raw)) return fallback;
  if (typeof raw.id === 'string') return raw.id;
  const rec = Array.isArray(raw.Records) ? raw.Records[0] : undefined;
  if (isRecord(rec) && isRecord(rec.Sns) && typeof rec.Sns.MessageId === 'string') return rec.Sns.MessageId;
  return fallback;
};
