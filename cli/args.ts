import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../shared/support/errors.js';

/** Flags every command takes: where the config and the ledger are, and the output format. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  ledger: { type: 'string' },
  table: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export const FILTER_OPTIONS = {
  group: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** `node:util` parseArgs, with its errors turned into a UsageError that names the command. */
export const parseFlags = <O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: O,
  allowPositionals = false,
) => {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(
      `${command}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`,
      { cause: err },
    );
  }
};

const DURATION_RE = /^(\d+)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/** `--since 2025-06-12`, `--since 2025-06-12T14:00:00Z` or `--since 24h` (that long before `now`) → ISO 8601 UTC. */
export const parseTimeFlag = (flag: string, value: string | undefined, now: Date): string | undefined => {
  if (value === undefined) return undefined;
  const d = DURATION_RE.exec(value);
  if (d) return new Date(now.getTime() - Number(d[1]) * (UNIT_MS[d[2] as string] as number)).toISOString();
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      `--${flag}: expected an ISO 8601 time (2025-06-12T14:00:00Z) or a duration like 30m, 24h, 7d; got ${JSON.stringify(value)}`,
    );
  return new Date(ms).toISOString();
};
