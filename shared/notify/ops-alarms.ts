import { type OpsAlarmChange } from '../core/ops-alarm.js';
import { composeOpsNotification } from './compose.js';
import { dispatch } from './dispatcher.js';
import type { NotifierDeps, NotifyReport } from './notifier.js';

/**
 * A state change of one of the stack's own alarms → one notification on every configured channel, exactly once per
 * channel (the delivery store's claim, keyed on the change's identity). The alarm's own action has already put it on
 * the notification topic, so the `sns` channel does not take it (channels/sns.ts). ALARM, and OK after ALARM, are
 * sent; an alarm's first OK after it is created (from INSUFFICIENT_DATA) is not news. A channel outage leaves the
 * delivery `failed` for the every-minute sweep to retry, like any other notification.
 */
export const notifyOpsAlarm = async (a: OpsAlarmChange, deps: NotifierDeps): Promise<NotifyReport> => {
  const n = composeOpsNotification(a, deps.now());
  if (a.state === 'INSUFFICIENT_DATA' || (a.state === 'OK' && a.previousState !== 'ALARM')) {
    deps.log.info('ops alarm change not notified', { alarmName: a.alarmName, state: a.state, from: a.previousState });
    return {
      notifications: [{ id: n.id, kind: n.kind, title: n.title, result: 'not-routed', channels: [] }],
      retryLater: false,
    };
  }
  const channels = await dispatch(n, deps.channels, deps);
  return {
    notifications: [{ id: n.id, kind: n.kind, title: n.title, result: 'delivered', channels }],
    retryLater: channels.some((c) => c.retryLater),
  };
};
