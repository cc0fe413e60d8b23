// CLI ingest as a whole process vs raw sequential PutItem as a whole process, on the same kind of embedded ledger.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeIngestWorkspace } from '../../local/replay-events.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** One fresh process, timed from spawn to exit (start-up, module loading, opening the ledger and closing it included). */
const timed = (args: string[], env: NodeJS.ProcessEnv): { ms: number; status: number | null; stderr: string } => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  return { ms: performance.now() - t0, status: r.status, stderr: r.stderr };
};

/**
 * `r53-failover ingest --no-notify --ledger DIR EVENTS/` on N event files (10 groups, both members, EventBridge and
 * SNS forms, all distinct transitions) against `raw-put.mjs DIR N`: the same embedded ledger opened the same way,
 * N ledger-sized conditional PutItems in a loop, nothing else. Both start from an empty ledger directory, both are
 * whole processes (node start-up included), run in turn so a drift in machine speed hits both alike.
 */
export const ingestBench = async (): Promise<void> => {
  const N = Number(process.env.BENCH_INGEST_N ?? 2000);
  const GROUPS = 10;
  const RUNS = Number(process.env.BENCH_INGEST_RUNS ?? 5);
  console.log(
    `\n## CLI ingest of ${N} event files vs raw sequential PutItem (target: >= 0.7 x; whole processes, embedded ledger, median of ${RUNS})`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'r53f-bench-ingest-'));
  const { config, events } = writeIngestWorkspace(dir, N, GROUPS);
  // import.meta.url is dist/scripts/bench.mjs once bundled: raw-put.mjs sits beside it, bin/ two levels up.
  const cli = fileURLToPath(new URL('../../bin/r53-failover.mjs', import.meta.url));
  const raw = fileURLToPath(new URL('./raw-put.mjs', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  delete env.R53F_DEBUG;
  let n = 0;
  const fresh = () => join(dir, `ledger-${n++}`);
  const runCli = () => {
    const ledger = fresh();
    const r = timed([cli, 'ingest', '--no-notify', '--config', config, '--ledger', ledger, events], env);
    rmSync(ledger, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`ingest exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    return r;
  };
  const runRaw = () => {
    const ledger = fresh();
    const r = timed([raw, ledger, String(N), String(GROUPS)], env);
    rmSync(ledger, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`raw-put exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    return r;
  };
  try {
    runRaw(); // warm-up: page cache for node, the SDK and dynalite
    runCli();
    const raws: number[] = [];
    const clis: number[] = [];
    const ratios: number[] = [];
    let progressLine = '';
    for (let i = 0; i < RUNS; i++) {
      const r = runRaw();
      const c = runCli();
      raws.push(r.ms);
      clis.push(c.ms);
      ratios.push(r.ms / c.ms);
      progressLine =
        c.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('ingest: '))
          .pop() ?? '';
    }
    const [rawMed, cliMed, ratio] = [median(raws), median(clis), median(ratios)];
    const perFile = /\(([\d.]+)\/file\)/.exec(progressLine)?.[1] ?? '?';
    console.log(
      `raw sequential PutItem, whole process   ${(rawMed / 1000).toFixed(2)} s = ${Math.round(N / (rawMed / 1000))} items/s`,
    );
    console.log(
      `r53-failover ingest --no-notify         ${(cliMed / 1000).toFixed(2)} s = ${Math.round(N / (cliMed / 1000))} events/s, ${perFile} ledger requests/event`,
    );
    console.log(
      `ratio (raw time / CLI time, pair by pair) ${ratio.toFixed(2)} x (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}) [${ratio >= 0.7 ? 'ok' : 'MISSES TARGET'}]`,
    );
    console.log(`  (the CLI's own last progress line: ${progressLine || 'none'})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
