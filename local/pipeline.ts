import { randomUUID } from 'node:crypto';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import type { FailoverConfig } from '../shared/config/schema.js';
import type { OpenedLedger } from './embedded-ledger.js';
import type { Log } from '../shared/support/logger.js';
import { buildChannels } from '../shared/notify/channels/index.js';
import { DynamoDbDeliveryStore } from '../shared/notify/delivery-store.js';
import type { NotifierDeps } from '../shared/notify/notifier.js';
import { DynamoDbProbeStore } from '../shared/probe/probe-store.js';
import { makeHook } from '../shared/promote/hooks/index.js';
import { regionalHookClients } from '../shared/promote/hooks/clients.js';
import type { HookClients, HookExecutor } from '../shared/promote/hooks/types.js';
import type { PromoterDeps, PromoterOutput } from '../shared/promote/promoter.js';
import { DynamoDbPromotionStore, type PromotionStore } from '../shared/promote/promotion-store.js';
import type { GroupEventPublisher } from '../shared/ledger/publisher.js';
import type { LedgerEntry, PromotionStatus } from '../shared/ledger/store.js';
import { R53FailoverError } from '../shared/support/errors.js';
import { onGroupEntry, tick } from '../shared/promote/promoter.js';

/** How long one notification may keep retrying a channel in process before it is left `failed` for --redrive. */
export const LOCAL_BUDGET_MS = 15_000;

/** A budget counting down to `deadline` (epoch ms). */
export const budgetUntil = (deadline: number) => () => Math.max(0, deadline - Date.now());

/** The same deps with a fresh budget (`ms`, default the notifier's): each replayed event or pass gets its own. */
export const withFreshBudget = <T extends { budgetMs: () => number }>(deps: T, ms = LOCAL_BUDGET_MS): T => ({
  ...deps,
  budgetMs: budgetUntil(Date.now() + ms),
});

/**
 * The notifier as the CLI runs it: the same channels and exactly-once bookkeeping as the Lambda, on the CLI's
 * ledger. Secrets come from the config's local values, else from SSM with the caller's credentials.
 */
export const localNotifier = (
  config: FailoverConfig,
  ledger: OpenedLedger,
  log: Log,
  now: () => Date = () => new Date(),
): NotifierDeps => {
  let ssm: SSMProvider | undefined;
  const channels = buildChannels(config, {
    secrets: {
      get: (name) => (ssm ??= new SSMProvider()).get(name, { decrypt: true, maxAge: 300 }) as Promise<string>,
    },
    ...(config.notify?.sns?.topicArn
      ? { sns: { client: new SNSClient({}), topicArn: config.notify.sns.topicArn } }
      : {}),
  });
  return {
    ledger: ledger.store,
    deliveries: new DynamoDbDeliveryStore(ledger.doc, ledger.store.tableName),
    config,
    channels,
    log,
    now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    budgetMs: budgetUntil(Date.now() + LOCAL_BUDGET_MS),
    owner: `local-${process.pid}-${randomUUID().slice(0, 8)}`,
  };
};

/** `promote --budget` by default: seconds one CLI pass may spend on promotion hooks and the reads around them. */
export const PROMOTE_BUDGET_SECONDS = 50;

/** A promoter pass with a fresh hook budget of PROMOTE_BUDGET_SECONDS, as each minute's invocation has when deployed. */
export const withPromoteBudget = (deps: PromoterDeps): PromoterDeps =>
  withFreshBudget(deps, PROMOTE_BUDGET_SECONDS * 1000);

/** A run without an AWS account (the demo, the drill) asked for something only AWS has. */
export class NoAwsAccountError extends R53FailoverError {
  override readonly name: string = 'NoAwsAccountError';
}

/** CloudWatch as a run without AWS sees it: no metrics at all, so no replica lag and no HealthCheckStatus datapoint. */
const noMetrics = { send: async () => ({ MetricDataResults: [] }) } as unknown as CloudWatchClient;

/**
 * Hook clients for a run without an AWS account (the demo, the drill): nothing may try to reach AWS. CloudWatch has no
 * metrics (the replica lag and mode auto's HealthCheckStatus are unknown, as when a datapoint is missing); an RDS or
 * Lambda hook cannot run and fails with a NoAwsAccountError that says so.
 */
export const offlineHookClients: HookClients = {
  rds: () => {
    throw new NoAwsAccountError('no AWS account in this run: rds hooks cannot be called');
  },
  lambda: () => {
    throw new NoAwsAccountError('no AWS account in this run: lambda hooks cannot be called');
  },
  cloudwatch: () => noMetrics,
};

