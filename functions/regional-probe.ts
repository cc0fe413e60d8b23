import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { loadProbeEnv } from '../shared/config/env.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { probeEngines } from '../shared/probe/engines.js';
import { cloudWatchHeartbeat } from '../shared/probe/heartbeat.js';
import { DynamoDbProbeStore } from '../shared/probe/probe-store.js';
import { probeMetrics, probePlan, probeWhileTimeLeft } from '../shared/probe/rounds.js';
import { makeDocumentClient } from '../shared/support/clients.js';
import { emfMetrics, PROBES_NAMESPACE } from '../shared/support/metrics.js';
import { once } from '../shared/support/once.js';

const env = loadProbeEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
const metrics = probeMetrics(emfMetrics(PROBES_NAMESPACE), env.PROBE_REGION);
// The ledger and the heartbeat alarms live in the recorder's region (us-east-1); probes reach them from anywhere.
const heartbeat = cloudWatchHeartbeat(
  once(() => new CloudWatchClient({ region: env.LEDGER_REGION })),
  env.PROBE_REGION,
  logger,
);
const doc = makeDocumentClient(new DynamoDBClient({ region: env.LEDGER_REGION }));
const ledger = new DynamoDbLedgerStore(doc, env.LEDGER_TABLE);
const store = new DynamoDbProbeStore(doc, env.LEDGER_TABLE);
const runners = probeEngines({ runtimeApi: env.AWS_LAMBDA_RUNTIME_API });
const plan = probePlan(config, env.PROBE_REGION);

/** Scheduled every minute: probe rounds every interval while the invocation has time (shared/probe/rounds.ts). */
export const regionalProbe = (_event: unknown, context: Context): Promise<{ rounds: number; events: string[] }> =>
  probeWhileTimeLeft(
    {
      config,
      region: env.PROBE_REGION,
      store,
      ledger,
      runners,
      log: logger,
      now: () => new Date(),
      concurrency: env.PROBE_CONCURRENCY,
      metric: metrics.probe,
      onRound: metrics.round,
      heartbeat,
      remainingMs: () => context.getRemainingTimeInMillis(),
      roundBudgetMs: env.ROUND_BUDGET_MS,
    },
    plan,
  );

export const handler = middy<unknown, { rounds: number; events: string[] }>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(regionalProbe);
