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