/**
 * The promoter as the CLI runs it, on the CLI's ledger; hooks call AWS with the caller's credentials (the SDK's
 * standard endpoint variables apply), or, `offline`, never (offlineHookClients; SSM secrets cannot be read). Its time
 * budget starts now: `budgetSeconds`, default 50.
 */
export const localPromoter = (
  config: FailoverConfig,
  ledger: OpenedLedger,
  log: Log,
  now: () => Date = () => new Date(),
  opts: {
    clients?: HookClients;
    offline?: boolean;
    decorate?: (group: string, exec: HookExecutor) => HookExecutor;
    budgetSeconds?: number;
  } = {},
): PromoterDeps => {
  const clients = opts.clients ?? (opts.offline ? offlineHookClients : regionalHookClients());
  let ssm: SSMProvider | undefined;
  const secret = opts.offline
    ? (name: string) => Promise.reject(new NoAwsAccountError(`no AWS account in this run: cannot read SSM ${name}`))
    : (name: string) => (ssm ??= new SSMProvider()).get(name, { decrypt: true, maxAge: 300 }) as Promise<string>;
  return {
    config,
    ledger: ledger.store,
    store: new DynamoDbPromotionStore(ledger.doc, ledger.store.tableName),
    probes: new DynamoDbProbeStore(ledger.doc, ledger.store.tableName),
    cloudwatch: (region) => clients.cloudwatch(region),
    budgetMs: budgetUntil(Date.now() + (opts.budgetSeconds ?? PROMOTE_BUDGET_SECONDS) * 1000),
    hookFor: (group, _i, hook) => {
      const exec = makeHook(hook, clients, { secret });
      return opts.decorate ? opts.decorate(group, exec) : exec;
    },
    log,
    now,
    owner: `local-${process.pid}-${randomUUID().slice(0, 8)}`,
  };
};

/**
 * The in-process reaction pipeline's publisher, as `ingest` and the drill run it: each appended ledger entry is
 * notified, then the promoter reacts to it and its steps are notified too. `seen` observes every entry.
 */
export const reactionPublisher = (o: {
  notify?: (entry: LedgerEntry, correlationId?: string) => Promise<void>;
  promoter?: PromoterDeps;
}): GroupEventPublisher => ({
  publish: async (entry, correlationId) => {
    await o.notify?.(entry, correlationId);
    if (o.promoter) for (const step of await onGroupEntry(entry, o.promoter)) await o.notify?.(step);
  },
});

/** The promotion statuses `tick` acts on (hold-down passed, approval expired, execution); the others are history. */
const TICKED: ReadonlySet<PromotionStatus> = new Set(['REQUESTED', 'AWAITING_APPROVAL', 'APPROVED', 'IN_PROGRESS']);

/**
 * The promotion tick a replay runs before each event (`ingest`). On an exclusive ledger (the embedded one: no other
 * writer while it is open) a group whose promotions were last listed with none in a status `tick` acts on, and
 * whose promotion records this process has not written since, has nothing due: it is not listed again until this
 * process creates or updates one of its records. On a table (other writers) every group is listed every time.
 * Use the returned `deps` for everything that may write promotion records (onGroupEntry, tick).
 */
export const replayTicker = (
  deps: PromoterDeps,
  exclusive: boolean,
): { deps: PromoterDeps; tick(): Promise<PromoterOutput> } => {
  // Each pass gets a fresh hook budget, as each minute's invocation does when deployed.
  if (!exclusive) return { deps, tick: () => tick(withPromoteBudget(deps)) };
  const settled = new Set<string>();
  const inner = deps.store;
  const store: PromotionStore = {
    get: (group, episode) => inner.get(group, episode),
    create: (rec) => {
      settled.delete(rec.group);
      return inner.create(rec);
    },
    update: (rec, expectedVersion) => {
      settled.delete(rec.group);
      return inner.update(rec, expectedVersion);
    },
    list: async (group) => {
      const recs = await inner.list(group);
      if (recs.some((r) => TICKED.has(r.status))) settled.delete(group);
      else settled.add(group);
      return recs;
    },
  };
  const wrapped: PromoterDeps = { ...deps, store };
  return {
    deps: wrapped,
    tick: () =>
      tick(
        withPromoteBudget(wrapped),
        Object.keys(deps.config.groups).filter((g) => !settled.has(g)),
      ),
  };
};
