import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { parseConfigText } from '../../shared/config/file.js';
import type { FailoverConfig } from '../../shared/config/schema.js';
import type { DynamoDbLedgerStore } from '../../shared/ledger/dynamodb-store.js';
import type { LedgerEntry, PromotionEntry } from '../../shared/ledger/store.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { makeHook } from '../../shared/promote/hooks/index.js';
import type { HookExecutor, HookFence } from '../../shared/promote/hooks/types.js';
import { decideApproval, onGroupEntry, onRdsEvent, tick, type PromoterDeps } from '../../shared/promote/promoter.js';
import { DynamoDbPromotionStore } from '../../shared/promote/promotion-store.js';
import { parseRdsEvent } from '../../shared/promote/rds-events.js';
import { promoteOnTrigger } from '../../shared/promote/trigger.js';
import { METRIC } from '../../shared/support/metrics.js';
import { recordEvent, type RecordOutcome } from '../../shared/record/recorder.js';
import { eventBridgeEvent, snsEvent, type SampleTransition } from '../../local/sample-events.js';
import { loadEvent, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { captureLog, recorderDeps, startLocalDynamo } from '../helpers/ledger.js';
import { captureMetrics } from '../helpers/metrics.js';

const TARGET = 'arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2';
const PRIMARY = 'arn:aws:rds:us-east-1:123456789012:cluster:orders-aurora-use1';
const configFor = (promotion: string, probes = '') =>
  parseConfigText(
    `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary: { region: us-east-1, healthCheckId: ${PRIMARY_HC}${probes} }
    secondary: { region: us-west-2, healthCheckId: ${SECONDARY_HC} }
    promotion:
${promotion}
`,
    'test.yml',
  );
const AURORA_HOOK = `      hooks:\n        - { type: aurora-global, globalClusterId: orders-global, targetClusterArn: "${TARGET}", primaryClusterArn: "${PRIMARY}" }`;

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());

