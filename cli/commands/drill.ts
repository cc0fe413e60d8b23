import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as z from 'zod/mini';
import { runDrill, SPEED_NAMES, type DrillResult } from '../../local/drill/drill.js';
import { SCENARIO_NAMES } from '../../local/drill/scenarios.js';
import { UsageError } from '../../shared/support/errors.js';
import { parseFlags } from '../args.js';
import type { Io } from '../context.js';

export const DRILL_HELP = `r53-failover drill [--scenario all|${SCENARIO_NAMES.join('|')}] [--speed fast|normal] [--json] [--keep DIR]

A local end-to-end failover drill, no AWS account: two regional apps with their databases on 127.0.0.1, a Route 53
health checker (8 locations, failure threshold, the 18 % rule, Route 53's timeouts), or load balancers that
health-check their targets as ELB does, the CloudWatch alarms on them, a real DNS server answering the failover record
as Route 53 would, and the real pipeline on an embedded ledger: recorder, Slack and webhook notifications (local
receivers), probes from 3 regions with quorum and DNS observation, and a webhook promotion hook that an "operator"
approves. Time is simulated (10 s per step), so it is fast and deterministic. docs/drill.md explains it.

Scenarios (default: all, in this order):
  primary-down   the primary region goes dark: DNS flips, FAILED_OVER, PROBE_DOWN, promotion approved and run
  broken-200     the primary database dies but GET / answers 200: Route 53 sees nothing, probes do (HEALTH_DISAGREEMENT)
  both-down      both regions go dark: BOTH_UNHEALTHY, DNS answers the primary, promotion skipped
  flapping       the primary app crash-loops: one FLAPPING message, then one summary
  failback       recovery after a promotion: RECOVERED, FAILBACK_READY, the operator's switchover, DNS on the primary
  target-health  alias records to load balancers (Evaluate Target Health, no health check): the primary's targets die,
                 DNS flips, the forwarded HealthyHostCount alarm records FAILED_OVER, the DNS observation agrees
  detached-check the primary's health check fails but its record does not reference it: DNS never moves,
                 FAILED_OVER from the alarm, then SERVING_MISMATCH (servingMismatchSeconds 120 s in the drill)

Options:
  --scenario NAME   one scenario, or all (default)
  --speed normal    Route 53's standard 30 s request interval (default); fast: its 10 s interval (a few seconds per scenario)
  --json            one JSON document: per scenario the ledger events in order, DNS answers over time, notifications
                    received, promotion calls, test writes and the drill's checks (progress goes to stderr)
  --keep DIR        keep failover.yml, the ledger and the report in DIR (new or empty), to inspect afterwards with
                    r53-failover history|status|report --config DIR/failover.yml --ledger DIR/ledger

Exit status: 0 when every scenario behaved as expected, 1 when one did not, 2 on a usage error.`;

const DrillFlagsSchema = z.object({
  scenario: z.enum(['all', ...SCENARIO_NAMES], {
    error: (i) => `--scenario: expected all or one of ${SCENARIO_NAMES.join(', ')}, got ${JSON.stringify(i.input)}`,
  }),
  speed: z.enum(SPEED_NAMES, { error: (i) => `--speed: expected normal or fast, got ${JSON.stringify(i.input)}` }),
  json: z.boolean(),
  keep: z.optional(z.string().check(z.minLength(1, { error: '--keep: expected a directory' }))),
  help: z.boolean(),
});

/** The --keep directory, or a fresh temporary one (the report stays there; the ledger is removed). */
const workDirFor = (keep: string | undefined, cwd: string): string => {
  if (!keep) return mkdtempSync(join(tmpdir(), 'r53-failover-drill-'));
  const dir = resolve(cwd, keep);
  if (existsSync(join(dir, 'ledger')))
    throw new UsageError(`drill: --keep ${keep} already holds a drill ledger; choose a new or empty directory`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const jsonSummary = (r: DrillResult) => ({
  drill: {
    speed: r.speed,
    simulatedStart: r.simulatedStart,
    config: r.configPath,
    ...(r.ledgerDir ? { ledger: r.ledgerDir } : {}),
    report: r.reportPath,
  },
  passed: r.passed,
  scenarios: r.scenarios,
});

export const drill = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('drill', args, {
    scenario: { type: 'string', default: 'all' },
    speed: { type: 'string', default: 'normal' },
    json: { type: 'boolean', default: false },
    keep: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(DRILL_HELP);
    return 0;
  }
  const parsed = z.safeParse(DrillFlagsSchema, values, { reportInput: true });
  // Each issue's message names its flag (--scenario, --speed), as the other commands' usage errors do.
  if (!parsed.success)
    throw new UsageError(`drill: ${parsed.error.issues.map((i) => i.message).join('; ')}`, { cause: parsed.error });
  const flags = parsed.data;
  const workDir = workDirFor(flags.keep, io.cwd);
  const result = await runDrill({
    scenarios: flags.scenario === 'all' ? SCENARIO_NAMES : [flags.scenario],
    speed: flags.speed,
    workDir,
    keepLedger: Boolean(flags.keep),
    // With --json, stdout carries one document only.
    progress: flags.json ? io.err : io.out,
    now: io.now,
  });
  if (flags.json) {
    io.out(JSON.stringify(jsonSummary(result), null, 2));
    return result.passed ? 0 : 1;
  }
  io.out('\n── the audit report of the drill (r53-failover report) ──\n');
  io.out(result.reportText);
  io.out(`HTML report: ${result.reportPath}`);
  if (result.ledgerDir)
    io.out(
      `Inspect the ledger: npx r53-failover history --order asc --config ${result.configPath} --ledger ${result.ledgerDir}`,
    );
  const passed = result.scenarios.filter((s) => s.passed).length;
  io.out(
    `\nDrill ${result.passed ? 'passed' : 'FAILED'}: ${passed} of ${result.scenarios.length} scenario(s) behaved as expected.`,
  );
  for (const s of result.scenarios)
    io.out(
      `  ${s.passed ? '✔' : '✘'} ${s.scenario.padEnd(Math.max(...SCENARIO_NAMES.map((n) => n.length)))}  ${s.checks.filter((c) => c.ok).length}/${s.checks.length} checks  ${s.title}`,
    );
  return result.passed ? 0 : 1;
};
