import { describe, expect, it } from 'vitest';
import { normaliseAlarmEvent, toIsoUtc } from '../../shared/core/alarm-event.js';
import { parseTimestamp, stateTimeProblem, STORED_TIMESTAMP_RE } from '../../shared/core/timestamps.js';
import { InvalidEventError } from '../../shared/support/errors.js';
import { alarmActionEvent, eventBridgeEvent, snsEvent } from '../../local/sample-events.js';
import { SAMPLE_ALARM } from '../helpers/events.js';
import { errorOf } from '../helpers/errors.js';

const RECEIVED = new Date('2025-06-12T15:00:00.000Z');

const SAMPLE = SAMPLE_ALARM;

/** An EventBridge alarm event whose `detail.state.timestamp` is exactly `timestamp` (as the sender wrote it). */
const eventBridgeAt = (timestamp: string) => {
  const ev = eventBridgeEvent(SAMPLE);
  return { ...ev, detail: { ...ev.detail, state: { ...ev.detail.state, timestamp } } };
};

/** An SNS alarm notification whose `StateChangeTime` is exactly `timestamp`. */
const snsAt = (timestamp: string) => {
  const ev = snsEvent(SAMPLE);
  const record = ev.Records[0] as (typeof ev.Records)[number];
  const message = { ...JSON.parse(record.Sns.Message), StateChangeTime: timestamp };
  return { Records: [{ ...record, Sns: { ...record.Sns, Message: JSON.stringify(message) } }] };
};

const stateChangedAtOf = (raw: unknown, receivedAt = RECEIVED): string => {
  const [n] = normaliseAlarmEvent(raw, undefined, { receivedAt });
  if (n?.kind !== 'transition') throw new Error(`expected a transition, got ${JSON.stringify(n)}`);
  return n.transition.stateChangedAt;
};

describe('parseTimestamp / toIsoUtc: one stored form, real dates only', () => {
  it.each([
    ['2025-06-12T14:03:27.412+0000', '2025-06-12T14:03:27.412Z'],
    ['2025-06-12T14:03:27.412Z', '2025-06-12T14:03:27.412Z'],
    ['2025-06-12T14:03:27Z', '2025-06-12T14:03:27.000Z'],
    ['2025-06-12T16:03:27.412+02:00', '2025-06-12T14:03:27.412Z'],
    ['2025-06-12T09:33:27.412-0430', '2025-06-12T14:03:27.412Z'],
    ['2025-06-12T14:03:27.4129876Z', '2025-06-12T14:03:27.412Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2025-01-01T00:30:00+01:00', '2024-12-31T23:30:00.000Z'],
  ])('accepts %s as %s', (input, stored) => {
    expect(toIsoUtc(input)).toBe(stored);
    expect(stored).toMatch(STORED_TIMESTAMP_RE);
  });

  it.each([
    ['2025-02-30T12:00:00Z', 'February 2025 has 28 days'],
    ['2023-02-29T12:00:00Z', 'February 2023 has 28 days'],
    ['2025-04-31T12:00:00Z', 'April 2025 has 30 days'],
    ['2025-13-01T12:00:00Z', 'expected a month 01–12'],
    ['2025-06-12T24:00:00Z', 'expected a time of day'],
    ['2025-06-12T14:60:00Z', 'expected a time of day'],
    ['2025-06-12T14:03:27+2400', 'expected a UTC offset'],
    ['+010000-01-01T00:00:00.000Z', 'a 4-digit year'],
    ['-000001-01-01T00:00:00.000Z', 'a 4-digit year'],
    ['2025-06-12', 'expected an ISO 8601 timestamp'],
    ['2025-06-12T14:03:27', 'expected an ISO 8601 timestamp'],
    ['June 12, 2025 14:03:27 UTC', 'expected an ISO 8601 timestamp'],
    ['9999-12-31T23:59:59-01:00', 'within the years 0000–9999'],
  ])('refuses %s (%s), never rolling it over', (input, problem) => {
    const parsed = parseTimestamp(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toContain(problem);
      expect(parsed.problem).toContain(JSON.stringify(input));
    }
    expect(toIsoUtc(input)).toBeUndefined();
  });

  it('keeps years 0000–0099 as written (Date.UTC would read 0025 as 1925)', () => {
    expect(toIsoUtc('0025-03-01T00:00:00Z')).toBe('0025-03-01T00:00:00.000Z');
  });

  it('stores times so that string order is time order, across offsets', () => {
    const inputs = ['2025-06-12T16:00:00+02:00', '2025-06-12T13:59:59.999Z', '2025-06-12T09:00:00.001-05:00'];
    const stored = inputs.map((s) => toIsoUtc(s) as string);
    expect([...stored].sort()).toEqual([...stored].sort((a, b) => Date.parse(a) - Date.parse(b)));
  });
});

