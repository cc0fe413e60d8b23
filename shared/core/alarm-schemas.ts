import * as z from 'zod/mini';
import { once } from '../support/once.js';
import { show } from '../support/values.js';
import { isoTimestampSchema } from './timestamps.js';

/** The three delivery forms of a CloudWatch alarm state change, as zod schemas (validated before anything is written). */

/** A CloudWatch alarm ARN: region, account and alarm name. */
export const ALARM_ARN_RE = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/;

export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmStateValue = (typeof ALARM_STATES)[number];

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
export type AlarmDetail = z.infer<ReturnType<typeof alarmDetailSchema>>;

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

export const alarmActionSchema = /* @__PURE__ */ once(() => {
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

export const snsSchemas = /* @__PURE__ */ once(() => {
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
export type SnsRecord = z.infer<ReturnType<typeof snsSchemas>['event']>['Records'][number];
