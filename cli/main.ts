import { version } from '../package.json';
import { ConfigError, R53FailoverError, UsageError } from '../shared/support/errors.js';
import { processIo, type Io } from './context.js';

export const HELP = `r53-failover: record, audit and rehearse Route 53 failover

Usage: r53-failover <command> [options]

Commands:
  ingest PATH...   replay event files through the recorder (recorded | duplicate | ignored | rejected)
  history          list recorded transitions (--group --since --until --json)
  status           current state of each group and which member DNS serves (--json)
  badge            a group's status as shields.io endpoint JSON (--group G), as the audit API's GET /badge/{group}
  stats            failovers, time on secondary, downtime, flaps, MTTR per group (--period day|week|month, --json)
  report           audit report: timeline, statistics, episodes (--format text|html|md, --out FILE)
  export           write the ledger out: json, ndjson or csv (--group --since --until --out); --evidence G#N
  verify           check each group's hash chain (--group, --file, --digest, --json): exit 1 naming group and seq
  digest           write the head (seq, hash) of every group's chain as JSON (--out FILE), for verify --digest
  promote          database promotions: list, show ID, approve ID, reject ID, dry-run --group G
  probe            run the configured synthetic probes once (or --url URL), each assertion pass/fail
  notify           delivery state of notifications (--status), resend failed ones (--redrive), send what is due (--sweep)
  check            lint a failover setup: --change-batch FILE, --config FILE or --hosted-zone-id ID (--json)
  init             write a commented failover.yml from a live hosted zone (--hosted-zone-id ID, --out FILE, --force)
  drill            local end-to-end failover drill: apps, Route 53 health checks, DNS, the whole pipeline (what npm start runs)
  demo             replay a realistic outage through the recorder and notifier on an embedded ledger
  schema           print failover.yml's JSON Schema, for editors (# yaml-language-server: $schema=…)

Run r53-failover help <command> (or r53-failover <command> --help) for its options; r53-failover --version.
Config: --config FILE or R53F_CONFIG (default ./failover.yml).
Ledger: --ledger DIR or R53F_LEDGER_DIR (default .r53-failover/), or a deployed DynamoDB table: --table NAME or
--stage NAME (r53-failover-NAME-ledger), in --region (default us-east-1, where the stack lives; not AWS_REGION),
with credentials from --profile NAME (or AWS_PROFILE) or the SDK's default chain.`;

type Command = (args: string[], io: Io) => Promise<number>;
/** Each command's module is loaded when it runs: `ingest` does not pay for the SDK clients `probe` or `check` use. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  ingest: async () => (await import('./commands/ingest.js')).ingest,
  history: async () => (await import('./commands/history.js')).history,
  status: async () => (await import('./commands/status.js')).status,
  badge: async () => (await import('./commands/badge.js')).badge,
  stats: async () => (await import('./commands/stats.js')).stats,
  report: async () => (await import('./commands/report.js')).report,
  notify: async () => (await import('./commands/notify.js')).notify,
  probe: async () => (await import('./commands/probe.js')).probe,
  promote: async () => (await import('./commands/promote.js')).promote,
  check: async () => (await import('./commands/check.js')).check,
  init: async () => (await import('./commands/init.js')).init,
  demo: async () => (await import('./commands/demo.js')).demo,
  drill: async () => (await import('./commands/drill.js')).drill,
  export: async () => (await import('./commands/export.js')).exportCommand,
  verify: async () => (await import('./commands/verify.js')).verify,
  digest: async () => (await import('./commands/digest.js')).digest,
  schema: async () => (await import('./commands/schema.js')).schema,
};

/** Runs the CLI and returns the exit status: 0 ok, 1 rejected input or failure, 2 usage or config error. */
export const run = async (argv: string[], io: Io = processIo()): Promise<number> => {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.out(version);
    return 0;
  }
  // `help <command>` is `<command> --help`: each command keeps its one help text.
  if (command === 'help' && rest.length > 0) {
    const [name = '', ...extra] = rest;
    if (Object.hasOwn(COMMANDS, name) && extra.length === 0) return run([name, '--help'], io);
    io.err(
      `r53-failover help: ${extra.length ? 'expected one command name' : `unknown command ${JSON.stringify(name)}`}\n\n${HELP}`,
    );
    return 2;
  }
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP);
    return command ? 0 : 2;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    io.err(`r53-failover: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.err(`r53-failover ${command}: ${err.message}`);
      return 2;
    }
    // One line, `r53-failover <cmd>: <what> failed: <cause>`, exit 1: never a stack trace unless R53F_DEBUG asks.
    const debug = Boolean(io.env.R53F_DEBUG);
    if (err instanceof R53FailoverError) {
      // A zod cause's message is its issues as JSON, which the error's own message already words.
      const cause = err.cause instanceof Error && !('issues' in err.cause) ? `: ${causeOf(err.cause)}` : '';
      io.err(`r53-failover ${command}: ${err.message}${cause}`);
    } else {
      io.err(
        `r53-failover ${command}: ${command} failed: ${causeOf(err)}${debug ? '' : ' (R53F_DEBUG=1 shows the trace)'}`,
      );
    }
    if (debug && err instanceof Error && err.stack) io.err(err.stack);
    return 1;
  }
};

/** What went wrong, in one line: an AWS error's name and message, a network error's code, never a stack. */
const causeOf = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  const first = (err.message || err.name).split('\n')[0] ?? '';
  const code = (err as { code?: unknown }).code;
  const name = err.name && err.name !== 'Error' && !first.includes(err.name) ? `${err.name}: ` : '';
  return `${name}${first}${typeof code === 'string' && !first.includes(code) ? ` (${code})` : ''}`;
};
