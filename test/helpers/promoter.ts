import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { parseConfigText } from '../../shared/config/file.js';
import type { FailoverConfig } from '../../shared/config/schema.js';
import type { Quorum } from '../../shared/core/probe-verdicts.js';
import type { DynamoDbLedgerStore } from '../../shared/ledger/dynamodb-store.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import type { HookExecutor, HookFence } from '../../shared/promote/hooks/types.js';
import { onGroupEntry, type PromoterDeps, tick } from '../../shared/promote/promoter.js';
import { DynamoDbPromotionStore } from '../../shared/promote/promotion-store.js';
import { recordEvent, type RecordOutcome } from '../../shared/record/recorder.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { eventBridgeEvent, type SampleTransition, snsEvent } from '../../local/sample-events.js';
import { PRIMARY_HC, SECONDARY_HC } from './events.js';
import { captureLog, type startLocalDynamo } from './ledger.js';
import { indexHealthChecks, indexTargetGroups } from '../../shared/config/lookups.js';

export const TARGET = 'arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2';
export const PRIMARY = 'arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora-use1';
export const AURORA_HOOK = `      hooks:\n        - { type: aurora-global, globalClusterId: orders-global, targetClusterArn: "${TARGET}", primaryClusterArn: "${PRIMARY}" }`;
/** Probes watch the primary (its endpoint): the promoter then reads their quorum. */
export const PROBED = ', endpoint: "https://use1.example.com/healthz"';

/** One group `name` with its promotion block (`promotion`: YAML lines indented 6) and health checks. */
export const groupYaml = (
  name: string,
  promotion: string,
  probes = '',
  hc = { primary: PRIMARY_HC, secondary: SECONDARY_HC },
) =>
  `  ${name}:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: ${name}.example.com.
    primary: { region: us-east-1, healthCheckId: ${hc.primary}${probes} }
    secondary: { region: us-west-2, healthCheckId: ${hc.secondary} }
    promotion:
${promotion}
`;

export const configFor = (promotion: string, probes = '') =>
  parseConfigText(`version: 1\ngroups:\n${groupYaml('orders-api', promotion, probes)}`, 'test.yml');

/** A hook that counts real calls and can be told what the world looks like (fence): the guardrail logic's view. */
export const countingHook = () => {
  const state = {
    calls: 0,
    fence: { state: 'not-started', detail: 'replica' } as HookFence,
    lag: 5 as number | undefined,
    fail: false,
  };
  const exec: HookExecutor = {
    type: 'aurora-global',
    describe: () => `rds:FailoverGlobalCluster orders-global → ${TARGET} (AllowDataLoss)`,
    fence: async () => state.fence,
    execute: async () => {
      state.calls++;
      if (state.fail) throw new Error('InvalidGlobalClusterStateFault');
      state.fence = { state: 'in-progress', detail: 'failing-over' };
      return { status: 'started', detail: 'failover started' };
    },
    checkCompletion: async () =>
      state.fence.state === 'done'
        ? { status: 'succeeded', detail: 'writer moved', topology: { newWriter: TARGET, oldWriter: PRIMARY } }
        : { status: 'in-progress', detail: 'failing over' },
    replicaLagSeconds: async () => state.lag,
    failbackCommand: () =>
      `aws rds switchover-global-cluster --region us-east-1 --global-cluster-identifier orders-global --target-db-cluster-identifier ${PRIMARY}`,
  };
  return { exec, state };
};

/** A health transition of `group`'s member at 10:`minute` on 2025-07-01. */
export const t = (
  role: 'primary' | 'secondary',
  state: SampleTransition['state'],
  prev: SampleTransition['state'],
  minute: number,
  group = 'orders-api',
  hc = { primary: PRIMARY_HC, secondary: SECONDARY_HC },
): SampleTransition => ({
  alarmName: `r53-failover-prod-${group}-${role}-health`,
  healthCheckId: hc[role],
  state,
  previousState: prev,
  at: minuteAt(minute).toISOString(),
});

export const minuteAt = (minute: number) => new Date(Date.UTC(2025, 6, 1, 10, minute));

/** No CloudWatch in this test: a read fails (and mode auto then asks for approval). */
const noCloudWatch = (): CloudWatchClient => {
  throw new Error('this test gives the promoter no CloudWatch');
};

/**
 * The promoter on a fresh dynalite table with the recorder in front of it: `record` a transition (the promoter reacts
 * as the stream would), run the minute pass `at` a minute, tell the probes' quorum with `probesSay`.
 */
export const promoterWorld = async (
  dynamo: Awaited<ReturnType<typeof startLocalDynamo>>,
  config: FailoverConfig,
  hook: HookExecutor | ((group: string) => HookExecutor),
  opts: { cloudwatch?: (region: string) => CloudWatchClient; budgetMs?: () => number } = {},
) => {
  const { table, store } = await dynamo.freshTable();
  const ledger: DynamoDbLedgerStore = store();
  let clock = minuteAt(0).getTime();
  const doc = makeDocumentClient(dynamo.client);
  const probes = new DynamoDbProbeStore(doc, table);
  const deps: PromoterDeps = {
    config,
    ledger,
    store: new DynamoDbPromotionStore(doc, table),
    probes,
    cloudwatch: opts.cloudwatch ?? noCloudWatch,
    budgetMs: opts.budgetMs ?? (() => 30_000),
    hookFor: typeof hook === 'function' ? (group) => hook(group) : () => hook,
    log: captureLog(),
    now: () => new Date(clock),
    owner: 'test',
  };
  const recorder = {
    ledger,
    placements: indexHealthChecks(config),
    targetGroups: indexTargetGroups(config),
    log: captureLog(),
    now: () => new Date(clock),
  };
  const steps: string[] = [];
  const record = async (x: SampleTransition, via: 'eb' | 'sns' = 'eb') => {
    clock = Math.max(clock, Date.parse(x.at));
    const [o] = (await recordEvent(
      via === 'eb' ? eventBridgeEvent(x) : snsEvent(x),
      recorder,
      x.at,
    )) as RecordOutcome[];
    if (o?.outcome === 'recorded') steps.push(...(await onGroupEntry(o.entry, deps)).map((s) => s.event));
  };
  const at = async (minute: number, extra: Partial<PromoterDeps> = {}) => {
    clock = minuteAt(minute).getTime();
    steps.push(...(await tick({ ...deps, ...extra })).map((s) => s.event));
  };
  const probesSay = (quorum: Quorum, group = 'orders-api') =>
    probes.putQuorum(group, 'primary', { quorum, since: new Date(0).toISOString(), version: 0 }, 0);
  /** The group's promotion steps in the ledger, oldest first. */
  const promotionSteps = async (group = 'orders-api') =>
    (await ledger.list({ group, order: 'asc' })).filter((e) => e.kind === 'promotion');
  return { deps, ledger, steps, record, at, table, probes, probesSay, promotionSteps };
};
