import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { DynamoDbLedgerStore } from '../../shared/ledger/dynamodb-store.js';
import { InvalidEventError } from '../../shared/support/errors.js';
import { GSI_BY_GROUP_TIME } from '../../shared/ledger/schema.js';
import { recordEvent, type RecordOutcome } from '../../shared/record/recorder.js';
import { eventBridgeEvent, snsEvent, alarmActionEvent, type SampleTransition } from '../../local/sample-events.js';
import { loadEvent, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { captureLog, recorderDeps, scanAll, startLocalDynamo } from '../helpers/ledger.js';

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());

const primary = (
  state: SampleTransition['state'],
  previousState: SampleTransition['state'],
  at: string,
): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  healthCheckId: PRIMARY_HC,
  state,
  previousState,
  at,
});
const secondary = (
  state: SampleTransition['state'],
  previousState: SampleTransition['state'],
  at: string,
): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-secondary-health',
  healthCheckId: SECONDARY_HC,
  state,
  previousState,
  at,
});
const outcomeOf = (o: RecordOutcome[]) => o.map((x) => x.outcome);

describe('recorder against dynalite', () => {
  it('records a transition once when EventBridge delivers it twice', async () => {
    // Arrange
    const { store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    const event = loadEvent('eventbridge/alarm-state-change-alarm.json');
    // Act
    const first = await recordEvent(event, deps, 'c-1');
    const second = await recordEvent(event, deps, 'c-2');
    // Assert
    expect([...outcomeOf(first), ...outcomeOf(second)]).toEqual(['recorded', 'duplicate']);
    const items = await deps.ledger.list({});
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      group: 'orders-api',
      role: 'primary',
      state: 'ALARM',
      previousState: 'OK',
      event: 'FAILED_OVER',
      serving: 'secondary',
      stateChangedAt: '2025-06-12T14:03:27.412Z',
      sources: ['eventbridge'],
    });
  });

  it('stores the EventBridge and SNS copies of one transition as one item listing both sources', async () => {
    const { store, table } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    const outcomes = [
      ...(await recordEvent(loadEvent('sns/alarm-notification.json'), deps, 'sns')),
      ...(await recordEvent(loadEvent('eventbridge/alarm-state-change-alarm.json'), deps, 'eb')),
    ];
    expect(outcomeOf(outcomes)).toEqual(['recorded', 'duplicate']);
    const items = await deps.ledger.list({});
    expect(items).toHaveLength(1);
    expect(items[0]?.sources).toEqual(['eventbridge', 'sns']);
    expect(await scanAll(dynamo.client, table)).toHaveLength(1);
  });

  it('records one item when 20 concurrent deliveries of the same transition race (one container)', async () => {
    const { store, table } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    const event = eventBridgeEvent(primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z'));
    const outcomes = (
      await Promise.all(Array.from({ length: 20 }, (_, i) => recordEvent(event, deps, `c-${i}`)))
    ).flat();
    expect(outcomes.filter((o) => o.outcome === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(19);
    expect(await scanAll(dynamo.client, table)).toHaveLength(1);
  });

  it('records one item when 20 containers (each its own store and head cache) race over both paths', async () => {
    const { store, table } = await dynamo.freshTable();
    const t = primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z');
    const payloads = [eventBridgeEvent(t), snsEvent(t), alarmActionEvent(t)];
    const outcomes = (
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => recordEvent(payloads[i % 3], recorderDeps(store()), `c-${i}`)),
      )
    ).flat();
    expect(outcomes.filter((o) => o.outcome === 'recorded')).toHaveLength(1);
    const items = await scanAll(dynamo.client, table);
    expect(items).toHaveLength(1);
    expect([...(items[0]?.sources?.SS ?? [])].sort()).toEqual(['alarm-action', 'eventbridge', 'sns']);
  });

  it('keeps one linear chain when different transitions of one group race from separate containers', async () => {
    const { store } = await dynamo.freshTable();
    const events = [
      eventBridgeEvent(primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z')),
      eventBridgeEvent(secondary('ALARM', 'OK', '2025-07-01T10:01:00.000Z')),
      eventBridgeEvent(secondary('OK', 'ALARM', '2025-07-01T10:02:00.000Z')),
      eventBridgeEvent(primary('OK', 'ALARM', '2025-07-01T10:03:00.000Z')),
    ];
    await Promise.all(
      events.flatMap((e, i) => [
        recordEvent(e, recorderDeps(store()), `a-${i}`),
        recordEvent(e, recorderDeps(store()), `b-${i}`),
      ]),
    );
    const ledger = store();
    const items = await ledger.list({ group: 'orders-api', order: 'asc' });
    expect(items).toHaveLength(4);
    expect(items.map((i) => i.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    const head = await ledger.head('orders-api');
    expect(head.seq).toBe(4);
    expect(head.snapshot.primary?.state).toBe('OK');
    expect(head.snapshot.secondary?.state).toBe('OK');
    expect(head.snapshot.primary?.stateChangedAt).toBe('2025-07-01T10:03:00.000Z');
  });

  it('records an out-of-order transition as STALE without moving state backwards', async () => {
    const { store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    const down = primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z');
    const up = primary('OK', 'ALARM', '2025-07-01T10:05:00.000Z');
    const outcomes = [
      ...(await recordEvent(eventBridgeEvent(up), deps, 'up')),
      ...(await recordEvent(eventBridgeEvent(down), deps, 'down')),
    ];
    expect(outcomes.map((o) => (o.outcome === 'recorded' ? o.event : o.outcome))).toEqual(['HEALTHY', 'STALE']);
    const head = await store().head('orders-api');
    expect(head.snapshot.primary).toMatchObject({ state: 'OK', stateChangedAt: '2025-07-01T10:05:00.000Z' });
    const stale = (await deps.ledger.list({ group: 'orders-api' })).find((i) => i.stale);
    expect(stale).toMatchObject({ state: 'ALARM', event: 'STALE', serving: 'primary' });
    // The late event's other copy is a duplicate of the stale entry, not a second one.
    expect(outcomeOf(await recordEvent(snsEvent(down), deps, 'down-sns'))).toEqual(['duplicate']);
    expect(await deps.ledger.list({})).toHaveLength(2);
  });

  it('finds a late copy of a stale transition exactly, even while the index has not caught up', async () => {
    // Arrange: the byGroupTime index lags (eventually consistent on real DynamoDB; dynalite's is synchronous).
    const { table } = await dynamo.freshTable();
    const real = makeDocumentClient(dynamo.client);
    const lagging = {
      send: (cmd: { input?: { IndexName?: string } }, ...rest: unknown[]) =>
        cmd.input?.IndexName === GSI_BY_GROUP_TIME
          ? Promise.resolve({ Items: [] })
          : (real.send as (...a: unknown[]) => Promise<unknown>)(cmd, ...rest),
    } as unknown as DynamoDBDocumentClient;
    const deps = recorderDeps(new DynamoDbLedgerStore(lagging, table));
    const down = primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z');
    // Act: the late transition is recorded STALE; another entry lands after it; then its other copy arrives.
    const outcomes = [
      ...(await recordEvent(eventBridgeEvent(primary('OK', 'ALARM', '2025-07-01T10:05:00.000Z')), deps, 'up')),
      ...(await recordEvent(eventBridgeEvent(down), deps, 'down-eb')),
      ...(await recordEvent(eventBridgeEvent(secondary('ALARM', 'OK', '2025-07-01T10:06:00.000Z')), deps, 'standby')),
      ...(await recordEvent(snsEvent(down), deps, 'down-sns')),
    ];
    // Assert: one STALE entry listing both paths, not two.
    expect(outcomeOf(outcomes)).toEqual(['recorded', 'recorded', 'recorded', 'duplicate']);
    const stale = (await new DynamoDbLedgerStore(real, table).list({ group: 'orders-api' })).filter((i) => i.stale);
    expect(stale).toHaveLength(1);
    expect(stale[0]?.sources).toEqual(['eventbridge', 'sns']);
    expect(await scanAll(dynamo.client, table)).toHaveLength(3);
  });

  it('records every transition of a flapping health check with alternating group events', async () => {
    const { store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    const seq: SampleTransition[] = [];
    for (let i = 0; i < 6; i++) {
      const at = new Date(Date.UTC(2025, 6, 1, 10, i)).toISOString();
      seq.push(i % 2 === 0 ? primary('ALARM', 'OK', at) : primary('OK', 'ALARM', at));
    }
    const events = [];
    for (const t of seq) events.push(...(await recordEvent(eventBridgeEvent(t), deps, t.at)));
    expect(events.map((o) => (o.outcome === 'recorded' ? o.event : o.outcome))).toEqual([
      'FAILED_OVER',
      'RECOVERED',
      'FAILED_OVER',
      'RECOVERED',
      'FAILED_OVER',
      'RECOVERED',
    ]);
  });

  it('records INSUFFICIENT_DATA as UNKNOWN, never as a failover, and a later OK after ALARM as RECOVERED', async () => {
    const { store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    const out = [];
    out.push(...(await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z')), deps, '1')));
    out.push(
      ...(await recordEvent(
        eventBridgeEvent(primary('INSUFFICIENT_DATA', 'ALARM', '2025-07-01T10:01:00.000Z')),
        deps,
        '2',
      )),
    );
    out.push(
      ...(await recordEvent(
        eventBridgeEvent(primary('OK', 'INSUFFICIENT_DATA', '2025-07-01T10:02:00.000Z')),
        deps,
        '3',
      )),
    );
    expect(out.map((o) => (o.outcome === 'recorded' ? o.event : o.outcome))).toEqual([
      'FAILED_OVER',
      'UNKNOWN',
      'RECOVERED',
    ]);
    const unknown = (await deps.ledger.list({ order: 'asc' }))[1];
    // No data after ALARM is not healthy: DNS is taken to stay on the secondary until an OK arrives.
    expect(unknown).toMatchObject({ state: 'INSUFFICIENT_DATA', event: 'UNKNOWN', serving: 'secondary' });
  });

  it('derives BOTH_UNHEALTHY and serves the primary when both members are down', async () => {
    const { store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    await recordEvent(eventBridgeEvent(primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z')), deps, '1');
    const [both] = await recordEvent(snsEvent(secondary('ALARM', 'OK', '2025-07-01T10:01:00.000Z')), deps, '2');
    expect(both).toMatchObject({ outcome: 'recorded', event: 'BOTH_UNHEALTHY' });
    expect((await deps.ledger.list({ limit: 1, order: 'desc' }))[0]?.serving).toBe('primary');
  });

  it('records a health check in no group under "unassigned" with a warning', async () => {
    const { store } = await dynamo.freshTable();
    const log = captureLog();
    const deps = recorderDeps(store(), log);
    const stranger = {
      alarmName: 'someone-elses-alarm',
      healthCheckId: '00000000-1111-2222-3333-444444444444',
      state: 'ALARM' as const,
      previousState: 'OK' as const,
      at: '2025-07-01T10:00:00.000Z',
    };
    const [o] = await recordEvent(eventBridgeEvent(stranger), deps, 'x');
    expect(o).toMatchObject({ outcome: 'recorded', group: 'unassigned', role: 'unknown', event: 'UNASSIGNED' });
    expect(log.lines.some((l) => l.level === 'warn' && l.extra.healthCheckId === stranger.healthCheckId)).toBe(true);
    expect((await deps.ledger.list({ group: 'unassigned' }))[0]?.serving).toBe('none');
  });

  it.each([
    ['invalid/missing-detail.json', 'detail'],
    ['invalid/reason-data-not-json.json', 'detail.state.reasonData'],
    ['invalid/unknown-state.json', 'detail.state.value'],
    [
      'invalid/missing-health-check-id.json',
      'detail.configuration.metrics[0].metricStat.metric.dimensions.HealthCheckId',
    ],
    ['invalid/not-an-event.json', '(root)'],
    ['invalid/sns-message-not-json.json', 'Records[0].Sns.Message'],
  ])('rejects %s naming %s and writes nothing', async (file, field) => {
    const { store, table } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    const attempt = recordEvent(loadEvent(file), deps, 'bad');
    await expect(attempt).rejects.toBeInstanceOf(InvalidEventError);
    await expect(recordEvent(loadEvent(file), deps, 'bad')).rejects.toThrow(`${field}:`);
    expect(await scanAll(dynamo.client, table)).toHaveLength(0);
  });

  it('rejects an event larger than AWS can deliver and writes nothing', async () => {
    const { store, table } = await dynamo.freshTable();
    const event = eventBridgeEvent({
      ...primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z'),
      reason: 'x'.repeat(300_000),
    });
    await expect(
      recordEvent(event, recorderDeps(store()), 'big', Buffer.byteLength(JSON.stringify(event))),
    ).rejects.toThrow(/at most 262144 bytes/);
    expect(await scanAll(dynamo.client, table)).toHaveLength(0);
  });

  it('records a long reason bounded and flagged', async () => {
    const { store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    const event = eventBridgeEvent({
      ...primary('ALARM', 'OK', '2025-07-01T10:00:00.000Z'),
      reason: 'y'.repeat(50_000),
    });
    await recordEvent(event, deps, 'long', Buffer.byteLength(JSON.stringify(event)));
    const [item] = await deps.ledger.list({});
    expect(item?.reasonTruncated).toBe(true);
    expect(item?.reason.length).toBeLessThanOrEqual(1023);
  });

  it.each([
    'eventbridge/alarm-configuration-change.json',
    'eventbridge/other-namespace-alarm.json',
    'eventbridge/composite-alarm-state-change.json',
    'scheduler/scheduled-event.json',
    'rds/global-failover-completed.json',
  ])('ignores %s with a reason and writes nothing', async (file) => {
    const { store, table } = await dynamo.freshTable();
    const [o] = await recordEvent(loadEvent(file), recorderDeps(store()), 'ign');
    expect(o?.outcome).toBe('ignored');
    expect(o && 'reason' in o ? o.reason.length : 0).toBeGreaterThan(8);
    expect(await scanAll(dynamo.client, table)).toHaveLength(0);
  });

  it('filters history by group and inclusive time range', async () => {
    const { store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    for (const [i, at] of [
      '2025-07-01T10:00:00.000Z',
      '2025-07-02T10:00:00.000Z',
      '2025-07-03T10:00:00.000Z',
    ].entries()) {
      await recordEvent(eventBridgeEvent(primary(i % 2 ? 'OK' : 'ALARM', i % 2 ? 'ALARM' : 'OK', at)), deps, at);
    }
    const mid = await deps.ledger.list({
      group: 'orders-api',
      since: '2025-07-02T10:00:00.000Z',
      until: '2025-07-03T10:00:00.000Z',
      order: 'asc',
    });
    expect(mid.map((i) => i.stateChangedAt)).toEqual(['2025-07-02T10:00:00.000Z', '2025-07-03T10:00:00.000Z']);
    expect(await deps.ledger.list({ group: 'inventory' })).toEqual([]);
    const newest = await deps.ledger.list({ limit: 1, order: 'desc' });
    expect(newest[0]?.stateChangedAt).toBe('2025-07-03T10:00:00.000Z');
  });
});
