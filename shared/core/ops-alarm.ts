import { InvalidEventError } from '../support/errors.js';
import { parseOrThrow } from '../support/zod-errors.js';
import { type AlarmStateValue, arnParts, boundReason, eventAlarmArn } from './alarm-event.js';
import { alarmDetailSchema, eventBridgeSchema } from './alarm-schemas.js';

/**
 * The stack's own alarms ("ops alarms": DLQ depth, function errors and throttles, stream iterator age, probe-region
 * heartbeats; serverless/plugin/monitoring.cjs) reach `notify` as CloudWatch alarm state changes through their own
 * EventBridge rule. Their names start with `<service>-<stage>_ops-`: the `_` cannot occur in a health check alarm's
 * name (stage and group names allow only letters, digits and `-`), so neither rule ever sees the other's alarms.
 */

/** The notification group of ops alarms: not a valid group name, so it never collides with one from failover.yml. */
export const OPS_GROUP = '(stack)';

/** Between the stage and the alarm's own name in every ops alarm name. */
export const OPS_MARKER = '_ops-';

/** One state change of an ops alarm, as `notify` needs it. */
export interface OpsAlarmChange {
  /** EventBridge `id`, the correlation id. */
  deliveryId: string;
  alarmName: string;
  alarmArn: string;
  region: string;
  accountId: string;
  state: AlarmStateValue;
  previousState?: AlarmStateValue;
  /** ISO 8601 UTC; with the ARN and the state, the identity of the change. */
  stateChangedAt: string;
  reason: string;
  /** The alarm's description: what it watches and where to look (written by monitoring.cjs). */
  description: string;
}

/** A CloudWatch alarm state change (EventBridge form), whichever alarm; the field at fault is named when it is bad. */
export const parseOpsAlarmChange = (raw: unknown): OpsAlarmChange => {
  const env = parseOrThrow(eventBridgeSchema(), raw, InvalidEventError);
  if (env.source !== 'aws.cloudwatch' || env['detail-type'] !== 'CloudWatch Alarm State Change')
    throw new InvalidEventError(
      `source/detail-type: expected aws.cloudwatch "CloudWatch Alarm State Change", got ${env.source} "${env['detail-type']}"`,
    );
  if (env.detail === undefined) throw new InvalidEventError('detail: is required (the alarm state change)');
  const detail = parseOrThrow(alarmDetailSchema(), env.detail, InvalidEventError, 'detail');
  const alarmArn = eventAlarmArn(env, detail.alarmName);
  return {
    deliveryId: env.id,
    alarmName: detail.alarmName,
    alarmArn,
    region: arnParts(alarmArn)?.region ?? env.region,
    accountId: env.account,
    state: detail.state.value,
    ...(detail.previousState ? { previousState: detail.previousState.value } : {}),
    stateChangedAt: detail.state.timestamp,
    reason: boundReason(detail.state.reason).reason,
    description: detail.configuration?.description ?? '',
  };
};

/** The alarm's own part of its name (`notify-errors` in `r53-failover-prod_ops-notify-errors`). */
export const opsAlarmShortName = (alarmName: string): string => {
  const at = alarmName.indexOf(OPS_MARKER);
  return at < 0 ? alarmName : alarmName.slice(at + OPS_MARKER.length);
};
