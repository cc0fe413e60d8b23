import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventBridgeEvent, snsEvent } from '../../local/sample-events.js';
import { ingestConfigYaml, ingestEvents } from '../../local/replay-events.js';
import { run } from '../../cli/main.js';
import type { Io } from '../../cli/context.js';
import { cliIn } from '../helpers/cli.js';
import { startLocalDynamo } from '../helpers/ledger.js';

// `ingest` at scale: ledger requests per event (counted by the CLI's own DynamoDB client, on a real embedded
// dynalite) and progress on stderr. Counts, never timings: throughput is a figure of `npm run bench`.

const NOW = new Date('2025-06-13T00:00:00.000Z');
const debugCli = cliIn({ now: () => NOW, env: { R53F_DEBUG: '1' } });
const cli = cliIn({ now: () => NOW });

const workspace = (groups: number, files: { name: string; payload: unknown }[], opts: { promotion?: boolean } = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-ingest-'));
  writeFileSync(join(dir, 'failover.yml'), ingestConfigYaml(groups, opts));
  mkdirSync(join(dir, 'events'));
  for (const f of files) writeFileSync(join(dir, 'events', f.name), JSON.stringify(f.payload));
  return dir;
};

/** The `R53F_DEBUG` line ingest ends with: its own ledger requests (opening the ledger excluded), by operation. */
const requestsOf = (stderr: string): { files: number; requests: number; byOperation: Record<string, number> } => {
  const m = /^debug: ledger requests \(files=(\d+) requests=(\d+) byOperation=(\{.*\})\)$/m.exec(stderr);
  if (!m) throw new Error(`no ledger requests line in stderr:\n${stderr.slice(-2000)}`);
  return {
    files: Number(m[1]),
    requests: Number(m[2]),
    byOperation: JSON.parse(m[3] as string) as Record<string, number>,
  };
};

const summaryOf = (out: string) => (JSON.parse(out) as { summary: Record<string, number> }).summary;

/** Files that are rejected at once (not an alarm event): progress is per file, whatever the outcome. */
const junk = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `${String(i).padStart(5, '0')}.json`, payload: { hello: i } }));

