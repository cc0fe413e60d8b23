import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent, type RecordOutcome } from '../../shared/record/recorder.js';
import { eventBridgeEvent, snsEvent, type SampleTransition } from '../../local/sample-events.js';
import {
  loadEvent,
  PRIMARY_HC,
  TARGET_HEALTH_CONFIG_YAML as CONFIG,
  TG_API,
  TG_STATIC,
  TG_USE2,
  TG_USW2,
} from '../helpers/events.js';
import { recorderDeps, scanAll, startLocalDynamo } from '../helpers/ledger.js';

/**
 * Groups on every health basis (failover.yml `targetHealth`, `healthCheck: none`: TARGET_HEALTH_CONFIG_YAML), recorded
 * against dynalite. The target-group alarms arrive as the regional stack's EventBridge rule forwards them: in their
 * own region.
 */
let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());

const fresh = async () => {
  const { store, table } = await dynamo.freshTable();
  // The deployment's own account, as the Lambda takes it from its invocation context.
  return { deps: { ...recorderDeps(store(), undefined, CONFIG), accountId: '123456789012' }, table };
};

const tg = (
  targetGroup: string,
  region: string,
  state: SampleTransition['state'],
  at: string,
  extra: Partial<SampleTransition> = {},
): SampleTransition => ({
  alarmName: `r53-failover-prod-${targetGroup.split('/')[1]}-target-health`,
  healthCheckId: '',
  targetGroup,
  state,
  previousState: state === 'ALARM' ? 'OK' : 'ALARM',
  at,
  region,
  ...extra,
});

const only = (outcomes: RecordOutcome[]) => {
  expect(outcomes).toHaveLength(1);
  return outcomes[0] as RecordOutcome;
};

