import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { makeDocumentClient } from '../shared/support/clients.js';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { loadPromoteEnv } from '../shared/config/env.js';
import { InvalidEventError } from '../shared/support/errors.js';
import { parseNotifyEvent } from '../shared/notify/notify-event.js';
import { DynamoDbProbeStore } from '../shared/probe/probe-store.js';
import { makeHook } from '../shared/promote/hooks/index.js';
import { onGroupEntry, onRdsEvent, tick, type PromoterDeps } from '../shared/promote/promoter.js';
import { DynamoDbPromotionStore } from '../shared/promote/promotion-store.js';
import { parseRdsEvent } from '../shared/promote/rds-events.js';
import { once } from '../shared/support/once.js';

const env = loadPromoteEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
const doc = makeDocumentClient();
// Built when a webhook hook first needs its secret: most invocations promote nothing.
const ssm = once(() => new SSMProvider());
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
const hookOpts = { secret: (name: string) => ssm().get(name, { decrypt: true, maxAge: 300 }) as Promise<string>, ...(env.AWS_LAMBDA_RUNTIME_API ? { runtimeApi: env.AWS_LAMBDA_RUNTIME_API } : {}) };

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
export interface PromoteResult {
  steps: string[];
  /** Partial batch response for the ledger stream: retried from the first failed record, keeping group order. */
  batchItemFailures?: { itemIdentifier: string }[];
}

export const promoteReplica = async (event: unknown, context: Context): Promise<PromoteResult> => {
  const deps = depsFor(context);
  const rds = parseRdsEvent(event);
  const steps: Awaited<ReturnType<typeof tick>> = [];
  const done = (extra: Partial<PromoteResult> = {}): PromoteResult => {
    const names = steps.map((s) => `${s.promotion.id} ${s.event}`);
    if (names.length) logger.info('promotion steps', { steps: names });
    return { steps: names, ...extra };
  };
  if (rds) {
    steps.push(...(await onRdsEvent(rds, deps)));
    return done();
  }
  const input = parseNotifyEvent(event);
  if (input.kind === 'sweep') {
    steps.push(...(await tick(deps)));
    return done();
  }
  if (input.kind !== 'stream') throw new InvalidEventError('promote-replica takes ledger stream records, the schedule or RDS events');
  for (const ref of input.refs) {
    try {
      const entry = await deps.ledger.get(ref.group, ref.seq);
      if (!entry) throw new InvalidEventError(`no ledger entry ${ref.group} #${ref.seq}`);
      steps.push(...(await onGroupEntry(entry, deps)));
    } catch (err) {
      logger.error('promotion reaction failed; this record and the ones after it will be retried', { group: ref.group, seq: ref.seq, error: err });
      return done({ batchItemFailures: [{ itemIdentifier: ref.sequenceNumber }] });
    }
  }
  return done({ batchItemFailures: [] });
};

export const handler = middy<unknown, PromoteResult>().handler(promoteReplica);