describe('r53-failover ingest: ledger requests per event', () => {
  it('records each new transition with one PutItem; per group one head read and one registry write', async () => {
    const GROUPS = 4;
    const N = 240; // 60 per group: both members, EventBridge and SNS forms
    const cwd = workspace(GROUPS, ingestEvents(N, GROUPS));
    const res = await debugCli(cwd, 'ingest', '--json', '--no-notify', 'events');
    expect(res.code).toBe(0);
    expect(summaryOf(res.out)).toEqual({ recorded: N, duplicate: 0, ignored: 0, rejected: 0 });
    const r = requestsOf(res.err);
    expect(r.files).toBe(N);
    // Nothing else per event: no re-read of the head, no index lookup, no registry write after a group's first entry.
    expect(r.byOperation).toEqual({ PutItem: N + GROUPS, Query: GROUPS });
    expect(r.requests).toBe(N + 2 * GROUPS);
  });

  it('a second delivery of the head transition costs one UpdateItem (its path added to sources), a third nothing', async () => {
    const GROUPS = 3;
    const events = ingestEvents(60, GROUPS);
    // Each transition delivered twice in a row (EventBridge, then SNS), and the first ten a third time (SNS again).
    const files = events.flatMap((e, i) => [
      { name: `${String(i).padStart(4, '0')}-a-eventbridge.json`, payload: eventBridgeEvent(e.transition) },
      { name: `${String(i).padStart(4, '0')}-b-sns.json`, payload: snsEvent(e.transition) },
      ...(i < 10 ? [{ name: `${String(i).padStart(4, '0')}-c-sns-again.json`, payload: snsEvent(e.transition) }] : []),
    ]);
    const cwd = workspace(GROUPS, files);
    const res = await debugCli(cwd, 'ingest', '--json', '--no-notify', 'events');
    expect(res.code).toBe(0);
    expect(summaryOf(res.out)).toEqual({ recorded: 60, duplicate: 70, ignored: 0, rejected: 0 });
    expect(requestsOf(res.err).byOperation).toEqual({ PutItem: 60 + GROUPS, Query: GROUPS, UpdateItem: 60 });
  });

  it("with promotion configured, does not list every group's promotions before every event (embedded ledger)", async () => {
    const GROUPS = 4;
    const N = 160;
    const cwd = workspace(GROUPS, ingestEvents(N, GROUPS), { promotion: true });
    const res = await debugCli(cwd, 'ingest', '--json', '--no-notify', 'events');
    expect(res.code).toBe(0);
    expect(summaryOf(res.out)).toMatchObject({ recorded: N, rejected: 0 });
    const r = requestsOf(res.err);
    // Listing every group's promotions before every event is GROUPS queries per event on its own (4 × 160 = 640; 684
    // queries, 7.1 requests per event in all, before): only groups whose promotions this run has written since they
    // were last seen with nothing pending are listed again (188 queries, 3.95 requests per event).
    expect(r.byOperation.Query).toBeLessThanOrEqual(1.25 * N);
    expect(r.requests / N).toBeLessThan(4.5);
    // The promotion pipeline still ran: a promotion was requested for each failover.
    const { promotions } = JSON.parse((await cli(cwd, 'promote', 'list', '--json')).out) as { promotions: unknown[] };
    expect(promotions).toHaveLength(N / 4); // one FAILED_OVER per group per 4-step cycle
  });

  it('leaves the same ledger and promotions as listing every group before every event (a table: other writers)', async () => {
    const GROUPS = 3;
    const events = ingestEvents(48, GROUPS);
    // Duplicates and a late, out-of-order delivery too.
    const files = [
      ...events.map((e) => ({ name: e.name, payload: e.payload })),
      ...events.slice(0, 8).map((e) => ({
        name: `${e.name.slice(0, 6)}-copy.json`,
        payload: e.form === 'sns' ? eventBridgeEvent(e.transition) : snsEvent(e.transition),
      })),
    ];
    const cwd = workspace(GROUPS, files, { promotion: true });
    const dynamo = await startLocalDynamo();
    const saved = { ...process.env };
    try {
      // The table path opens the table through the SDK's own configuration (process.env).
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      const onTable = cliIn({ now: () => NOW, env: { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint } });
      const embedded = await cli(cwd, 'ingest', '--json', '--no-notify', 'events');
      const table = await onTable(cwd, 'ingest', '--json', '--no-notify', '--table', 'replay', 'events');
      expect(embedded.out).toBe(table.out);
      const history = async (run: typeof cli, ...where: string[]) =>
        (await run(cwd, 'export', '--format', 'ndjson', ...where)).out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      const promotions = async (run: typeof cli, ...where: string[]) =>
        (
          JSON.parse((await run(cwd, 'promote', 'list', '--json', ...where)).out) as {
            promotions: Record<string, unknown>[];
          }
        ).promotions.map(({ leaseOwner: _o, leaseUntil: _u, ...rest }) => rest);
      const [h1, h2] = [await history(cli), await history(onTable, '--table', 'replay')];
      expect(h1.length).toBeGreaterThan(events.length); // transitions and promotion steps
      expect(h1).toEqual(h2);
      expect(await promotions(cli)).toEqual(await promotions(onTable, '--table', 'replay'));
    } finally {
      for (const k of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await dynamo.stop();
    }
  });
});

describe('r53-failover ingest: progress on stderr', () => {
  it('prints one line per 1,000 files and one at the end, with ledger requests per file; stdout unchanged', async () => {
    const GROUPS = 5;
    // 10 transitions, then 1,000 files that are rejected at once (progress counts files, whatever their outcome).
    const files = [...ingestEvents(10, GROUPS), ...junk(1000).map((f) => ({ ...f, name: `z-${f.name}` }))];
    const res = await cli(workspace(GROUPS, files), 'ingest', '--no-notify', 'events');
    expect(res.code).toBe(1);
    const lines = res.err.split('\n').filter((l) => l.startsWith('ingest: '));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^ingest: 1000\/1010 files \(99%\) in \d+\.\d s, \d+ files\/s, 20 ledger requests \(0\.02\/file\)$/,
    );
    expect(lines[1]).toMatch(
      /^ingest: 1010\/1010 files \(100%\) in \d+\.\d s, \d+ files\/s, 20 ledger requests \(0\.02\/file\)$/,
    );
    expect(res.out).not.toContain('ingest: ');
    expect(res.out.split('\n').pop()).toBe('1010 file(s): 10 recorded, 0 duplicate, 0 ignored, 1000 rejected');
  });

  it('prints nothing with --json, nor for fewer than 1,000 files', async () => {
    const big = await cli(workspace(1, junk(1200)), 'ingest', '--json', '--no-notify', 'events');
    expect(big.code).toBe(1);
    expect(summaryOf(big.out)).toMatchObject({ rejected: 1200 });
    expect(big.err).toBe('');
    const small = await cli(workspace(1, junk(999)), 'ingest', '--no-notify', 'events');
    expect(small.code).toBe(1);
    expect(small.err).toBe('');
  });

  it('draws a bar redrawn in place when stderr is a terminal, ending on its own line', async () => {
    const cwd = workspace(1, junk(1500));
    const frames: string[] = [];
    const err: string[] = [];
    const out: string[] = [];
    const io: Io = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
      cwd,
      now: () => NOW,
      errTty: { columns: 120, write: (t) => frames.push(t) },
    };
    expect(await run(['ingest', '--no-notify', 'events'], io)).toBe(1);
    expect(err).toEqual([]);
    const all = frames.join('');
    expect(all.endsWith('\n')).toBe(true);
    const last = all.trimEnd().split('\r').pop() ?? '';
    expect(last).toMatch(
      /^\[#{10,40}\] ingest: 1500\/1500 files \(100%\) in \d+\.\d s, \d+ files\/s, 0 ledger requests \(0\.00\/file\)\x1b\[K$/,
    );
    expect(frames.every((f) => f === '\n' || f.startsWith('\r'))).toBe(true);
    expect(out.join('\n')).toContain('1500 file(s): 0 recorded, 0 duplicate, 0 ignored, 1500 rejected');
  });
});