describe('recorder: target-health members (forwarded AWS/ApplicationELB alarms)', () => {
  it('records FAILED_OVER from the primary target group’s alarm in us-west-2, then RECOVERED when it returns', async () => {
    // Arrange
    const { deps } = await fresh();
    // Act
    const down = only(await recordEvent(loadEvent('eventbridge/elb-target-health-alarm.json'), deps, 'c-1'));
    const up = only(await recordEvent(loadEvent('eventbridge/elb-target-health-ok.json'), deps, 'c-2'));
    // Assert
    expect(down).toMatchObject({ outcome: 'recorded', group: 'orders-web', role: 'primary', event: 'FAILED_OVER' });
    expect(up).toMatchObject({ outcome: 'recorded', group: 'orders-web', role: 'primary', event: 'RECOVERED' });
    const [first, second] = await deps.ledger.list({ group: 'orders-web' });
    expect(first).toMatchObject({
      serving: 'secondary',
      region: 'us-west-2',
      state: 'ALARM',
      previousState: 'OK',
      targetGroup: TG_USW2,
      loadBalancer: 'app/orders-usw2/0fedcba987654321',
      healthCheckId: '',
      episode: 1,
    });
    expect(second).toMatchObject({ serving: 'primary', state: 'OK', previousState: 'ALARM', episode: 1 });
    expect(second?.snapshot.primary).toMatchObject({
      state: 'OK',
      targetGroups: { [TG_USW2]: { state: 'OK', lastKnown: 'OK' } },
    });
  });

  it('records a duplicate delivery of the ELB alarm event once', async () => {
    // Arrange
    const { deps, table } = await fresh();
    const event = loadEvent('eventbridge/elb-target-health-alarm.json');
    // Act
    const outcomes = [...(await recordEvent(event, deps, 'a')), ...(await recordEvent(event, deps, 'b'))];
    // Assert
    expect(outcomes.map((o) => o.outcome)).toEqual(['recorded', 'duplicate']);
    expect(await scanAll(dynamo.client, table)).toHaveLength(1);
  });

  it('records the EventBridge and SNS copies of one target-group transition as one entry', async () => {
    // Arrange
    const { deps } = await fresh();
    const t = tg(TG_USW2, 'us-west-2', 'ALARM', '2025-06-12T14:03:27.412Z');
    // Act
    const outcomes = [
      ...(await recordEvent(snsEvent(t), deps, 's')),
      ...(await recordEvent(eventBridgeEvent(t), deps, 'e')),
    ];
    // Assert
    expect(outcomes.map((o) => o.outcome)).toEqual(['recorded', 'duplicate']);
    const entries = await deps.ledger.list({ group: 'orders-web' });
    expect(entries.map((e) => e.sources)).toEqual([['eventbridge', 'sns']]);
  });

  it('records the secondary’s Metrics Insights alarm (NLB, no load balancer configured) as STANDBY_UNHEALTHY', async () => {
    // Arrange
    const { deps } = await fresh();
    // Act
    const o = only(await recordEvent(loadEvent('eventbridge/elb-metrics-insights-alarm.json'), deps, 'c'));
    // Assert
    expect(o).toMatchObject({
      outcome: 'recorded',
      group: 'orders-web',
      role: 'secondary',
      event: 'STANDBY_UNHEALTHY',
    });
  });

  it('records BOTH_UNHEALTHY when both members’ target groups have no healthy target: Route 53 answers the primary', async () => {
    // Arrange
    const { deps } = await fresh();
    await recordEvent(eventBridgeEvent(tg(TG_USW2, 'us-west-2', 'ALARM', '2025-06-12T14:00:00.000Z')), deps, 'a');
    // Act
    const o = only(
      await recordEvent(eventBridgeEvent(tg(TG_USE2, 'us-east-2', 'ALARM', '2025-06-12T14:01:00.000Z')), deps, 'b'),
    );
    // Assert
    expect(o).toMatchObject({ event: 'BOTH_UNHEALTHY' });
    if (o.outcome === 'recorded') expect(o.entry.serving).toBe('primary');
  });

  it('records an ELB alarm of a target group in no member under unassigned', async () => {
    // Arrange
    const { deps } = await fresh();
    const unknown = 'targetgroup/legacy/aaaaaaaaaaaaaaaa';
    // Act
    const o = only(
      await recordEvent(
        eventBridgeEvent(tg(unknown, 'ap-southeast-2', 'ALARM', '2025-06-12T14:00:00.000Z')),
        deps,
        'c',
      ),
    );
    // Assert
    expect(o).toMatchObject({ outcome: 'recorded', group: 'unassigned', role: 'unknown', event: 'UNASSIGNED' });
    const [entry] = await deps.ledger.list({ group: 'unassigned' });
    expect(entry).toMatchObject({ targetGroup: unknown, region: 'ap-southeast-2', serving: 'none' });
    expect(Object.keys(entry?.snapshot ?? {})).toEqual([unknown]);
  });

  it('refuses a target-group alarm of another account, writing nothing', async () => {
    // Arrange
    const { deps, table } = await fresh();
    const foreign = tg(TG_USW2, 'us-west-2', 'ALARM', '2025-06-12T14:00:00.000Z', { account: '999988887777' });
    // Act
    const o = only(await recordEvent(eventBridgeEvent(foreign), deps, 'c'));
    // Assert
    expect(o).toMatchObject({ outcome: 'ignored', rule: 'foreign-account' });
    expect(await scanAll(dynamo.client, table)).toHaveLength(0);
  });

  it('refuses a target-group alarm from another region than its target group’s, writing nothing', async () => {
    // Arrange
    const { deps, table } = await fresh();
    // Act
    const o = only(
      await recordEvent(eventBridgeEvent(tg(TG_USW2, 'eu-west-1', 'ALARM', '2025-06-12T14:00:00.000Z')), deps, 'c'),
    );
    // Assert
    expect(o).toMatchObject({
      outcome: 'ignored',
      rule: 'foreign-region',
      reason: expect.stringContaining('us-west-2'),
    });
    expect(await scanAll(dynamo.client, table)).toHaveLength(0);
  });

  it('still refuses a HealthCheckStatus alarm from a region other than us-east-1', async () => {
    // Arrange
    const { deps, table } = await fresh();
    const hc: SampleTransition = {
      alarmName: 'r53-failover-prod-billing-api-primary-health',
      healthCheckId: PRIMARY_HC,
      state: 'ALARM',
      previousState: 'OK',
      at: '2025-06-12T14:00:00.000Z',
      region: 'us-west-2',
    };
    // Act
    const o = only(await recordEvent(eventBridgeEvent(hc), deps, 'c'));
    // Assert
    expect(o).toMatchObject({
      outcome: 'ignored',
      rule: 'foreign-region',
      reason: expect.stringContaining('only in us-east-1'),
    });
    expect(await scanAll(dynamo.client, table)).toHaveLength(0);
  });
});

