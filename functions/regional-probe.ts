import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { makeDocumentClient } from '../shared/support/clients.js';
import { probeSettingsFor } from '../shared/config/schema.js';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { loadProbeEnv } from '../shared/config/env.js';
import { probeEngines } from '../shared/probe/engines.js';
import { DynamoDbProbeStore } from '../shared/probe/probe-store.js';
import { runProbeRound, type RoundReport } from '../shared/probe/runner.js';

const env = loadProbeEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
const metrics = new Metrics({ namespace: 'R53Failover/Probes', serviceName: 'r53-failover' });
// The ledger lives in the recorder's region (us-east-1); probes write to it from wherever they run.
const doc = makeDocumentClient(new DynamoDBClient({ region: env.LEDGER_REGION }));
const ledger = new DynamoDbLedgerStore(doc, env.LEDGER_TABLE);
const store = new DynamoDbProbeStore(doc, env.LEDGER_TABLE);
const engines = probeEngines({ runtimeApi: env.AWS_LAMBDA_RUNTIME_API });
const groups = Object.keys(config.groups).filter((g) => probeSettingsFor(config, g).regions.includes(env.PROBE_REGION));
/** Seconds between rounds: the shortest interval any probed group asks for (default 10 s). */
const intervalMs = Math.min(...groups.map((g) => probeSettingsFor(config, g).intervalSeconds), 60) * 1000;

/** One EMF document per metric: a single-metric logger flushes on addMetric and then drops its dimensions. */
const put = (dimensions: Record<string, string>, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, probe?: string) => {
  const single = metrics.singleMetric();
  single.addDimensions(dimensions);
  if (probe) single.addMetadata('probe', probe);
  single.addMetric(name, unit, value);
};

const emit = (m: { group: string; member: string; probe: string; ok: boolean; latencyMs: number }) => {
  const dims = { Group: m.group, Member: m.member, ProbeRegion: env.PROBE_REGION };
  put(dims, 'ProbeSuccess', MetricUnit.Count, m.ok ? 1 : 0, m.probe);
  put(dims, 'ProbeLatency', MetricUnit.Milliseconds, m.latencyMs, m.probe);
};

/**
 * Scheduled every minute; runs a round every `intervalSeconds` within the invocation so detection is sub-minute,
 * stopping while there is still time for a whole round (probe timeouts are bounded, so is a round).
 */
export const regionalProbe = async (_event: unknown, context: Context): Promise<{ rounds: number; events: string[] }> => {
  const events: string[] = [];
  let rounds = 0;
  const roundBudgetMs = env.ROUND_BUDGET_MS;
  for (;;) {
    const started = Date.now();
    const report: RoundReport = await runProbeRound({ config, region: env.PROBE_REGION, store, ledger, runners: engines, log: logger, now: () => new Date(), metric: emit, concurrency: env.PROBE_CONCURRENCY }, groups);
    rounds++;
    events.push(...report.events.map((e) => `${e.group}#${e.seq} ${e.event} ${e.role}`));
    for (const d of report.dns) {
      if (d.convergenceSeconds === undefined) continue;
      const dims = { Group: d.group, ProbeRegion: env.PROBE_REGION };
      put(dims, 'DnsConvergence', MetricUnit.Seconds, d.convergenceSeconds);
      put(dims, 'DnsFailback', MetricUnit.Count, d.failback ? 1 : 0);
    }
    const failing = report.members.filter((m) => !m.ok).map((m) => `${m.group}/${m.member}`);
    if (failing.length) logger.warn('probe round found failures', { round: rounds, failing });
    const wait = Math.max(0, intervalMs - (Date.now() - started));
    if (context.getRemainingTimeInMillis() < wait + roundBudgetMs) break;
    await new Promise((r) => setTimeout(r, wait));
  }
  return { rounds, events };
};

export const handler = middy<unknown, { rounds: number; events: string[] }>().handler(regionalProbe);
