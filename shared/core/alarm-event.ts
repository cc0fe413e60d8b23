import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { InvalidEventError } from '../support/errors.js';
import { once } from '../support/once.js';
import { parseOrThrow } from '../support/zod-errors.js';
import { isRecord, show } from '../support/values.js';
import { clip } from '../support/text.js';

/** The single event normaliser: EventBridge, SNS and Lambda alarm-action payloads all become `AlarmTransition`s. */

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATES)[number];
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
  /** The health check the alarm watches (the first configured one when a metric-math alarm watches several). */
  healthCheckId: string;
  healthCheckIds: string[];
  metricMath: boolean;
}

export type NormalisedEvent = { kind: 'transition'; transition: AlarmTransition } | { kind: 'ignored'; reason: string };

export const ALARM_ARN_RE = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/;

/** `2025-06-12T14:03:27.412+0000` and friends → `2025-06-12T14:03:27.412Z`. */
export const toIsoUtc = (s: string): string | undefined => {
  // Date.parse accepts `+0000`; normalise the offset first so engines that want `+00:00` agree.
  const fixed = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(fixed);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

/** A timestamp AWS writes (`+0000` offsets included) → ISO 8601 UTC; the message shows `example` of the expected form. */
export const isoTimestampSchema = (example: string) =>
  z.pipe(
    z.string({ error: (i) => `expected an ISO 8601 timestamp, got ${show(i.input)}` }),
    z.transform((s: string, ctx) => {
      const iso = toIsoUtc(s);
      if (iso) return iso;
      ctx.issues.push({
        code: 'custom',
        input: s,
        message: `expected an ISO 8601 timestamp like ${example}, got ${show(s)}`,
      });
      return z.NEVER;
    }),
  );

/**
 * The schemas of each delivery form, built the first time that form arrives. EventBridge and SNS carry every
 * transition at once, so a burst usually starts one container per form: each builds only its own form's schemas
 * (tens of zod objects apiece), and none builds the alarm-action form unless alarms invoke the function directly.
 */
const common = /* @__PURE__ */ once(() => {
  const state = z.enum(ALARM_STATES, {
    error: (i) => `expected one of OK, ALARM, INSUFFICIENT_DATA, got ${show(i.input)}`,
  });
  const timestamp = isoTimestampSchema('2025-06-12T14:03:27.412+0000');
  const arnError = (i: { input?: unknown }) => `expected a CloudWatch alarm ARN, got ${show(i.input)}`;
  // zod schemas are immutable, so one plain string schema (and one optional one) serves every field that needs it.
  const str = z.string();
  return {
    state,
    timestamp,
    alarmArn: z.string({ error: arnError }).check(z.regex(ALARM_ARN_RE, { error: arnError })),
    str,
    optStr: z.optional(str),
    nonEmpty: (error: string) => z.string({ error }).check(z.minLength(1, { error })),
  };
});

/** `detail` of an EventBridge alarm event and `alarmData` of the alarm-action payload: the same shape. */
export const alarmDetailSchema = /* @__PURE__ */ once(() => {
  const { state, timestamp, str, optStr, nonEmpty } = common();
  const reasonData = z.string({ error: (i) => `expected a JSON string, got ${show(i.input)}` }).check(
    z.superRefine((s, ctx) => {
      try {
        JSON.parse(s);
      } catch {
        ctx.addIssue({ code: 'custom', input: s, message: 'is present but is not valid JSON' });
      }
    }),
  );
  const alarmState = z.looseObject({ value: state, reason: optStr, reasonData: z.optional(reasonData), timestamp });
  const metric = z.looseObject({ namespace: str, name: str, dimensions: z.optional(z.record(str, str)) });
  const metricEntry = z.looseObject({
    id: optStr,
    expression: optStr,
    metricStat: z.optional(z.looseObject({ metric, period: z.optional(z.number()), stat: optStr })),
  });
  return z.looseObject({
    alarmName: nonEmpty('is required (the alarm name)'),
    state: alarmState,
    previousState: z.optional(alarmState),
    configuration: z.optional(
      z.looseObject({ description: optStr, metrics: z.optional(z.array(metricEntry)), alarmRule: optStr }),
    ),
  });
});
type AlarmDetail = z.infer<ReturnType<typeof alarmDetailSchema>>;

export const eventBridgeSchema = /* @__PURE__ */ once(() => {
  const { str, nonEmpty } = common();
  return z.looseObject({
    id: nonEmpty('is required (the EventBridge event id)'),
    'detail-type': str,
    source: str,
    account: z
      .string()
      .check(z.regex(/^\d{12}$/, { error: (i) => `expected a 12-digit account id, got ${show(i.input)}` })),
    time: str,
    region: str,
    resources: z._default(z.array(str), []),
    // Optional here so a missing detail gets its own message below (ignored detail-types may omit it).
    detail: z.optional(z.unknown()),
  });
});

const alarmActionSchema = /* @__PURE__ */ once(() => {
  const { alarmArn, optStr } = common();
  return z.looseObject({
    source: z.literal('aws.cloudwatch', { error: (i) => `expected "aws.cloudwatch", got ${show(i.input)}` }),
    alarmArn,
    accountId: optStr,
    time: optStr,
    region: optStr,
    alarmData: alarmDetailSchema(),
  });
});

const snsSchemas = /* @__PURE__ */ once(() => {
  const { state, timestamp, alarmArn, str, optStr, nonEmpty } = common();
  const dimension = z.pipe(
    z.looseObject({ name: optStr, value: optStr, Name: optStr, Value: optStr }),
    z.transform((d: { name?: string; value?: string; Name?: string; Value?: string }) => ({
      name: d.name ?? d.Name ?? '',
      value: d.value ?? d.Value ?? '',
    })),
  );
  const dimensions = z.optional(z.array(dimension));
  const metric = z.looseObject({ MetricName: optStr, Namespace: optStr, Dimensions: dimensions });
  const message = z.looseObject({
    AlarmName: nonEmpty('is required (the alarm name)'),
    AlarmArn: alarmArn,
    AWSAccountId: optStr,
    NewStateValue: state,
    OldStateValue: z.optional(state),
    NewStateReason: optStr,
    StateChangeTime: timestamp,
    Region: optStr,
    AlarmRule: optStr,
    Trigger: z.optional(
      z.looseObject({
        MetricName: optStr,
        Namespace: optStr,
        Dimensions: dimensions,
        Metrics: z.optional(
          z.array(
            z.looseObject({
              Id: optStr,
              Expression: optStr,
              MetricStat: z.optional(z.looseObject({ Metric: metric })),
            }),
          ),
        ),
      }),
    ),
  });
  const record = z.looseObject({
    EventSource: optStr,
    Sns: z.looseObject({
      MessageId: nonEmpty('is required (the SNS message id)'),
      TopicArn: optStr,
      Subject: z.optional(z.nullable(str)),
      Message: z.string({ error: (i) => `expected the alarm notification as a JSON string, got ${show(i.input)}` }),
      Timestamp: optStr,
    }),
  });
  return {
    message,
    event: z.looseObject({
      Records: z.array(record).check(z.minLength(1, { error: 'expected at least one SNS record' })),
    }),
  };
});
type SnsRecord = z.infer<ReturnType<typeof snsSchemas>['event']>['Records'][number];

/** A metric reference in either delivery form, reduced to what classification needs. */
interface MetricRef {
  namespace: string;
  name: string;
  healthCheckId?: string;
  /** Where the HealthCheckId dimension lives, for the error message when it is missing. */
  path: string;
}

const ROUTE53_NS = 'AWS/Route53';
const HEALTH_METRIC = 'HealthCheckStatus';

/** A reason as the ledger keeps it: at most MAX_REASON_CHARS, the cut visible and flagged. */
export const boundReason = (reason: string | undefined): { reason: string; reasonTruncated: boolean } => {
  const r = reason ?? '';
  return { reason: clip(r, MAX_REASON_CHARS), reasonTruncated: r.length > MAX_REASON_CHARS };
};

/** Picks the Route 53 health-check metrics out of a single-metric or metric-math alarm. */
const classifyMetrics = (
  metrics: MetricRef[],
  /** The alarm evaluates a math expression (an `expression` entry next to its metrics). */
  hasExpression: boolean,
  composite: boolean,
  preferHealthCheck: (id: string) => boolean,
):
  | { ok: true; healthCheckIds: string[]; healthCheckId: string; metricMath: boolean }
  | { ok: false; reason: string } => {
  if (metrics.length === 0) {
    return {
      ok: false,
      reason: composite
        ? 'composite alarm: no AWS/Route53 HealthCheckStatus metric (its child alarms arrive as their own events)'
        : 'alarm has no metric: not an AWS/Route53 HealthCheckStatus alarm',
    };
  }
  const health = metrics.filter((m) => m.namespace === ROUTE53_NS && m.name === HEALTH_METRIC);
  if (health.length === 0) {
    const seen = [...new Set(metrics.map((m) => `${m.namespace} ${m.name}`))].join(', ');
    return { ok: false, reason: `other namespace/metric: ${seen}, not ${ROUTE53_NS} ${HEALTH_METRIC}` };
  }
  const missing = health.find((m) => !m.healthCheckId);
  if (missing)
    throw new InvalidEventError(
      `${missing.path}: is required (the Route 53 health check id of an ${ROUTE53_NS} ${HEALTH_METRIC} metric)`,
    );
  const ids = [...new Set(health.map((m) => (m.healthCheckId as string).toLowerCase()))];
  const preferred = ids.find(preferHealthCheck) ?? (ids[0] as string);
  return { ok: true, healthCheckIds: ids, healthCheckId: preferred, metricMath: hasExpression || metrics.length > 1 };
};

const detailMetrics = (detail: AlarmDetail, root: string): MetricRef[] =>
  (detail.configuration?.metrics ?? []).flatMap((m, i) =>
    m.metricStat
      ? [
          {
            namespace: m.metricStat.metric.namespace,
            name: m.metricStat.metric.name,
            healthCheckId: m.metricStat.metric.dimensions?.HealthCheckId,
            path: `${root}.configuration.metrics[${i}].metricStat.metric.dimensions.HealthCheckId`,
          },
        ]
      : [],
  );

export const arnParts = (arn: string) => {
  const m = ALARM_ARN_RE.exec(arn);
  return m ? { region: m[1] as string, accountId: m[2] as string, name: m[3] as string } : undefined;
};

const fromDetail = (
  detail: AlarmDetail,
  root: string,
  base: { source: DeliverySource; deliveryId: string; alarmArn: string; accountId: string; region: string },
  prefer: (id: string) => boolean,
): NormalisedEvent => {
  const hasExpression = (detail.configuration?.metrics ?? []).some((m) => m.expression !== undefined);
  const cls = classifyMetrics(
    detailMetrics(detail, root),
    hasExpression,
    Boolean(detail.configuration?.alarmRule),
    prefer,
  );
  if (!cls.ok) return { kind: 'ignored', reason: cls.reason };
  return {
    kind: 'transition',
    transition: {
      ...base,
      alarmName: detail.alarmName,
      state: detail.state.value,
      previousState: detail.previousState?.value,
      stateChangedAt: detail.state.timestamp,
      ...boundReason(detail.state.reason),
      healthCheckId: cls.healthCheckId,
      healthCheckIds: cls.healthCheckIds,
      metricMath: cls.metricMath,
    },
  };
};

/** An EventBridge alarm event's alarm ARN: from `resources`, else built from its region, account and the name. */
export const eventAlarmArn = (env: { resources: string[]; region: string; account: string }, name: string) =>
  env.resources.find((r) => ALARM_ARN_RE.test(r)) ?? `arn:aws:cloudwatch:${env.region}:${env.account}:alarm:${name}`;

const fromEventBridge = (raw: Record<string, unknown>, prefer: (id: string) => boolean): NormalisedEvent => {
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
    prefer,
  );
};