describe('recorder: a member with several target groups (Route 53 weighs every one)', () => {
  const shop = (targetGroup: string, state: SampleTransition['state'], minute: number) =>
    eventBridgeEvent(
      tg(targetGroup, 'eu-central-1', state, `2025-06-12T14:${String(minute).padStart(2, '0')}:00.000Z`),
    );

  it('fails over when one target group has no healthy target and recovers only when every one has', async () => {
    // Arrange
    const { deps } = await fresh();
    const steps = [
      shop(TG_API, 'OK', 0),
      shop(TG_STATIC, 'OK', 1),
      shop(TG_API, 'ALARM', 2), // one target group down: the load balancer is unhealthy
      shop(TG_STATIC, 'ALARM', 3), // still down: nothing changes for DNS
      shop(TG_API, 'OK', 4), // the other one still down: still failed over
      shop(TG_STATIC, 'OK', 5), // every target group healthy again
    ];
    // Act
    const events = [];
    for (const [i, s] of steps.entries()) events.push(only(await recordEvent(s, deps, `c-${i}`)));
    // Assert
    expect(events.map((o) => (o.outcome === 'recorded' ? o.event : o.outcome))).toEqual([
      'HEALTHY',
      'TARGET_GROUP_CHANGED',
      'FAILED_OVER',
      'TARGET_GROUP_CHANGED',
      'TARGET_GROUP_CHANGED',
      'RECOVERED',
    ]);
    const entries = await deps.ledger.list({ group: 'shop' });
    expect(entries.map((e) => e.serving)).toEqual([
      'primary',
      'primary',
      'secondary',
      'secondary',
      'secondary',
      'primary',
    ]);
    expect(entries[4]?.snapshot.primary).toMatchObject({
      state: 'ALARM',
      stateChangedAt: '2025-06-12T14:02:00.000Z', // down since the first target group went, not since the latest change
      targetGroups: { [TG_API]: { state: 'OK' }, [TG_STATIC]: { state: 'ALARM' } },
    });
    expect(entries[4]).toMatchObject({ previousState: 'ALARM', targetGroup: TG_API, episode: 3 });
  });

  it('keeps each target group’s own order: a late OK of one is not stale against another’s newer ALARM', async () => {
    // Arrange
    const { deps } = await fresh();
    await recordEvent(shop(TG_API, 'ALARM', 10), deps, 'a');
    // Act
    const lateOther = only(await recordEvent(shop(TG_STATIC, 'OK', 5), deps, 'b'));
    const lateSame = only(await recordEvent(shop(TG_API, 'OK', 5), deps, 'c'));
    // Assert
    expect(lateOther).toMatchObject({ outcome: 'recorded', event: 'TARGET_GROUP_CHANGED', stale: false });
    expect(lateSame).toMatchObject({ outcome: 'recorded', event: 'STALE', stale: true });
  });
});

describe('recorder: healthCheck: none (Route 53 treats the record as always healthy)', () => {
  it('fails over from a health-checked primary to a secondary without one', async () => {
    // Arrange
    const { deps } = await fresh();
    const primary = (state: SampleTransition['state'], at: string): SampleTransition => ({
      alarmName: 'r53-failover-prod-billing-api-primary-health',
      healthCheckId: PRIMARY_HC,
      state,
      previousState: state === 'ALARM' ? 'OK' : 'ALARM',
      at,
    });
    // Act
    const down = only(await recordEvent(eventBridgeEvent(primary('ALARM', '2025-06-12T14:00:00.000Z')), deps, 'a'));
    const up = only(await recordEvent(eventBridgeEvent(primary('OK', '2025-06-12T14:09:00.000Z')), deps, 'b'));
    // Assert
    expect(down).toMatchObject({ group: 'billing-api', role: 'primary', event: 'FAILED_OVER' });
    expect(up).toMatchObject({ group: 'billing-api', role: 'primary', event: 'RECOVERED' });
    const entries = await deps.ledger.list({ group: 'billing-api' });
    expect(entries.map((e) => e.serving)).toEqual(['secondary', 'primary']);
    expect(Object.keys(entries[0]?.snapshot ?? {})).toEqual(['primary']);
  });
});
