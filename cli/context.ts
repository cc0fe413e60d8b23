import { relative } from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../shared/config/file.js';
import { openLedger, type OpenedLedger } from '../local/embedded-ledger.js';
import type { Log } from '../shared/support/logger.js';
import type { RecorderDeps } from '../shared/record/recorder.js';
import type { NotificationReport } from '../shared/notify/notifier.js';
import { ledgerOptions, type LedgerFlags } from './args.js';
import { indexHealthChecks, indexTargetGroups } from '../shared/config/lookups.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  now: () => Date;
  /** Set when stderr is a terminal: raw writes (no newline added) for a progress bar redrawn in place. */
  errTty?: { columns: number; write: (text: string) => void };
}

export const processIo = (): Io => ({
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
  ...(process.stderr.isTTY
    ? { errTty: { columns: process.stderr.columns || 80, write: (t: string) => void process.stderr.write(t) } }
    : {}),
});

/** CLI log: warnings and errors to stderr as one readable line; info/debug only with R53F_DEBUG. */
export const cliLog = (io: Io): Log => {
  const line = (level: string, message: string, extra: Record<string, unknown>[]) => {
    const fields = Object.assign({}, ...extra) as Record<string, unknown>;
    const details = Object.entries(fields)
      .filter(([k]) => k !== 'correlationId')
      .map(([k, v]) => `${k}=${v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    io.err(`${level}: ${message}${details ? ` (${details})` : ''}`);
  };
  const debug = Boolean(io.env.R53F_DEBUG);
  return {
    debug: (m, ...e) => debug && line('debug', m, e),
    info: (m, ...e) => debug && line('info', m, e),
    warn: (m, ...e) => line('warning', m, e),
    error: (m, ...e) => line('error', m, e),
  };
};

export interface CommandContext {
  loaded: LoadedConfig;
  ledger: OpenedLedger;
  deps: RecorderDeps;
}

/** Opens the ledger the flags name: `--ledger`, `--table` or `--stage` (with `--region`, `--profile`), or the env's. */
export const openCliLedger = (io: Io, flags: LedgerFlags): Promise<OpenedLedger> =>
  openLedger({ ...ledgerOptions(flags), env: io.env, cwd: io.cwd });

/** Loads the config (`--config` / `R53F_CONFIG` / ./failover.yml) and opens the ledger, then runs `fn` and closes it. */
export const withContext = async <T>(
  io: Io,
  flags: { config?: string } & LedgerFlags,
  fn: (ctx: CommandContext) => Promise<T>,
): Promise<T> => {
  const loaded = loadConfigFile(flags.config ?? io.env.R53F_CONFIG, io.cwd);
  const ledger = await openCliLedger(io, flags);
  // Said once per run, and only by a command that records alarms.
  let accountNoted = false;
  try {
    return await fn({
      loaded,
      ledger,
      deps: {
        ledger: ledger.store,
        placements: indexHealthChecks(loaded.config),
        targetGroups: indexTargetGroups(loaded.config),
        log: cliLog(io),
        now: io.now,
        accountId: loaded.config.accountId,
        accountUnchecked: () => {
          if (accountNoted) return;
          accountNoted = true;
          io.err(
            `note: cannot check the account of alarms: ${loaded.path ? `${relative(io.cwd, loaded.path) || loaded.path} has` : 'there is'} no accountId (set accountId: "<12 digits>" at the top of failover.yml to ignore other accounts' alarms)`,
          );
        },
      },
    });
  } finally {
    await ledger.close();
  }
};

/** Where a notification went, one `channel: status (reason)` per channel, comma-separated (notify, probe). */
export const deliveredTo = (n: Pick<NotificationReport, 'channels'>): string =>
  n.channels.map((c) => `${c.channel}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ');
