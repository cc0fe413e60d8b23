import { describe, expect, it } from 'vitest';
import { pagerDutyAction, pagerDutyDedupKey } from '../../shared/notify/channels/pagerduty.js';
import type { Notification } from '../../shared/notify/notification.js';

const n = (event: Notification['event'], kind: Notification['kind'] = 'transition'): Notification => ({
  id: `orders-api#3#${kind}`,
  kind,
  group: 'orders-api',
  seq: 3,
  event,
  severity: 'critical',
  title: 't',
  summary: 's',
  recordName: 'api.example.com.',
  serving: 'secondary',
  servingRegion: 'us-west-2',
  role: 'secondary',
  state: 'AWAITING_APPROVAL',
  previousState: 'REQUESTED',
  healthCheckId: 'h',
  alarmName: '',
  alarmArn: '',
  reason: '',
  stateChangedAt: '2025-07-01T10:00:00.000Z',
  notifiedAt: '2025-07-01T10:00:01.000Z',
  latencySeconds: 1,
  links: {},
  episode: 1,
});

describe('PagerDuty: what pages', () => {
  it.each([
    ['FAILED_OVER', 'trigger'],
    ['BOTH_UNHEALTHY', 'trigger'],
    ['PROMOTION_AWAITING_APPROVAL', 'trigger'],
    ['PROMOTION_FAILED', 'trigger'],
    ['RECOVERED', 'resolve'],
    ['PROMOTION_SUCCEEDED', null],
    ['STANDBY_UNHEALTHY', null],
  ] as const)('%s → %s', (event, action) => {
    expect(pagerDutyAction(n(event))).toBe(action);
  });

  it('pages an approval request on the failover incident, not a new one', () => {
    expect(pagerDutyDedupKey(n('PROMOTION_AWAITING_APPROVAL'))).toBe(pagerDutyDedupKey(n('FAILED_OVER')));
  });
});
