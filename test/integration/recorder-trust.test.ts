import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent, type RecorderDeps, type RecordOutcome } from '../../shared/record/recorder.js';
import { InvalidEventError } from '../../shared/support/errors.js';
import { alarmActionEvent, eventBridgeEvent, snsEvent, type SampleTransition } from '../../local/sample-events.js';
import { PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { captureLog, recorderDeps, scanAll, startLocalDynamo, type CapturedLog } from '../helpers/ledger.js';
import type { ForeignRule } from '../../shared/core/alarm-event.js';

/** Only our alarms become transitions, and only at times that can be true: an attacker's notifications change nothing. */

const OURS = '123456789012';
const THEIRS = '999988887777';
const RECEIVED = new Date('2025-07-01T12:00:00.000Z');

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());

const member = (
  role: 'primary' | 'secondary',
  state: SampleTransition['state'],
  at: string,
  extra: Partial<SampleTransition> = {},
): SampleTransition => ({
  alarmName: `r53-failover-prod-orders-api-${role}-health`,
  healthCheckId: role === 'primary' ? PRIMARY_HC : SECONDARY_HC,
  state,
  previousState: state === 'OK' ? 'ALARM' : 'OK',
  at,
  ...extra,
});

interface Harness {
  deps: RecorderDeps;
  log: CapturedLog;
  counted: ForeignRule[];
  table: string;
}

/** `accountId: null`: the deployment's account is not known. */
const harness = async (accountId: string | null = OURS): Promise<Harness> => {
  const { store, table } = await dynamo.freshTable();
  const log = captureLog();
  const counted: ForeignRule[] = [];
  const deps: RecorderDeps = {
    ...recorderDeps(store(), log),
    now: () => RECEIVED,
    ...(accountId ? { accountId } : {}),
    metrics: {
      put: (name, _unit, _value, dims) => {
        if (name === 'ForeignAlarmIgnored') counted.push(dims.Rule as ForeignRule);
      },
    },
  };
  return { deps, log, counted, table };
};

const eventsOf = (o: RecordOutcome[]) => o.map((x) => (x.outcome === 'recorded' ? x.event : x.outcome));

describe('recorder: alarms of another account or region are ignored and change nothing', () => {
  it.each([
    ['SNS', snsEvent],
    ['EventBridge', eventBridgeEvent],
    ['Lambda alarm action', alarmActionEvent],
  ])('%s: a foreign account’s backdated ALARM leaves the group as it was', async (_label, build) => {
    // Arrange: the group is healthy on the primary.
    const h = await harness();
    await recordEvent(eventBridgeEvent(member('primary', 'OK', '2025-07-01T10:00:00.000Z')), h.deps, 'genuine');
    const before = await scanAll(dynamo.client, h.table);
    const headBefore = await h.deps.ledger.head('orders-api', { fresh: true });
    // Act: the attacker's notification: their account's ARN, their topic, a state change dated before ours.
    const attack = build(member('primary', 'ALARM', '2025-07-01T09:00:00.000Z', { account: THEIRS }));
    const outcomes = await recordEvent(attack, h.deps, 'attack');
    // Assert
    expect(outcomes).toEqual([
      {
        outcome: 'ignored',
        rule: 'foreign-account',
        reason: expect.stringContaining(`is in account ${THEIRS}, not this deployment's account ${OURS}`),
      },
    ]);
    expect(await scanAll(dynamo.client, h.table)).toEqual(before);
    const headAfter = await h.deps.ledger.head('orders-api', { fresh: true });
    expect(headAfter.seq).toBe(headBefore.seq);
    expect(headAfter.entry?.serving).toBe('primary');
    expect(h.counted).toEqual(['foreign-account']);
    expect(h.log.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', extra: expect.objectContaining({ rule: 'foreign-account' }) }),
    );
  });

  it('ignores an alarm in another region (not us-east-1), naming the region', async () => {
    const h = await harness();
    const outcomes = await recordEvent(
      snsEvent(member('primary', 'ALARM', '2025-07-01T11:00:00.000Z', { region: 'eu-west-1' })),
      h.deps,
      'eu',
    );
    expect(outcomes).toEqual([
      { outcome: 'ignored', rule: 'foreign-region', reason: expect.stringContaining('is in region eu-west-1') },
    ]);
    expect(await scanAll(dynamo.client, h.table)).toHaveLength(0);
    expect(h.counted).toEqual(['foreign-region']);
  });

  it('without a known account checks the region only, and says each time it could not check the account', async () => {
    const h = await harness(null);
    let unchecked = 0;
    const deps = { ...h.deps, accountUnchecked: () => unchecked++ };
    const theirs = await recordEvent(
      snsEvent(member('primary', 'ALARM', '2025-07-01T11:00:00.000Z', { account: THEIRS })),
      deps,
      'x',
    );
    const elsewhere = await recordEvent(
      snsEvent(member('secondary', 'ALARM', '2025-07-01T11:01:00.000Z', { region: 'us-west-2' })),
      deps,
      'y',
    );
    expect(eventsOf(theirs)).toEqual(['FAILED_OVER']);
    expect(elsewhere).toMatchObject([{ outcome: 'ignored', rule: 'foreign-region' }]);
    expect(unchecked).toBe(2);
  });

  it('still records our own alarms from every delivery path, once', async () => {
    const h = await harness();
    const t = member('primary', 'ALARM', '2025-07-01T11:00:00.000Z');
    const outcomes = [
      ...(await recordEvent(eventBridgeEvent(t), h.deps, 'eb')),
      ...(await recordEvent(snsEvent(t), h.deps, 'sns')),
      ...(await recordEvent(alarmActionEvent(t), h.deps, 'action')),
    ];
    expect(eventsOf(outcomes)).toEqual(['FAILED_OVER', 'duplicate', 'duplicate']);
    expect(h.counted).toEqual([]);
  });
});

