import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildReport, type Report } from '../../shared/audit/report.js';
import { parseConfig } from '../../shared/config/schema.js';
import { openLedger } from '../embedded-ledger.js';
import { startDnsServer } from '../dns-server.js';
import { startReceiver } from '../receiver.js';
import type { Log } from '../../shared/support/logger.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { startPipeline, PROBE_REGIONS } from './pipeline.js';
import { SCENARIOS, type ScenarioName, type ScenarioResult, type ScenarioSpec } from './scenarios.js';
import { DRILL_ZONE, ELB_ZONE, startWorld, type World } from './world.js';
import {
  drillStart,
  FAILURE_THRESHOLD,
  HOOK_SECRET,
  type Infra,
  iso,
  NOTIFY_SECRET,
  runScenario,
  STEP_SECONDS,
} from './run.js';
import { renderHtml, renderText } from '../../shared/audit/report-render.js';

/**
 * The local failover drill: each scenario's world (apps, databases, Route 53 health checks, alarms, DNS) runs against
 * the real pipeline on an embedded ledger, on a simulated clock advanced 10 s per step; HTTP and DNS traffic is real.
 */

/** `normal`: Route 53's standard 30-second request interval; `fast`: its 10-second one (shorter scenarios, for CI). */
export const SPEED_NAMES = ['normal', 'fast'] as const;
export type DrillSpeed = (typeof SPEED_NAMES)[number];
const SPEEDS: Record<DrillSpeed, { requestIntervalSeconds: number }> = {
  normal: { requestIntervalSeconds: 30 },
  fast: { requestIntervalSeconds: 10 },
};

export interface DrillOptions {
  scenarios: readonly ScenarioName[];
  speed: DrillSpeed;
  /** Holds failover.yml, the ledger and the HTML report. */
  workDir: string;
  /** Keep the ledger directory (otherwise it is removed; the config and the report stay). */
  keepLedger: boolean;
  /** One line per notable step, as it happens. */
  progress: (line: string) => void;
  /** Real time, for the report's "generated" line. */
  now?: () => Date;
}

export interface DrillResult {
  speed: DrillSpeed;
  simulatedStart: string;
  configPath: string;
  ledgerDir?: string;
  reportPath: string;
  reportText: string;
  scenarios: ScenarioResult[];
  passed: boolean;
}

/** The config file's word on the groups whose `servingMismatchSeconds` the drill lowers. */
const mismatchNote = (specs: readonly ScenarioSpec[]): string => {
  const lowered = specs.filter((s) => s.servingMismatchSeconds);
  return lowered
    .map(
      (s) =>
        `# drill-${s.name}: probeSettings.servingMismatchSeconds ${s.servingMismatchSeconds} s (default 600 s), so the drill need not wait 10 minutes for SERVING_MISMATCH\n`,
    )
    .join('');
};

