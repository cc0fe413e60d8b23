import * as z from 'zod/mini';
import { show } from '../support/values.js';

/**
 * Timestamps as AWS writes them (`2025-06-12T14:03:27.412+0000`, `…Z`, any UTC offset) → the one form the ledger
 * stores: `YYYY-MM-DDTHH:mm:ss.sssZ`, fixed width, so string order is time order (the `byTime`/`byGroupTime` sort
 * keys, `history --since`, the flap window). Parsed by hand: `Date.parse` rolls `2025-02-30` over to March 2nd and
 * accepts expanded years (`+010000`, `-000001`) whose ISO form is wider and sorts out of time order.
 */

/** No alarm state change this recorder accepts is older than this. */
export const EARLIEST_STATE_CHANGE = '2010-01-01T00:00:00.000Z';
const EARLIEST_MS = Date.parse(EARLIEST_STATE_CHANGE);
/** How far a state change may lie after the moment it was received (clock skew between AWS and us). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** The stored form: exactly what `Date.prototype.toISOString` writes for the years 0000–9999. */
export const STORED_TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// RFC 3339 date-time: a 4-digit year, seconds required, any fraction, `Z` or a numeric offset (`+0000` as AWS writes it).
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const daysIn = (year: number, month: number): number =>
  month === 2
    ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

export type ParsedTimestamp = { ok: true; iso: string; ms: number } | { ok: false; problem: string };

/**
 * Parses one timestamp strictly. `problem` says what is wrong and quotes the value (`example` shows the expected form):
 * not ISO 8601, not a calendar date, not a time of day, not a UTC offset, or outside the years 0000–9999.
 */
export const parseTimestamp = (s: string, example = '2025-06-12T14:03:27.412+0000'): ParsedTimestamp => {
  const m = TIMESTAMP_RE.exec(s);
  if (!m) {
    const wide = /^[+-]\d{5,}-/.test(s) ? ' (a 4-digit year: expanded years like +010000 are not accepted)' : '';
    return { ok: false, problem: `expected an ISO 8601 timestamp like ${example}${wide}, got ${show(s)}` };
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [fraction = '', utc, sign, offH = '00', offM = '00'] = m.slice(7);
  if (month < 1 || month > 12) return { ok: false, problem: `expected a month 01–12, got ${show(s)}` };
  const days = daysIn(year, month);
  if (day < 1 || day > days)
    return {
      ok: false,
      problem: `expected a calendar date, got ${show(s)} (${MONTHS[month - 1]} ${m[1]} has ${days} days)`,
    };
  if (hour > 23 || minute > 59 || second > 59)
    return { ok: false, problem: `expected a time of day 00:00:00–23:59:59, got ${show(s)}` };
  if (!utc && (Number(offH) > 23 || Number(offM) > 59))
    return { ok: false, problem: `expected a UTC offset between -23:59 and +23:59, got ${show(s)}` };
  const at = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const offsetMs = utc ? 0 : (sign === '-' ? -1 : 1) * (Number(offH) * 60 + Number(offM)) * 60_000;
  const ms = at.getTime() - offsetMs;
  const iso = new Date(ms).toISOString();
  if (!STORED_TIMESTAMP_RE.test(iso))
    return { ok: false, problem: `expected a time within the years 0000–9999 UTC, got ${show(s)}` };
  return { ok: true, iso, ms };
};

/** `2025-06-12T14:03:27.412+0000` and friends → `2025-06-12T14:03:27.412Z`; undefined when not a real instant. */
export const toIsoUtc = (s: string): string | undefined => {
  const p = parseTimestamp(s);
  return p.ok ? p.iso : undefined;
};

/** A timestamp AWS writes (`+0000` offsets included) → ISO 8601 UTC; the message shows `example` of the expected form. */
export const isoTimestampSchema = (example: string) =>
  z.pipe(
    z.string({ error: (i) => `expected an ISO 8601 timestamp, got ${show(i.input)}` }),
    z.transform((s: string, ctx) => {
      const p = parseTimestamp(s, example);
      if (p.ok) return p.iso;
      ctx.issues.push({ code: 'custom', input: s, message: p.problem });
      return z.NEVER;
    }),
  );

/**
 * Why an alarm's state-change time (stored form) cannot be true, or undefined: before 2010-01-01, or more than
 * 5 minutes after `receivedAt`, the moment the event arrived. Such a time would sort before or after every genuine
 * one and freeze the member's state (every later genuine change would look older, i.e. STALE).
 */
export const stateTimeProblem = (iso: string, receivedAt: Date): string | undefined => {
  const ms = Date.parse(iso);
  if (ms < EARLIEST_MS) return `${show(iso)} is before ${EARLIEST_STATE_CHANGE}, the earliest state change accepted`;
  const latest = receivedAt.getTime() + MAX_FUTURE_SKEW_MS;
  if (ms > latest)
    return (
      `${show(iso)} is more than 5 minutes after the moment of receipt (${receivedAt.toISOString()}); ` +
      `expected no later than ${new Date(latest).toISOString()}`
    );
  return undefined;
};