describe('recorder: state-change times that cannot be true are rejected', () => {
  it('rejects an ALARM dated 2099 writing nothing, and records the next genuine change fresh', async () => {
    const h = await harness();
    await recordEvent(eventBridgeEvent(member('primary', 'OK', '2025-07-01T10:00:00.000Z')), h.deps, 'ok');
    const before = await scanAll(dynamo.client, h.table);
    // Act 1: one forged ALARM from the future (our own account: the account check cannot help here).
    const future = recordEvent(snsEvent(member('primary', 'ALARM', '2099-01-01T00:00:00.000Z')), h.deps, 'future');
    await expect(future).rejects.toBeInstanceOf(InvalidEventError);
    await expect(
      recordEvent(snsEvent(member('primary', 'ALARM', '2099-01-01T00:00:00.000Z')), h.deps, 'future'),
    ).rejects.toThrow(
      'Records[0].Sns.Message.StateChangeTime: "2099-01-01T00:00:00.000Z" is more than 5 minutes after the moment of receipt (2025-07-01T12:00:00.000Z)',
    );
    expect(await scanAll(dynamo.client, h.table)).toEqual(before);
    // Act 2: the real outage, later.
    const real = await recordEvent(
      eventBridgeEvent(member('primary', 'ALARM', '2025-07-01T11:58:00.000Z')),
      h.deps,
      'real',
    );
    // Assert: a fresh FAILED_OVER, not STALE; the group serves the secondary.
    expect(real).toMatchObject([{ outcome: 'recorded', event: 'FAILED_OVER', stale: false }]);
    expect((await h.deps.ledger.head('orders-api', { fresh: true })).entry?.serving).toBe('secondary');
  });

  it.each([
    ['2009-12-31T23:59:59.000Z', 'is before 2010-01-01T00:00:00.000Z'],
    ['2025-02-30T12:00:00.000Z', 'February 2025 has 28 days'],
    ['+010000-01-01T00:00:00.000Z', 'a 4-digit year'],
    ['-000001-01-01T00:00:00.000Z', 'a 4-digit year'],
  ])('rejects detail.state.timestamp %s (%s) and writes nothing', async (timestamp, rule) => {
    const h = await harness();
    const ev = eventBridgeEvent(member('primary', 'ALARM', '2025-07-01T11:00:00.000Z'));
    const raw = { ...ev, detail: { ...ev.detail, state: { ...ev.detail.state, timestamp } } };
    const err = await recordEvent(raw, h.deps, 'bad').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as Error).message).toMatch(/^detail\.state\.timestamp: /);
    expect((err as Error).message).toContain(rule);
    expect(await scanAll(dynamo.client, h.table)).toHaveLength(0);
  });

  it('accepts a state change up to 5 minutes after receipt and stores it in the fixed-width form', async () => {
    const h = await harness();
    const ev = snsEvent(member('primary', 'ALARM', '2025-07-01T12:00:00.000Z'));
    const record = ev.Records[0] as (typeof ev.Records)[number];
    const message = { ...JSON.parse(record.Sns.Message), StateChangeTime: '2025-07-01T14:04:59.5+02:00' };
    const raw = { Records: [{ ...record, Sns: { ...record.Sns, Message: JSON.stringify(message) } }] };
    expect(await recordEvent(raw, h.deps, 'skew')).toMatchObject([{ outcome: 'recorded', event: 'FAILED_OVER' }]);
    const [entry] = await h.deps.ledger.list({});
    expect(entry?.stateChangedAt).toBe('2025-07-01T12:04:59.500Z');
  });
});
