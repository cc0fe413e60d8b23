import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliIn, type CliResult } from '../helpers/cli.js';
import { codeLines, shellWords } from '../helpers/docs.js';

// README's "A 5-minute tour", step 4, run as written: the fenced block's commands in order, on the real clock (the
// drill starts an hour before now), with `/tmp/drill` replaced by a temporary directory. Each command must show the
// drill's episode, not merely exit 0.

const TOUR_DIR = '/tmp/drill';
const readme = readFileSync('README.md', 'utf8').split('\n');
const from = readme.findIndex((l) => l.startsWith('### A 5-minute tour'));
const to = readme.findIndex((l, i) => i > from && l.startsWith('#'));
const inTour = (line: number) => line > from && line <= to;
const tourLines = codeLines('README.md').filter((c) => c.fenced && inTour(c.line) && /^\s*(npx|export) /.test(c.text));

const dir = mkdtempSync(join(tmpdir(), 'r53f-tour-'));
const env: Record<string, string> = {};
const outputs = new Map<string, CliResult>();

beforeAll(async () => {
  for (const line of tourLines) {
    const text = line.text.replaceAll(TOUR_DIR, dir);
    if (/^\s*export /.test(text)) {
      for (const w of shellWords(text).slice(1)) {
        const [k = '', v = ''] = w.split('=');
        env[k] = v;
      }
      continue;
    }
    const words = shellWords(text.replace(/\s#.*$/, '')).slice(2);
    const res = await cliIn({ env })(dir, ...words);
    outputs.set(words[0] ?? '', res);
  }
}, 180_000);

const ran = (command: string): CliResult => {
  const res = outputs.get(command);
  if (!res) throw new Error(`the README tour no longer runs ${command}`);
  expect(res.code, `${command}: ${res.err}`).toBe(0);
  return res;
};

describe("README's tour, run as written", () => {
  it('is the drill, then history, status, stats, report, export and verify on its kept ledger', () => {
    expect([...outputs.keys()]).toEqual(['drill', 'history', 'status', 'stats', 'report', 'export', 'verify']);
    expect(env.R53F_LEDGER_DIR).toBe(join(dir, 'ledger'));
  });

  it('drill: the scenario passes and keeps the ledger and config', () => {
    expect(ran('drill').out).toContain('PASSED');
    expect(existsSync(join(dir, 'failover.yml'))).toBe(true);
  });

  it('history: the failover, the probes agreeing and the promotion', () => {
    const { out } = ran('history');
    for (const event of ['FAILED_OVER', 'PROBE_DOWN', 'PROMOTION_SUCCEEDED']) expect(out).toContain(event);
    expect(out).toContain('drill-primary-down');
  });

  it('status: the group served by the secondary', () => {
    expect(ran('status').out).toMatch(/drill-primary-down[^\n]*serving SECONDARY/);
  });

  it("stats: one failover in the default window (the drill's clock is an hour ago)", () => {
    expect(ran('stats').out).toMatch(/drill-primary-down\s+1\s/);
  });

  it('report: the HTML file holds the episode', () => {
    ran('report');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('drill-primary-down');
    expect(html).toContain('FAILED_OVER');
  });

  it('export --since 30d: the entries as CSV', () => {
    const rows = ran('export').out.split(/\r?\n/);
    expect(rows[0]).toMatch(/^[a-zA-Z]+(,[a-zA-Z]+)+$/);
    expect(rows.filter((r) => r.includes('FAILED_OVER')).length).toBeGreaterThan(0);
  });

  it('verify: every chain intact', () => {
    ran('verify');
  });
});

/** The backticked names in the first column of the table that follows `lead` in README's "JSON output" section. */
const documentedFields = (lead: string): { fields: string[]; rows: Map<string, string> } => {
  const start = readme.findIndex((l) => l.startsWith(lead));
  const rows = new Map<string, string>();
  for (const line of readme.slice(start + 1)) {
    if (line.startsWith('|')) {
      const [, head = '', ...rest] = line.split('|');
      for (const m of head.matchAll(/`([^`]+)`/g)) rows.set((m[1] ?? '').split('.')[0] ?? '', rest.join('|'));
    } else if (rows.size > 0) break;
  }
  return { fields: [...rows.keys()].sort(), rows };
};
const keysOf = (items: object[]) => [...new Set(items.flatMap((i) => Object.keys(i)))].sort();

describe("README's JSON output tables, against the real --json output of the tour's ledger", () => {
  const json = async (...args: string[]) => JSON.parse((await cliIn({ env })(dir, ...args, '--json')).out) as unknown;

  it('history --json: every item field is documented, every documented field occurs', async () => {
    const { items } = (await json('history')) as { items: Record<string, unknown>[] };
    const { fields, rows } = documentedFields('`history --json` prints');
    // Every field the output has is documented; a documented field the tour's ledger cannot have (its row says the
    // field is only for some entries, e.g. "target-health members only") may be absent from it.
    const seen = keysOf(items);
    expect(seen.filter((f) => !fields.includes(f))).toEqual([]);
    expect(fields.filter((f) => !seen.includes(f) && !/\bonly\b/.test(rows.get(f) ?? ''))).toEqual([]);
    // The nested probe and promotion objects: each key they carry is named in their row.
    for (const nested of ['probe', 'promotion'] as const)
      for (const key of keysOf(items.flatMap((i) => (i[nested] ? [i[nested] as object] : []))))
        expect(rows.get(nested), `${nested}.${key} is not in README's history --json table`).toMatch(
          new RegExp(`\\b${key}\\b`),
        );
  });

  it('status --json: every group and member field is documented, every documented field occurs', async () => {
    const { groups } = (await json('status')) as { groups: Record<string, unknown>[] };
    const { fields, rows } = documentedFields('`status --json` prints');
    const inFlight = fields.filter((f) => f !== 'promotion');
    // `promotion` appears only while one is in flight (the tour's promotion has completed): documented, optional.
    expect(keysOf(groups).filter((f) => f !== 'promotion')).toEqual(inFlight);
    const members = groups.flatMap((g) => Object.values(g.members as Record<string, object>));
    for (const key of keysOf(members))
      expect(rows.get('members'), `members.<role>.${key} is not in README's status --json table`).toMatch(
        new RegExp(`\\b${key}\\b`),
      );
  });
});
