import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.js';
import type { Io } from '../../cli/context.js';
import { normaliseAlarmEvent } from '../../shared/core/alarm-event.js';
import { verifyLedger } from '../../shared/audit/verify.js';
import { recordEvent, recordTransition } from '../../shared/record/recorder.js';
import { eventBridgeEvent, type SampleTransition } from '../../local/sample-events.js';
import { PRIMARY_HC } from '../helpers/events.js';
import { NOW, recorderDeps, startLocalDynamo } from '../helpers/ledger.js';

/** `verify` reports stored times the recorder would refuse today: data written before it refused them. */

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
const saved = { ...process.env };
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  // The CLI's `--table` opens the table through the SDK's own configuration (process.env): point it at dynalite.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});
afterAll(async () => {
  process.env = saved;
  await dynamo.stop();
});

const primary = (state: SampleTransition['state'], at: string): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  healthCheckId: PRIMARY_HC,
  state,
  previousState: state === 'OK' ? 'ALARM' : 'OK',
  at,
});

/** A transition as an older recorder accepted it: any time Date.parse took, received at NOW. */
const legacyTransition = (state: SampleTransition['state'], stateChangedAt: string) => {
  const [n] = normaliseAlarmEvent(eventBridgeEvent(primary(state, '2025-06-12T10:00:00.000Z')));
  if (n?.kind !== 'transition') throw new Error('expected a transition');
  return { ...n.transition, stateChangedAt };
};

const cli = async (table: string, ...argv: string[]) => {
  const out: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: () => undefined,
    env: process.env,
    cwd: mkdtempSync(join(tmpdir(), 'r53f-verify-times-')),
    now: () => NOW,
  };
  const code = await run([...argv, '--table', table], io);
  return { code, out: out.join('\n') };
};

describe('verify: stored times out of range', () => {
  it('reports an entry dated 2099 and a wide year, naming the seq, the field, the value and the rule', async () => {
    // Arrange: #1 genuine, #2 dated 2099 (the chain is intact: it was hashed as written), #3 a +010000 year.
    const { table, store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    await recordEvent(eventBridgeEvent(primary('ALARM', '2025-06-12T10:00:00.000Z')), deps, 'genuine');
    await recordTransition(legacyTransition('OK', '2099-01-01T00:00:00.000Z'), deps, 'legacy-future');
    await recordTransition(legacyTransition('ALARM', '+010000-01-01T00:00:00.000Z'), deps, 'legacy-wide');
    // Act
    const result = await verifyLedger(store());
    const text = await cli(table, 'verify');
    const json = await cli(table, 'verify', '--json');
    // Assert
    expect(result.ok).toBe(false);
    const [group] = result.groups;
    expect(group).toMatchObject({ group: 'orders-api', entries: 3, headSeq: 3, problemSeq: 2 });
    expect(group?.outOfRange).toEqual([
      {
        seq: 2,
        field: 'stateChangedAt',
        value: '2099-01-01T00:00:00.000Z',
        message: expect.stringContaining(
          'orders-api #2: stateChangedAt "2099-01-01T00:00:00.000Z" is more than 5 minutes after the moment of receipt',
        ),
      },
      {
        seq: 3,
        field: 'stateChangedAt',
        value: '+010000-01-01T00:00:00.000Z',
        message: expect.stringContaining('is not a stored timestamp'),
      },
    ]);
    expect(group?.problem).toBe(group?.outOfRange?.[0]?.message);
    expect(text.code).toBe(1);
    expect(text.out).toContain('orders-api     FAILED  orders-api #2: stateChangedAt "2099-01-01T00:00:00.000Z"');
    expect(text.out).toContain('time    orders-api #3: stateChangedAt "+010000-01-01T00:00:00.000Z"');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, groups: [{ outOfRange: [{ seq: 2 }, { seq: 3 }] }] });
  });

  it('reports a state change before 2010 and passes a ledger whose times are all in range', async () => {
    const { store } = await dynamo.freshTable();
    const deps = recorderDeps(store());
    await recordEvent(eventBridgeEvent(primary('ALARM', '2025-06-12T10:00:00.000Z')), deps, 'genuine');
    expect((await verifyLedger(store())).ok).toBe(true);
    await recordTransition(legacyTransition('OK', '2009-12-31T23:59:59.000Z'), deps, 'legacy-old');
    const result = await verifyLedger(store());
    expect(result.ok).toBe(false);
    expect(result.groups[0]?.problem).toContain(
      'orders-api #2: stateChangedAt "2009-12-31T23:59:59.000Z" is before 2010',
    );
  });
});