/** A hook that counts real calls and can be told what the world looks like (fence) — the guardrail logic's view. */
const countingHook = () => {
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

const t = (
  role: 'primary' | 'secondary',
  state: SampleTransition['state'],
  prev: SampleTransition['state'],
  minute: number,
): SampleTransition => ({
  alarmName: `r53-failover-prod-orders-api-${role}-health`,
  healthCheckId: role === 'primary' ? PRIMARY_HC : SECONDARY_HC,
  state,
  previousState: prev,
  at: new Date(Date.UTC(2025, 6, 1, 10, minute)).toISOString(),
});

const world = async (config: FailoverConfig, hook: HookExecutor) => {
  const { table, store } = await dynamo.freshTable();
  const ledger: DynamoDbLedgerStore = store();
  let clock = Date.UTC(2025, 6, 1, 10, 0);
  const doc = makeDocumentClient(dynamo.client);
  const deps: PromoterDeps = {
    config,
    ledger,
    store: new DynamoDbPromotionStore(doc, table),
    probes: new DynamoDbProbeStore(doc, table),
    hookFor: () => hook,
    log: captureLog(),
    now: () => new Date(clock),
    owner: 'test',
  };
  const steps: string[] = [];
  const record = async (x: SampleTransition, via: 'eb' | 'sns' = 'eb') => {
    clock = Math.max(clock, Date.parse(x.at));
    const [o] = (await recordEvent(
      via === 'eb' ? eventBridgeEvent(x) : snsEvent(x),
      recorderDeps(ledger, captureLog(), yamlOf(config)),
      x.at,
    )) as RecordOutcome[];
    if (o?.outcome === 'recorded') steps.push(...(await onGroupEntry(o.entry, deps)).map((s) => s.event));
  };
  const at = async (minute: number) => {
    clock = Date.UTC(2025, 6, 1, 10, minute);
    steps.push(...(await tick(deps)).map((s) => s.event));
  };
  return { deps, ledger, steps, record, at, table, probes: deps.probes as DynamoDbProbeStore };
};
// recorderDeps takes YAML; the groups above are the same health checks as the fixture config.
const yamlOf = (_c: FailoverConfig) =>
  `version: 1\ngroups:\n  orders-api:\n    hostedZoneId: Z0123456789ABCDEFGHIJ\n    recordName: api.orders.example.com.\n    primary: { region: us-east-1, healthCheckId: ${PRIMARY_HC} }\n    secondary: { region: us-west-2, healthCheckId: ${SECONDARY_HC} }\n`;

describe('promotion guardrails', () => {
  it('auto: requests on FAILED_OVER, waits out the hold-down, then promotes once; completion confirmed by a status check', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 120\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(1);
    expect(hook.state.calls).toBe(0); // within the hold-down
    await w.at(2);
    expect(hook.state.calls).toBe(1);
    await w.at(3);
    expect(hook.state.calls).toBe(1);
    hook.state.fence = { state: 'done', detail: 'writer moved' };
    await w.at(4);
    expect(w.steps).toEqual([
      'PROMOTION_REQUESTED',
      'PROMOTION_IN_PROGRESS',
      'PROMOTION_SUCCEEDED',
      'TOPOLOGY_CHANGED',
    ]);
    const topo = (await w.ledger.list({ group: 'orders-api' })).find(
      (e) => e.event === 'TOPOLOGY_CHANGED',
    ) as PromotionEntry;
    expect(topo.promotion.topology).toEqual([{ newWriter: TARGET, oldWriter: PRIMARY }]);
  });

  it('20 concurrent FAILED_OVER deliveries and ticks make exactly one promotion call', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`), hook.exec);
    const x = t('primary', 'ALARM', 'OK', 0);
    await Promise.all(Array.from({ length: 20 }, (_, i) => w.record(x, i % 2 ? 'sns' : 'eb')));
    await Promise.all(Array.from({ length: 20 }, (_, i) => tick({ ...w.deps, owner: `run-${i}` })));
    expect(hook.state.calls).toBe(1);
    const entries = await w.ledger.list({ group: 'orders-api' });
    expect(entries.filter((e) => e.event === 'PROMOTION_REQUESTED')).toHaveLength(1);
    expect(entries.filter((e) => e.event === 'PROMOTION_IN_PROGRESS')).toHaveLength(1);
  });

  it('flapping shorter than the hold-down never promotes', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 300\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.record(t('primary', 'OK', 'ALARM', 2));
    await w.record(t('primary', 'ALARM', 'OK', 3));
    await w.record(t('primary', 'OK', 'ALARM', 4));
    for (const m of [5, 6, 8, 10, 15]) await w.at(m);
    expect(hook.state.calls).toBe(0);
    expect(w.steps.filter((s) => s === 'PROMOTION_SKIPPED')).toHaveLength(2);
  });

  it('both regions down: never promotes, records why', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 60\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.record(t('secondary', 'ALARM', 'OK', 0));
    await w.at(5);
    expect(hook.state.calls).toBe(0);
    expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_SKIPPED']);
    const skipped = (await w.ledger.list({ group: 'orders-api' })).find((e) => e.event === 'PROMOTION_SKIPPED');
    expect(skipped?.reason).toMatch(/both regions are unhealthy/);
  });

  it('the probe quorum must agree that the primary is down when probes are configured', async () => {
    const hook = countingHook();
    const w = await world(
      configFor(
        `      mode: auto\n      holdDownSeconds: 60\n${AURORA_HOOK}`,
        ', endpoint: "https://use1.example.com/healthz"',
      ),
      hook.exec,
    );
    await w.probes.putQuorum(
      'orders-api',
      'primary',
      { quorum: 'UP', since: new Date(0).toISOString(), version: 0 },
      0,
    );
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(2);
    expect(hook.state.calls).toBe(0);
    const skipped = (await w.ledger.list({ group: 'orders-api' })).find((e) => e.event === 'PROMOTION_SKIPPED');
    expect(skipped?.reason).toMatch(/probe quorum does not confirm that the primary is down \(probes: UP\)/);
  });

  it('approve mode waits for an operator; the approval expires', async () => {
    const hook = countingHook();
    const w = await world(
      configFor(`      mode: approve\n      holdDownSeconds: 60\n      approvalTimeoutMinutes: 10\n${AURORA_HOOK}`),
      hook.exec,
    );
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(2);
    await w.at(13);
    expect(hook.state.calls).toBe(0);
    expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_AWAITING_APPROVAL', 'PROMOTION_EXPIRED']);
    await expect(decideApproval(w.deps, 'orders-api#1', true, 'alice')).rejects.toThrow(
      /EXPIRED, not awaiting approval/,
    );
  });

  it('approve mode: an operator approves, the actor is recorded and the call is made once', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: approve\n      holdDownSeconds: 60\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(2);
    const steps = await decideApproval(w.deps, 'orders-api#1', true, 'alice');
    await decideApproval(w.deps, 'orders-api#1', true, 'bob').catch(() => undefined);
    expect(hook.state.calls).toBe(1);
    expect(steps[0]).toMatchObject({ event: 'PROMOTION_IN_PROGRESS', sources: ['alice'] });
  });

  it('replica lag over the budget needs approval even in auto mode', async () => {
    const hook = countingHook();
    hook.state.lag = 240;
    const w = await world(
      configFor(`      mode: auto\n      holdDownSeconds: 60\n      maxReplicaLagSeconds: 60\n${AURORA_HOOK}`),
      hook.exec,
    );
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(2);
    expect(hook.state.calls).toBe(0);
    const ask = (await w.ledger.list({ group: 'orders-api' })).find(
      (e) => e.event === 'PROMOTION_AWAITING_APPROVAL',
    ) as PromotionEntry;
    expect(ask.promotion.lagSeconds).toBe(240);
    expect(ask.reason).toMatch(/Replica lag 240 s is over the 60 s budget/);
  });

  it('dry-run records and notifies what would happen, calling nothing', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: dry-run\n      holdDownSeconds: 60\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(2);
    expect(hook.state.calls).toBe(0);
    const skipped = (await w.ledger.list({ group: 'orders-api' })).find((e) => e.event === 'PROMOTION_SKIPPED');
    expect(skipped?.reason).toMatch(/^dry-run: would call rds:FailoverGlobalCluster orders-global/);
  });

  it('never fails back automatically: RECOVERED after a promotion announces the switchover command', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(1);
    hook.state.fence = { state: 'done', detail: 'writer moved' };
    await w.at(2);
    await w.record(t('primary', 'OK', 'ALARM', 30));
    await w.at(31);
    expect(hook.state.calls).toBe(1);
    const fb = (await w.ledger.list({ group: 'orders-api' })).find(
      (e) => e.event === 'FAILBACK_READY',
    ) as PromotionEntry;
    expect(fb.promotion.failbackCommands).toEqual([
      `aws rds switchover-global-cluster --region us-east-1 --global-cluster-identifier orders-global --target-db-cluster-identifier ${PRIMARY}`,
    ]);
    expect(fb.reason).toMatch(/failing back is never automatic/);
  });

  it('a crashed run is resumed, not doubled: the fence sees the promotion already under way', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    // Simulate a run that took the lease and marked the hook 'calling', called RDS, then died before recording it.
    const rec = await w.deps.store.get('orders-api', 1);
    if (!rec) throw new Error('no record');
    await w.deps.store.update(
      {
        ...rec,
        status: 'IN_PROGRESS',
        epoch: 1,
        leaseOwner: 'dead-run',
        leaseUntil: Date.UTC(2025, 6, 1, 10, 1),
        hooks: [{ status: 'calling', detail: 'calling', epoch: 1 }],
      },
      rec.version,
    );
    hook.state.fence = { state: 'in-progress', detail: 'failing-over (started by the crashed run)' };
    await w.at(0); // the dead run's lease still holds
    expect(hook.state.calls).toBe(0);
    await w.at(3); // lease expired: resumed
    expect(hook.state.calls).toBe(0);
    hook.state.fence = { state: 'done', detail: 'writer moved' };
    await w.at(4);
    expect(w.steps.slice(-2)).toEqual(['PROMOTION_SUCCEEDED', 'TOPOLOGY_CHANGED']);
  });

  it('a failing hook marks the promotion FAILED without retrying it', async () => {
    const hook = countingHook();
    hook.state.fail = true;
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(1);
    await w.at(5);
    expect(hook.state.calls).toBe(1);
    expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_IN_PROGRESS', 'PROMOTION_FAILED']);
  });
});

describe('promotion against a mocked RDS API, completed by the RDS event', () => {
  const rds = mockClient(RDSClient);
  const cw = mockClient(CloudWatchClient);
  beforeEach(() => {
    rds.reset();
    cw.reset();
    rds.callsFake((input) => {
      throw new Error(`Unexpected RDS command ${JSON.stringify(input)}`);
    });
  });

  it('FailoverGlobalCluster with AllowDataLoss in the target region; RDS-EVENT-0238 completes the lifecycle', async () => {
    let writer = PRIMARY;
    let failing = false;
    rds.on(DescribeGlobalClustersCommand).callsFake(() => ({
      GlobalClusters: [
        {
          GlobalClusterIdentifier: 'orders-global',
          GlobalClusterMembers: [
            { DBClusterArn: PRIMARY, IsWriter: writer === PRIMARY },
            { DBClusterArn: TARGET, IsWriter: writer === TARGET },
          ],
          ...(failing
            ? {
                FailoverState: {
                  Status: 'failing-over',
                  FromDbClusterArn: PRIMARY,
                  ToDbClusterArn: TARGET,
                  IsDataLossAllowed: true,
                },
              }
            : {}),
        },
      ],
    }));
    rds.on(FailoverGlobalClusterCommand).callsFake(() => {
      failing = true;
      return { GlobalCluster: { GlobalClusterIdentifier: 'orders-global' } };
    });
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'lag', Values: [1200], Timestamps: [new Date()] }],
    });
    const regions: string[] = [];
    const clients = {
      rds: (region: string) => (
        regions.push(region), new RDSClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } })
      ),
      lambda: (region: string) => new LambdaClient({ region }),
      cloudwatch: (region: string) =>
        new CloudWatchClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    };
    const config = configFor(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`);
    const hook = makeHook(config.groups['orders-api']!.promotion!.hooks[0]!, clients);
    const w = await world(config, hook);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(1);
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(1);
    expect(rds.commandCalls(FailoverGlobalClusterCommand)[0]?.args[0].input).toMatchObject({
      GlobalClusterIdentifier: 'orders-global',
      TargetDbClusterIdentifier: TARGET,
      AllowDataLoss: true,
    });
    expect(new Set(regions)).toEqual(new Set(['us-west-2'])); // never the impaired region's endpoint
    await w.at(2);
    expect(rds.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(1);
    writer = TARGET;
    failing = false;
    const steps = await onRdsEvent(parseRdsEvent(loadEvent('rds/global-failover-completed.json'))!, w.deps);
    expect(steps.map((s: LedgerEntry) => s.event)).toEqual(['RDS_EVENT', 'PROMOTION_SUCCEEDED', 'TOPOLOGY_CHANGED']);
    expect((steps[0] as PromotionEntry).promotion.rdsEvent).toMatchObject({
      eventId: 'RDS-EVENT-0238',
      kind: 'global-failover-completed',
    });
  });
});

describe('promote-replica metrics', () => {
  it('counts each promotion step the function records (PromotionSteps per event), for the dashboard', async () => {
    const hook = countingHook();
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 60\n${AURORA_HOOK}`), hook.exec);
    await w.record(t('primary', 'ALARM', 'OK', 0));
    const metrics = captureMetrics();
    const schedule = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
    // The every-minute check after the hold-down: the function promotes and records the step.
    const now = () => new Date(Date.UTC(2025, 6, 1, 10, 2));
    const res = await promoteOnTrigger(schedule, { ...w.deps, now, metrics: metrics.sink });
    expect(res.steps).toEqual(['orders-api#1 PROMOTION_IN_PROGRESS']);
    expect(hook.state.calls).toBe(1);
    expect(metrics.points).toEqual([
      { name: METRIC.promotionSteps, value: 1, dimensions: { Event: 'PROMOTION_IN_PROGRESS' } },
    ]);
  });
});
