import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { run } from '../../cli/main.js';
import type { Io } from '../../cli/context.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * The CLI in process with captured output: `cliIn({ now, env })(cwd, ...argv)`. The ledger and config are real
 * (embedded dynalite on disk, failover.yml in `cwd`).
 */
export const cliIn =
  (opts: { env?: Record<string, string | undefined>; now?: () => Date } = {}) =>
  async (cwd: string, ...argv: string[]): Promise<CliResult> => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: opts.env ?? {},
      cwd,
      now: opts.now ?? (() => new Date()),
    };
    const code = await run(argv, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

const BIN = resolve('bin/r53-failover.mjs');

/**
 * The real binary in its own process, as an operator's shell runs it: `cwd`, and only `env` (plus PATH, and the
 * SDK's Node-version notice off), so nothing of the test runner's environment leaks in.
 */
export const runBin = (args: string[], opts: { cwd: string; env?: Record<string, string> }) =>
  new Promise<{ code: number | null; out: string; err: string }>((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...opts.env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, out, err }));
  });
