import type { LedgerEntry } from '../ledger/store.js';

/**
 * The CSV export's columns, in this order (stable: add new columns at the end only). Kind-specific detail (`probe`,
 * `promotion`) and the internal `snapshot` are left out, so a CSV export is for reading and spreadsheets, not for
 * `verify --file`: its rows cannot be re-hashed. Use the json or ndjson export for that.
 */
export const CSV_COLUMNS = [
  'group',
  'seq',
  'kind',
  'event',
  'role',
  'state',
  'previousState',
  'stateChangedAt',
  'recordedAt',
  'sources',
  'healthCheckId',
  'alarmName',
  'alarmArn',
  'region',
  'serving',
  'episode',
  'stale',
  'reason',
  'prevHash',
  'hash',
] as const satisfies readonly (keyof LedgerEntry)[];

const NEEDS_QUOTES = /[",\r\n]/;
/** What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): `=`, `+`, `-`, `@`, tab, CR. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field: quoted when it holds a comma, quote, CR or LF, with inner quotes doubled. A text a spreadsheet
 * would run as a formula (alarm reasons are untrusted) is prefixed with `'`, so it shows as text.
 */
export const csvField = (value: unknown): string => {
  const raw = value === null || value === undefined ? '' : Array.isArray(value) ? value.join('|') : String(value);
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** One record, CRLF-terminated (RFC 4180 §2); formula-like values are prefixed with `'` (see `csvField`). */
export const csvRow = (fields: readonly unknown[]): string => `${fields.map(csvField).join(',')}\r\n`;

export const csvHeader = (): string => csvRow(CSV_COLUMNS);

/** A ledger entry as one CSV record in `CSV_COLUMNS` order (`sources` joined with `|`, null as an empty field). */
export const entryToCsv = (entry: LedgerEntry): string => csvRow(CSV_COLUMNS.map((c) => entry[c]));
