import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../shared/support/errors.js';
import { stageTable, type OpenLedgerOptions } from '../local/embedded-ledger.js';
import { AWS_REGION_RE } from '../shared/config/fields.js';

/** Flags every command takes: where the config and the ledger are, and the output format. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  ledger: { type: 'string' },
  table: { type: 'string' },
  stage: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
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
  _command: string,
  args: string[],
  options: O,
  allowPositionals = false,
) => {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    // main prints `r53-failover <command>: ` before the message: the command is named once.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), {
      cause: err,
    });
  }
};

/** As `serverless deploy --stage` accepts them (osls lib/utils/stage-pattern.js). */
const STAGE_RE = /^[A-Za-z0-9-]+$/;

export interface LedgerFlags {
  ledger?: string;
  table?: string;
  stage?: string;
  region?: string;
  profile?: string;
}

/**
 * The ledger flags as `openLedger` takes them. `--stage NAME` stands for `--table r53-failover-NAME-ledger`, so
 * giving both is a usage error rather than a silent precedence; either one beats `R53F_TABLE`.
 */
export const ledgerOptions = (flags: LedgerFlags): Omit<OpenLedgerOptions, 'env' | 'cwd'> => {
  const { ledger, table, stage, region, profile } = flags;
  if (stage !== undefined && table !== undefined)
    throw new UsageError(
      `--stage ${stage} and --table ${table} both name the ledger table; give one (--stage ${stage} means --table ${stageTable(stage)})`,
    );
  if (stage !== undefined && !STAGE_RE.test(stage))
    throw new UsageError(
      `--stage: expected a stage name (ASCII letters, digits and hyphens, as serverless deploy --stage takes), got ${JSON.stringify(stage)}`,
    );
  if (region !== undefined && !AWS_REGION_RE.test(region))
    throw new UsageError(`--region: expected an AWS region like us-east-1, got ${JSON.stringify(region)}`);
  if (profile === '') throw new UsageError('--profile: expected a profile name, got ""');
  return { ledgerDir: ledger, table: stage === undefined ? table : stageTable(stage), region, profile };
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