describe('stateTimeProblem: after 2010-01-01, at most 5 minutes after receipt', () => {
  it.each([
    ['2010-01-01T00:00:00.000Z', undefined],
    ['2025-06-12T15:05:00.000Z', undefined],
    ['2009-12-31T23:59:59.999Z', 'is before 2010-01-01T00:00:00.000Z'],
    ['2025-06-12T15:05:00.001Z', 'more than 5 minutes after the moment of receipt (2025-06-12T15:00:00.000Z)'],
    ['2099-01-01T00:00:00.000Z', 'expected no later than 2025-06-12T15:05:00.000Z'],
  ])('%s → %s', (iso, problem) => {
    const found = stateTimeProblem(iso, RECEIVED);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('normaliseAlarmEvent: the state-change time must be true', () => {
  it.each([
    ['2099-01-01T00:00:00.000+0000', 'is more than 5 minutes after the moment of receipt'],
    ['2025-06-12T15:05:00.001+0000', 'expected no later than 2025-06-12T15:05:00.000Z'],
    ['2009-12-31T23:59:59.000+0000', 'is before 2010-01-01T00:00:00.000Z'],
    ['2025-02-30T12:00:00.000+0000', 'February 2025 has 28 days'],
    ['+010000-01-01T00:00:00.000Z', 'a 4-digit year'],
    ['-000001-01-01T00:00:00.000Z', 'a 4-digit year'],
  ])('rejects detail.state.timestamp %s naming the field, the value and the rule', (timestamp, rule) => {
    const err = errorOf(() => normaliseAlarmEvent(eventBridgeAt(timestamp), undefined, { receivedAt: RECEIVED }));
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/^detail\.state\.timestamp: /);
    expect(err.message).toContain(rule);
    expect(err.message).toContain(timestamp.startsWith('20') ? timestamp.slice(0, 10) : timestamp);
  });

  it('rejects an SNS StateChangeTime in the future naming Records[0].Sns.Message.StateChangeTime', () => {
    const err = errorOf(() =>
      normaliseAlarmEvent(snsAt('2099-06-12T14:03:27.412+0000'), undefined, { receivedAt: RECEIVED }),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/^Records\[0\]\.Sns\.Message\.StateChangeTime: "2099-06-12T14:03:27\.412Z" is more/);
  });

  it('rejects a backdated SNS StateChangeTime naming the field and 2010-01-01', () => {
    const err = errorOf(() => normaliseAlarmEvent(snsAt('2001-01-01T00:00:00.000+0000'), undefined, {}));
    expect(err.message).toContain('Records[0].Sns.Message.StateChangeTime: "2001-01-01T00:00:00.000Z" is before 2010');
  });

  it('rejects an alarm-action payload in the future naming alarmData.state.timestamp', () => {
    const raw = alarmActionEvent({ ...SAMPLE, at: '2025-06-12T16:00:00.000Z' });
    const err = errorOf(() => normaliseAlarmEvent(raw, undefined, { receivedAt: RECEIVED }));
    expect(err.message).toMatch(/^alarmData\.state\.timestamp: .* more than 5 minutes after/);
  });

  it('accepts a state change up to 5 minutes after receipt (clock skew), in any offset', () => {
    expect(stateChangedAtOf(eventBridgeAt('2025-06-12T15:04:59.999+0000'))).toBe('2025-06-12T15:04:59.999Z');
    expect(stateChangedAtOf(snsAt('2025-06-12T17:03:27.412+02:00'))).toBe('2025-06-12T15:03:27.412Z');
    expect(stateChangedAtOf(eventBridgeAt('2025-06-12T14:03:27.412Z'))).toBe('2025-06-12T14:03:27.412Z');
  });

  it('judges the bound against the current time when no moment of receipt is given', () => {
    const soon = new Date(Date.now() + 10 * 60_000).toISOString();
    expect(() => normaliseAlarmEvent(eventBridgeAt(soon))).toThrow(/more than 5 minutes after the moment of receipt/);
  });

  it('ignores an event it would ignore anyway without judging its time (a composite alarm in the future)', () => {
    const ev = eventBridgeAt('2099-01-01T00:00:00.000+0000');
    const composite = { ...ev, detail: { ...ev.detail, configuration: { alarmRule: 'ALARM(a)' } } };
    const [n] = normaliseAlarmEvent(composite, undefined, { receivedAt: RECEIVED });
    expect(n?.kind).toBe('ignored');
  });
});