export const runDrill = async (o: DrillOptions): Promise<DrillResult> => {
  const progress = o.progress;
  const log: Log = {
    debug() {},
    info() {},
    warn() {},
    error: (m, ...extra) =>
      progress(
        `  error: ${m} ${JSON.stringify(Object.assign({}, ...extra), (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
      ),
  };
  const cleanup: (() => Promise<void>)[] = [];
  const realNow = o.now ?? (() => new Date());
  const startMs = drillStart(realNow());
  try {
    const slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
    cleanup.push(() => slack.close());
    const webhook = await startReceiver(() => ({ status: 204 }));
    cleanup.push(() => webhook.close());
    const dns = await startDnsServer(DRILL_ZONE);
    cleanup.push(() => dns.close());
    // The load balancers' names are not in the hosted zone: their own name server answers them (target-health).
    const elbDns = await startDnsServer(ELB_ZONE);
    cleanup.push(() => elbDns.close());
    const runs: { spec: ScenarioSpec; world: World }[] = [];
    for (const name of o.scenarios) {
      const spec = SCENARIOS[name];
      const world = await startWorld({
        scenario: name,
        group: `drill-${name}`,
        setup: spec.setup,
        checkPath: spec.checkPath,
        requestIntervalSeconds: SPEEDS[o.speed].requestIntervalSeconds,
        failureThreshold: FAILURE_THRESHOLD,
        startMs,
        hookSecret: HOOK_SECRET,
        elbDns,
        ...(spec.servingMismatchSeconds
          ? { probeSettings: { servingMismatchSeconds: spec.servingMismatchSeconds } }
          : {}),
        ...(spec.promotion === false ? { promotion: false } : {}),
      });
      cleanup.push(() => world.close());
      runs.push({ spec, world });
    }
    const worlds = runs.map((r) => r.world);
    const raw = {
      version: 1,
      groups: Object.fromEntries(worlds.map((w) => [w.group, w.groupConfig()])),
      notify: {
        slack: { webhookUrl: `${slack.url}/services/T000/B000/DRILL`, allowPrivateTargets: true },
        webhooks: [
          { name: 'ops', url: `${webhook.url}/r53-failover`, secret: NOTIFY_SECRET, allowPrivateTargets: true },
        ],
      },
      probes: {
        regions: [...PROBE_REGIONS],
        quorum: { required: 2, consecutive: 3 },
        intervalSeconds: STEP_SECONDS,
        disagreementSeconds: 300,
        allowPrivateTargets: true,
        dnsResolvers: [dns.address],
      },
    };
    const config = parseConfig(raw, 'drill config');
    const configPath = join(o.workDir, 'failover.yml');
    writeFileSync(
      configPath,
      `# r53-failover drill: local apps, receivers and DNS on 127.0.0.1 (they stop when the drill ends)\n${mismatchNote(runs.map((r) => r.spec))}${stringify(raw)}`,
    );
    const ledgerDir = join(o.workDir, 'ledger');
    const ledger = await openLedger({ ledgerDir, env: {} });
    cleanup.push(async () => {
      await ledger.close();
      if (!o.keepLedger) rmSync(ledgerDir, { recursive: true, force: true });
    });
    const clock = { ms: startMs };
    const now = () => new Date(clock.ms);
    const pipeline = startPipeline({
      config,
      ledger,
      log,
      now,
      failbackCommand: (g) => worlds.find((w) => w.group === g)?.failbackCommand(),
    });
    const x: Infra = { dns, slack, webhook, pipeline, ledger, clock, startMs, progress };
    progress(
      `r53-failover drill: ${worlds.length} scenario(s), ${o.speed} speed (simulated clock, 10 s per step; real HTTP and DNS on 127.0.0.1)`,
    );
    progress(
      `config ${configPath}; embedded ledger ${ledgerDir}${o.keepLedger ? '' : ' (removed at the end: --keep DIR keeps it)'}`,
    );
    progress(
      `Slack receiver ${slack.url}, webhook receiver ${webhook.url}, DNS server ${dns.address} (zone ${DRILL_ZONE})${worlds.some((w) => w.setup === 'target-health') ? `, load balancer names on ${elbDns.address} (zone ${ELB_ZONE})` : ''}`,
    );
    const results: ScenarioResult[] = [];
    for (const [i, { spec, world }] of runs.entries())
      results.push(await runScenario(x, spec, world, `${i + 1}/${runs.length}`));
    // One report, each group's part ending where its scenario ended (they all start at startMs).
    const deliveries = new DynamoDbDeliveryStore(ledger.doc, ledger.store.tableName);
    const generatedAt = realNow().toISOString();
    const parts = await Promise.all(
      results.map((r) =>
        buildReport(ledger.store, deliveries, config, {
          group: r.group,
          since: r.startedAt,
          until: r.endedAt,
          generatedAt,
        }),
      ),
    );
    const built: Report = {
      since: iso(startMs),
      until:
        results
          .map((r) => r.endedAt)
          .sort()
          .at(-1) ?? iso(startMs),
      generatedAt,
      groups: parts.flatMap((p) => p.groups),
    };
    const reportPath = join(o.workDir, 'drill-report.html');
    writeFileSync(reportPath, renderHtml(built));
    return {
      speed: o.speed,
      simulatedStart: iso(startMs),
      configPath,
      ...(o.keepLedger ? { ledgerDir } : {}),
      reportPath,
      reportText: renderText(built),
      scenarios: results,
      passed: results.every((r) => r.passed),
    };
  } finally {
    for (const fn of cleanup.reverse()) await fn();
  }
};
