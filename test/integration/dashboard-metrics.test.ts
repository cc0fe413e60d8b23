import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeEvent, type SampleTransition } from '../../local/sample-events.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { METRIC, SERVING_VALUE } from '../../shared/support/metrics.js';
import { PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { recorderDeps, startLocalDynamo } from '../helpers/ledger.js';
import { captureMetrics } from '../helpers/metrics.js';

// What the recorder contributes to the stack's dashboard (serverless/plugin/dashboard.cjs): which member each group is
// served from after a transition, and the group events (failovers among them), each counted once.

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());

const member = (
  role: 'primary' | 'secondary',
  state: SampleTransition['state'],
  prev: SampleTransition['state'],
  minute: number,
) =>
  eventBridgeEvent({
    alarmName: `r53-failover-prod-orders-api-${role}-health`,
    healthCheckId: role === 'primary' ? PRIMARY_HC : SECONDARY_HC,
    state,
    previousState: prev,
    at: new Date(Date.UTC(2025, 6, 1, 10, minute)).toISOString(),
  });

describe('recorder metrics (ServingMember, GroupEvents)', () => {
  it('draws a failover and a recovery: secondary (2), then primary (1), one GroupEvents point each', async () => {
    const { store } = await dynamo.freshTable();
    const metrics = captureMetrics();
    const deps = { ...recorderDeps(store()), metrics: metrics.sink };
    await recordEvent(member('primary', 'ALARM', 'OK', 0), deps, 'c1');
    await recordEvent(member('primary', 'OK', 'ALARM', 5), deps, 'c2');
    expect(metrics.points).toEqual([
      { name: METRIC.servingMember, value: SERVING_VALUE.secondary, dimensions: { Group: 'orders-api' } },
      { name: METRIC.groupEvents, value: 1, dimensions: { Event: 'FAILED_OVER' } },
      { name: METRIC.servingMember, value: SERVING_VALUE.primary, dimensions: { Group: 'orders-api' } },
      { name: METRIC.groupEvents, value: 1, dimensions: { Event: 'RECOVERED' } },
    ]);
  });

  it('counts nothing for a duplicate delivery or a stale (out-of-order) one', async () => {
    const { store } = await dynamo.freshTable();
    const metrics = captureMetrics();
    const deps = { ...recorderDeps(store()), metrics: metrics.sink };
    await recordEvent(member('primary', 'ALARM', 'OK', 5), deps, 'c1');
    const before = metrics.points.length;
    await recordEvent(member('primary', 'ALARM', 'OK', 5), deps, 'c2');
    const stale = await recordEvent(member('primary', 'OK', 'ALARM', 1), deps, 'c3');
    expect(stale.map((o) => (o.outcome === 'recorded' ? o.event : o.outcome))).toEqual(['STALE']);
    expect(metrics.points).toHaveLength(before);
  });

  it('draws no serving member for a health check that is in no group (it is counted as UNASSIGNED)', async () => {
    const { store } = await dynamo.freshTable();
    const metrics = captureMetrics();
    const deps = { ...recorderDeps(store()), metrics: metrics.sink };
    await recordEvent(
      eventBridgeEvent({
        alarmName: 'r53-failover-prod-legacy-primary-health',
        healthCheckId: '11111111-2222-3333-4444-555555555555',
        state: 'ALARM',
        previousState: 'OK',
        at: '2025-07-01T10:00:00.000Z',
      }),
      deps,
      'c1',
    );
    expect(metrics.points).toEqual([{ name: METRIC.groupEvents, value: 1, dimensions: { Event: 'UNASSIGNED' } }]);
  });
});
