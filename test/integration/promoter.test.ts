import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FailoverConfig } from '../../shared/config/schema.js';
import type { LedgerEntry, PromotionEntry } from '../../shared/ledger/store.js';
import { makeHook } from '../../shared/promote/hooks/index.js';
import type { HookExecutor } from '../../shared/promote/hooks/types.js';
import { decideApproval, onRdsEvent, tick } from '../../shared/promote/promoter.js';
import { parseRdsEvent } from '../../shared/promote/rds-events.js';
import { loadEvent } from '../helpers/events.js';
import { startLocalDynamo } from '../helpers/ledger.js';
import {
  AURORA_HOOK,
  configFor,
  countingHook,
  PRIMARY,
  PROBED,
  promoterWorld,
  t,
  TARGET,
} from '../helpers/promoter.js';
import { promoteOnTrigger } from '../../shared/promote/trigger.js';
import { METRIC } from '../../shared/support/metrics.js';
import { captureMetrics } from '../helpers/metrics.js';

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());

const world = (config: FailoverConfig, hook: HookExecutor) => promoterWorld(dynamo, config, hook);
/** Mode auto with probes on the primary whose quorum says DOWN: the independent signal these tests take as given. */
const corroboratedWorld = async (promotion: string, hook: HookExecutor) => {
  const w = await world(configFor(promotion, PROBED), hook);
  await w.probesSay('DOWN');
  return w;
};

describe('promotion guardrails', () => {
  it('auto: requests on FAILED_OVER, waits out the hold-down, then promotes once; completion confirmed by a status check', async () => {
    const hook = countingHook();
    const w = await corroboratedWorld(`      mode: auto\n      holdDownSeconds: 120\n${AURORA_HOOK}`, hook.exec);
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
    const w = await corroboratedWorld(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`, hook.exec);
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
    const w = await world(configFor(`      mode: auto\n      holdDownSeconds: 60\n${AURORA_HOOK}`, PROBED), hook.exec);
    await w.probesSay('UP');
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
    const w = await corroboratedWorld(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`, hook.exec);
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
    const w = await corroboratedWorld(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`, hook.exec);
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
    const config = configFor(`      mode: auto\n      holdDownSeconds: 0\n${AURORA_HOOK}`, PROBED);
    const hook = makeHook(config.groups['orders-api']!.promotion!.hooks[0]!, clients);
    const w = await world(config, hook);
    await w.probesSay('DOWN');
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
    const w = await corroboratedWorld(`      mode: auto\n      holdDownSeconds: 60\n${AURORA_HOOK}`, hook.exec);
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
