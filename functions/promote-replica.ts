import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { makeDocumentClient } from '../shared/clients.js';
import { loadDeployedConfig } from '../shared/deployed-config.js';
import { DynamoDbLedgerStore } from '../shared/dynamodb-ledger-store.js';
import { loadPromoteEnv } from '../shared/env.js';
import { InvalidEventError } from '../shared/errors.js';
import { parseNotifyEvent } from '../shared/notify/notify-event.js';
import { DynamoDbProbeStore } from '../shared/probe/probe-store.js';
import { makeHook } from '../shared/promote/hooks.js';
import { onGroupEntry, onRdsEvent, tick, type PromoterDeps } from '../shared/promote/promoter.js';
import { DynamoDbPromotionStore } from '../shared/promote/promotion-store.js';
import { parseRdsEvent } from '../shared/promote/rds-events.js';

const env = loadPromoteEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
const doc = makeDocumentClient();
const ssm = new SSMProvider();
/** One client per region: RDS calls go to the healthy target region's endpoint, never the impaired one. */
const perRegion = <T>(make: (region: string) => T) => {
  const cache = new Map<string, T>();
  return (region: string) => cache.get(region) ?? (cache.set(region, make(region)), cache.get(region) as T);
};
const clients = {
  rds: perRegion((region) => new RDSClient({ region })),
  lambda: perRegion((region) => new LambdaClient({ region })),
  cloudwatch: perRegion((region) => new CloudWatchClient({ region })),
};
const hookOpts = { secret: (name: string) => ssm.get(name, { decrypt: true, maxAge: 300 }) as Promise<string>, ...(env.AWS_LAMBDA_RUNTIME_API ? { runtimeApi: env.AWS_LAMBDA_RUNTIME_API } : {}) };

const depsFor = (context: Context): PromoterDeps => ({
  config,
  ledger: new DynamoDbLedgerStore(doc, env.LEDGER_TABLE),
  store: new DynamoDbPromotionStore(doc, env.LEDGER_TABLE),
  probes: new DynamoDbProbeStore(doc, env.LEDGER_TABLE),
  hookFor: (_group, _i, hook) => makeHook(hook, clients, hookOpts),
  log: logger,
  now: () => new Date(),
  owner: context.awsRequestId ?? randomUUID(),
});

/**
 * Ledger stream (FAILED_OVER / BOTH_UNHEALTHY / RECOVERED entries), the every-minute schedule (hold-down expiry,
 * approvals, completion checks: no Lambda waits in a loop), and RDS events (global failover/switchover, replica
 * promotion) that confirm completion. Never calls the Route 53 control plane.
 */
export const promoteReplica = async (event: unknown, context: Context): Promise<{ steps: string[] }> => {
  const deps = depsFor(context);
  const rds = parseRdsEvent(event);
  let steps;
  if (rds) steps = await onRdsEvent(rds, deps);
  else {
    const input = parseNotifyEvent(event);
    if (input.kind === 'sweep') steps = await tick(deps);
    else if (input.kind === 'stream') {
      steps = [];
      for (const ref of input.refs) {
        const entry = await deps.ledger.get(ref.group, ref.seq);
        if (!entry) throw new InvalidEventError(`no ledger entry ${ref.group} #${ref.seq}`);
        steps.push(...(await onGroupEntry(entry, deps)));
      }
    } else throw new InvalidEventError('promote-replica takes ledger stream records, the schedule or RDS events');
  }
  const names = steps.map((s) => `${s.promotion.id} ${s.event}`);
  if (names.length) logger.info('promotion steps', { steps: names });
  return { steps: names };
};

export const handler = middy<unknown, { steps: string[] }>().handler(promoteReplica);
