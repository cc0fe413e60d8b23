// Scale: `serverless package` time at 10, 100 and 1,000 groups (the alarms in nested stacks), and the CLI's status,
// stats and report on an embedded ledger of 1,000 groups and 100,000 entries, each against a baseline run in the same
// call (10 groups; 10 groups and 1,000 entries). Whole processes, timed from outside, median of the runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TABLE, ensureLedgerTable, localClient, startDynalite } from '../../local/embedded-ledger.js';
import { syntheticConfigYaml, syntheticGroupName } from '../../local/synthetic-config.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { loadLedger } from './audit.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Runs `node args` in the repository with `env`; wall milliseconds. Throws with the output when it fails. */
const timed = (args: string[], env: Record<string, string> = {}): number => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`node ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).slice(-800)}`);
  return ms;
};

const packaging = (work: string) => {
  console.log('\n## Packaging (serverless package, recorder stack; median of 2 runs each, baseline 10 groups)');
  const sizes = [10, 100, 1000];
  const runs = new Map<number, number[]>(sizes.map((n) => [n, []]));
  for (let round = 0; round < 2; round++) {
    for (const n of sizes) {
      const config = join(work, `failover-${n}.yml`);
      writeFileSync(config, syntheticConfigYaml(n));
      const out = join(work, `package-${n}`);
      rmSync(out, { recursive: true, force: true });
      runs.get(n)?.push(
        timed(
          [
            'node_modules/osls/bin/serverless.js',
            'package',
            '--stage',
            'bench',
            '--region',
            'us-east-1',
            '--package',
            out,
          ],
          {
            R53F_CONFIG: config,
          },
        ),
      );
    }
  }
  const base = median(runs.get(10) ?? []);
  for (const n of sizes) {
    const out = join(work, `package-${n}`);
    const nested = readdirSync(out).filter((f) => f.startsWith('health-alarms-'));
    const largest = Math.max(
      ...nested.map((f) => Object.keys(JSON.parse(readFileSync(join(out, f), 'utf8')).Resources).length),
    );
    const rootKb = statSync(join(out, 'cloudformation-template-update-stack.json')).size / 1024;
    const t = median(runs.get(n) ?? []);
    console.log(
      `${String(n).padStart(5)} groups: ${secs(t)} (ratio ${(t / base).toFixed(2)} x 10 groups); ${nested.length} nested alarm stack(s), ` +
        `largest ${largest} alarms; root template ${rootKb.toFixed(0)} KB`,
    );
  }
};

/** An embedded ledger directory with `entries` chained entries over `groups` groups, and the config naming them. */
const embeddedLedger = async (work: string, groups: number, entries: number) => {
  const dir = join(work, `ledger-${groups}-${entries}`);
  const server = await startDynalite(dir);
  const client = localClient(server.endpoint);
  const t0 = performance.now();
  try {
    await ensureLedgerTable(client, DEFAULT_TABLE);
    const names = Array.from({ length: groups }, (_, i) => syntheticGroupName(i));
    await loadLedger(makeDocumentClient(client), DEFAULT_TABLE, entries, names);
  } finally {
    client.destroy();
    await server.stop();
  }
  console.log(`loaded ${entries} entries over ${groups} groups into ${dir} in ${secs(performance.now() - t0)}`);
  const config = join(work, `failover-${groups}.yml`);
  writeFileSync(config, syntheticConfigYaml(groups));
  return { dir, config };
};

const cli = async (work: string) => {
  const big = { groups: 1000, entries: Number(process.env.BENCH_SCALE_ENTRIES ?? 100_000) };
  const small = { groups: 10, entries: 1000 };
  console.log(
    `\n## CLI on an embedded ledger: ${big.groups} groups / ${big.entries} entries vs ${small.groups} / ${small.entries} ` +
      '(whole process, median of 3)',
  );
  const ledgers = {
    big: await embeddedLedger(work, big.groups, big.entries),
    small: await embeddedLedger(work, small.groups, small.entries),
  };
  // The entries run from 2024-01-01 (scripts/bench/audit.ts): a window that holds them all.
  const window = ['--since', '2024-01-01T00:00:00Z', '--until', '2024-02-01T00:00:00Z'];
  const commands: [string, string[]][] = [
    ['status', ['status', '--json']],
    ['stats', ['stats', '--json', ...window]],
    ['report', ['report', '--format', 'html', '--out', join(work, 'report.html'), ...window]],
  ];
  for (const [name, args] of commands) {
    const run = (l: { dir: string; config: string }) =>
      timed(['bin/r53-failover.mjs', ...args, '--ledger', l.dir, '--config', l.config]);
    const t = { big: [] as number[], small: [] as number[] };
    for (let i = 0; i < 3; i++) {
      t.small.push(run(ledgers.small));
      t.big.push(run(ledgers.big));
    }
    const [b, s] = [median(t.big), median(t.small)];
    console.log(
      `${name.padEnd(7)} ${secs(b)} at ${big.groups} groups (baseline ${secs(s)} at ${small.groups}: ratio ${(b / s).toFixed(1)} x)`,
    );
  }
};

export const scaleBench = async (): Promise<void> => {
  const work = mkdtempSync(join(tmpdir(), 'r53f-bench-scale-'));
  try {
    packaging(work);
    await cli(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};
