import { randomUUID } from 'node:crypto';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import type { FailoverConfig } from '../shared/config.js';
import type { OpenedLedger } from '../shared/embedded-ledger.js';
import type { Log } from '../shared/logger.js';
import { DynamoDbProbeStore } from '../shared/probe/probe-store.js';
import { makeHook, type HookClients } from '../shared/promote/hooks.js';
import type { PromoterDeps } from '../shared/promote/promoter.js';
import { DynamoDbPromotionStore } from '../shared/promote/promotion-store.js';

/** SDK clients per region with the caller's usual credentials (RDS calls go to the target region's endpoint). */
const sdkClients = (): HookClients => {
  const cache = new Map<string, unknown>();
  const per = <T>(kind: string, make: (region: string) => T) => (region: string): T => {
    const key = `${kind}:${region}`;
    if (!cache.has(key)) cache.set(key, make(region));
    return cache.get(key) as T;
  };
  return {
    rds: per('rds', (region) => new RDSClient({ region })),
    lambda: per('lambda', (region) => new LambdaClient({ region })),
    cloudwatch: per('cw', (region) => new CloudWatchClient({ region })),
  };
};

/** The promoter as the CLI runs it, on the CLI's ledger; hooks call AWS with the caller's credentials. */
export const cliPromoter = (config: FailoverConfig, ledger: OpenedLedger, log: Log, now: () => Date = () => new Date(), clients: HookClients = sdkClients()): PromoterDeps => {
  let ssm: SSMProvider | undefined;
  return {
    config,
    ledger: ledger.store,
    store: new DynamoDbPromotionStore(ledger.doc, ledger.store.tableName),
    probes: new DynamoDbProbeStore(ledger.doc, ledger.store.tableName),
    hookFor: (_group, _i, hook) => makeHook(hook, clients, { secret: (name) => (ssm ??= new SSMProvider()).get(name, { decrypt: true, maxAge: 300 }) as Promise<string> }),
    log,
    now,
    owner: `cli-${process.pid}-${randomUUID().slice(0, 8)}`,
  };
};
