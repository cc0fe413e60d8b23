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

/** One RFC 4180 field: quoted when it holds a comma, quote, CR or LF, with inner quotes doubled. */
export const csvField = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join('|') : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** One record, CRLF-terminated (RFC 4180 §2). Values are written as they are: no spreadsheet-formula escaping. */
export const csvRow = (fields: readonly unknown[]): string => `${fields.map(csvField).join(',')}\r\n`;

export const csvHeader = (): string => csvRow(CSV_COLUMNS);

/** A ledger entry as one CSV record in `CSV_COLUMNS` order (`sources` joined with `|`, null as an empty field). */
export const entryToCsv = (entry: LedgerEntry): string => csvRow(CSV_COLUMNS.map((c) => entry[c]));