const fromAlarmAction = (raw: Record<string, unknown>, prefer: (id: string) => boolean): NormalisedEvent => {
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
    prefer,
  );
};

const fromSnsRecord = (record: SnsRecord, i: number, prefer: (id: string) => boolean): NormalisedEvent => {
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
  const hcOf = (dims: { name: string; value: string }[] | undefined) =>
    dims?.find((d) => d.name === 'HealthCheckId')?.value;
  const metrics: MetricRef[] = [];
  if (trig?.Metrics?.length) {
    trig.Metrics.forEach((m, j) => {
      const met = m.MetricStat?.Metric;
      if (met)
        metrics.push({
          namespace: met.Namespace ?? '',
          name: met.MetricName ?? '',
          healthCheckId: hcOf(met.Dimensions),
          path: `${root}.Trigger.Metrics[${j}].MetricStat.Metric.Dimensions.HealthCheckId`,
        });
    });
  } else if (trig?.MetricName || trig?.Namespace) {
    metrics.push({
      namespace: trig.Namespace ?? '',
      name: trig.MetricName ?? '',
      healthCheckId: hcOf(trig.Dimensions),
      path: `${root}.Trigger.Dimensions.HealthCheckId`,
    });
  }
  const cls = classifyMetrics(
    metrics,
    Boolean(trig?.Metrics?.some((m) => m.Expression !== undefined)),
    Boolean(msg.AlarmRule),
    prefer,
  );
  if (!cls.ok) return { kind: 'ignored', reason: cls.reason };
  return {
    kind: 'transition',
    transition: {
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
      healthCheckId: cls.healthCheckId,
      healthCheckIds: cls.healthCheckIds,
      metricMath: cls.metricMath,
    },
  };
};

/**
 * Normalises one Lambda payload as delivered. Throws `InvalidEventError` naming the field when the payload is
 * malformed (all records are validated before anything is returned, so a bad batch writes nothing).
 * `preferHealthCheck` picks which health check a metric-math alarm over several is attributed to.
 */
export const normaliseAlarmEvent = (
  raw: unknown,
  preferHealthCheck: (id: string) => boolean = () => false,
): NormalisedEvent[] => {
  if (!isRecord(raw))
    throw new InvalidEventError(
      `(root): expected a JSON object (EventBridge event, SNS event or Lambda alarm-action payload), got ${Array.isArray(raw) ? 'an array' : show(raw)}`,
    );
  if ('Records' in raw) {
    const sns = parseOrThrow(snsSchemas().event, raw, InvalidEventError);
    return sns.Records.map((r, i) => fromSnsRecord(r, i, preferHealthCheck));
  }
  if ('alarmData' in raw || 'alarmArn' in raw) return [fromAlarmAction(raw, preferHealthCheck)];
  if ('detail-type' in raw && 'source' in raw) return [fromEventBridge(raw, preferHealthCheck)];
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
