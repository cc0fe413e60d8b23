import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { loadPromoteEnv } from '../shared/config/env.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { DynamoDbProbeStore } from '../shared/probe/probe-store.js';
import { regionalHookClients } from '../shared/promote/hooks/clients.js';
import { makeHook } from '../shared/promote/hooks/index.js';
import { DynamoDbPromotionStore } from '../shared/promote/promotion-store.js';
import { promoteOnTrigger, type PromoteResult } from '../shared/promote/trigger.js';
import { makeDocumentClient } from '../shared/support/clients.js';
import { emfMetrics, NAMESPACE } from '../shared/support/metrics.js';
import { once } from '../shared/support/once.js';

const env = loadPromoteEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
const doc = makeDocumentClient();
// Built when a webhook hook first needs its secret: most invocations promote nothing.
const ssm = once(() => new SSMProvider());
const clients = regionalHookClients();
const metrics = emfMetrics(NAMESPACE);
const hookOpts = {
  secret: (name: string) => ssm().get(name, { decrypt: true, maxAge: 300 }) as Promise<string>,
  ...(env.AWS_LAMBDA_RUNTIME_API ? { runtimeApi: env.AWS_LAMBDA_RUNTIME_API } : {}),
};
/** Kept back from the remaining time: a hook call cut short is still recorded as an attempt before the timeout. */
const SAFETY_MS = 5_000;

/** Ledger stream records, the every-minute schedule or RDS events → promotion steps (shared/promote/trigger.ts). */
export const promoteReplica = (event: unknown, context: Context): Promise<PromoteResult> =>
  promoteOnTrigger(event, {
    config,
    log: logger,
    metrics,
    // Per invocation: the ledger store caches group heads, and guardrails must judge the group as it is now.
    ledger: new DynamoDbLedgerStore(doc, env.LEDGER_TABLE),
    store: new DynamoDbPromotionStore(doc, env.LEDGER_TABLE),
    probes: new DynamoDbProbeStore(doc, env.LEDGER_TABLE),
    // Mode auto's corroboration: HealthCheckStatus (us-east-1) or a target-health primary's HealthyHostCount (its region).
    cloudwatch: (region) => clients.cloudwatch(region),
    budgetMs: () => (context.getRemainingTimeInMillis?.() ?? 30_000) - SAFETY_MS,
    hookFor: (_group, _i, hook) => makeHook(hook, clients, hookOpts),
    now: () => new Date(),
    owner: context.awsRequestId ?? randomUUID(),
  });

export const handler = middy<unknown, PromoteResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(promoteReplica);
