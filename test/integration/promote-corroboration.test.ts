import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../local/receiver.js';
import type { PromotionEntry } from '../../shared/ledger/store.js';
import { decideApproval } from '../../shared/promote/promoter.js';
import { parseConfigText } from '../../shared/config/file.js';
import { PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { startLocalDynamo } from '../helpers/ledger.js';
import { type MotoServer, motoClientConfig, motoSkipReason, startMoto } from '../helpers/moto.js';
import { AURORA_HOOK, configFor, countingHook, minuteAt, PROBED, promoterWorld, t } from '../helpers/promoter.js';

// Mode auto never acts on one unverified message: before a hook is called without an approval, the probe quorum or
// the primary's HealthCheckStatus (read back from CloudWatch, here moto_server) must say the primary is down.

const AUTO = `      mode: auto\n      holdDownSeconds: 60\n${AURORA_HOOK}`;
const HEALTHY_REASON = `HealthCheckStatus of ${PRIMARY_HC} reads healthy: the event may be forged or stale`;

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());

/** The step of `event` in the group's ledger. */
const stepOf = async (w: Awaited<ReturnType<typeof promoterWorld>>, event: string) =>
  (await w.promotionSteps()).find((e) => e.event === event) as PromotionEntry | undefined;

describe('mode auto with probes on the primary', () => {
  it('a probe quorum of DOWN is the independent signal: one call, no CloudWatch read needed', async () => {
    const hook = countingHook();
    // The default world has no CloudWatch at all: reading it would fail and fall back to approval.
    const w = await promoterWorld(dynamo, configFor(AUTO, PROBED), hook.exec);
    await w.probesSay('DOWN');
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(2);
    await w.at(3);
    expect(hook.state.calls).toBe(1);
    expect((await stepOf(w, 'PROMOTION_IN_PROGRESS'))?.reason).toMatch(/the probe quorum says the primary is DOWN/);
  });
});

const skipReason = motoSkipReason();

describe.skipIf(Boolean(skipReason))('mode auto without probes: HealthCheckStatus in CloudWatch (moto_server)', () => {
  let moto: MotoServer;
  let cw: CloudWatchClient;
  beforeAll(async () => {
    moto = await startMoto();
    cw = new CloudWatchClient(motoClientConfig(moto));
  });
  afterAll(async () => {
    cw?.destroy();
    await moto?.stop();
  });
  beforeEach(async () => moto.reset());

  /** Route 53's datapoints for a health check: [seconds after 10:00, value] on 2025-07-01. */
  const publish = (points: [number, number][], healthCheckId = PRIMARY_HC) =>
    cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Route53',
        MetricData: points.map(([s, value]) => ({
          MetricName: 'HealthCheckStatus',
          Dimensions: [{ Name: 'HealthCheckId', Value: healthCheckId }],
          Value: value,
          Timestamp: new Date(minuteAt(0).getTime() + s * 1000),
        })),
      }),
    );
  const autoWorld = async (hook: ReturnType<typeof countingHook>, promotion = AUTO) => {
    const w = await promoterWorld(dynamo, configFor(promotion), hook.exec, { cloudwatch: () => cw });
    await w.record(t('primary', 'ALARM', 'OK', 0));
    return w;
  };

  it('a healthy reading calls no hook: PROMOTION_SKIPPED says the event may be forged or stale', async () => {
    const hook = countingHook();
    await publish([
      [30, 1],
      [90, 1],
    ]);
    const w = await autoWorld(hook);
    await w.at(2);
    await w.at(3);
    expect(hook.state.calls).toBe(0);
    expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_SKIPPED']);
    expect((await stepOf(w, 'PROMOTION_SKIPPED'))?.reason).toContain(HEALTHY_REASON);
  });

  it('an unhealthy reading calls the hook exactly once, and the ledger says what corroborated it', async () => {
    const hook = countingHook();
    await publish([
      [30, 1],
      [90, 0],
    ]);
    const w = await autoWorld(hook);
    await w.at(2);
    await w.at(3);
    await Promise.all([w.at(4), w.at(4)]);
    expect(hook.state.calls).toBe(1);
    expect((await stepOf(w, 'PROMOTION_IN_PROGRESS'))?.reason).toContain(
      `HealthCheckStatus of ${PRIMARY_HC} reads unhealthy (Minimum 0 at 2025-07-01T10:01:00.000Z`,
    );
  });

  it('the latest datapoint decides: unhealthy, then healthy again, is healthy', async () => {
    const hook = countingHook();
    await publish([
      [30, 0],
      [90, 1],
    ]);
    const w = await autoWorld(hook);
    await w.at(2);
    expect(hook.state.calls).toBe(0);
    expect((await stepOf(w, 'PROMOTION_SKIPPED'))?.reason).toContain(HEALTHY_REASON);
  });

  it('no datapoints for the primary: asks for approval, saying why; an approval then calls once', async () => {
    const hook = countingHook();
    await publish([[90, 0]], SECONDARY_HC); // another health check's data is not the primary's
    const w = await autoWorld(hook);
    await w.at(2);
    expect(hook.state.calls).toBe(0);
    expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_AWAITING_APPROVAL']);
    expect((await stepOf(w, 'PROMOTION_AWAITING_APPROVAL'))?.reason).toMatch(
      new RegExp(
        `^Mode auto acts only when an independent signal confirms that the primary is down, and none does: HealthCheckStatus of ${PRIMARY_HC} has no datapoints .* in the last 3 minutes\\. So this needs approval\\. Approve before`,
      ),
    );
    await decideApproval(w.deps, 'orders-api#1', true, 'alice');
    expect(hook.state.calls).toBe(1);
  });

  it('a read error asks for approval, saying why', async () => {
    const hook = countingHook();
    // A real peer that answers every CloudWatch request with an error.
    const broken: Receiver = await startReceiver(() => ({ status: 403, body: 'denied' }));
    try {
      const failing = new CloudWatchClient({ ...motoClientConfig(moto), endpoint: broken.url, maxAttempts: 1 });
      const w = await promoterWorld(dynamo, configFor(AUTO), hook.exec, { cloudwatch: () => failing });
      await w.record(t('primary', 'ALARM', 'OK', 0));
      await w.at(2);
      expect(broken.requests.length).toBeGreaterThan(0);
      expect(hook.state.calls).toBe(0);
      expect((await stepOf(w, 'PROMOTION_AWAITING_APPROVAL'))?.reason).toMatch(
        new RegExp(
          `none does: reading HealthCheckStatus of ${PRIMARY_HC} from CloudWatch in us-east-1 failed \\(cloudwatch:GetMetricData failed: .+\\)\\. So this needs approval\\.`,
        ),
      );
    } finally {
      await broken.close();
    }
  });

  it('approvals need nothing more: mode approve calls once after an approval even while CloudWatch reads healthy', async () => {
    const hook = countingHook();
    await publish([[90, 1]]);
    const w = await autoWorld(hook, `      mode: approve\n      holdDownSeconds: 60\n${AURORA_HOOK}`);
    await w.at(2);
    expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_AWAITING_APPROVAL']);
    await decideApproval(w.deps, 'orders-api#1', true, 'alice');
    await w.at(3);
    expect(hook.state.calls).toBe(1);
    expect((await stepOf(w, 'PROMOTION_IN_PROGRESS'))?.sources).toEqual(['alice']);
  });
});

describe.skipIf(Boolean(skipReason))(
  'mode auto without probes: a target-health primary’s HealthyHostCount in its region (moto_server)',
  () => {
    const TG = 'targetgroup/orders-usw2/0123456789abcdef';
    const LB = 'app/orders-usw2/0fedcba987654321';
    const ELB = 'arn:aws:elasticloadbalancing';
    const targetHealthConfig = (withLoadBalancer = true) =>
      parseConfigText(
        `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: orders-api.example.com.
    primary:
      region: us-west-2
      targetHealth:
        targetGroupArns: [${ELB}:us-west-2:123456789012:${TG}]
${withLoadBalancer ? `        loadBalancerArn: ${ELB}:us-west-2:123456789012:loadbalancer/${LB}\n` : ''}    secondary:
      region: us-east-2
      targetHealth: { targetGroupArns: ["${ELB}:us-east-2:123456789012:targetgroup/orders-use2/fedcba9876543210"] }
    promotion:
${AUTO}
`,
        'test.yml',
      );
    let moto: MotoServer;
    const clients = new Map<string, CloudWatchClient>();
    const cloudwatch = (region: string) => {
      const client = clients.get(region) ?? new CloudWatchClient(motoClientConfig(moto, region));
      clients.set(region, client);
      return client;
    };
    beforeAll(async () => {
      moto = await startMoto();
    });
    afterAll(async () => {
      for (const c of clients.values()) c.destroy();
      await moto?.stop();
    });
    beforeEach(async () => moto.reset());

    /** The load balancer's datapoints in `region`: [seconds after 10:00, healthy hosts]. */
    const publish = (region: string, points: [number, number][]) =>
      cloudwatch(region).send(
        new PutMetricDataCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricData: points.map(([s, value]) => ({
            MetricName: 'HealthyHostCount',
            Dimensions: [
              { Name: 'TargetGroup', Value: TG },
              { Name: 'LoadBalancer', Value: LB },
            ],
            Value: value,
            Timestamp: new Date(minuteAt(0).getTime() + s * 1000),
          })),
        }),
      );
    const world = async (hook: ReturnType<typeof countingHook>, withLoadBalancer = true) => {
      const w = await promoterWorld(dynamo, targetHealthConfig(withLoadBalancer), hook.exec, { cloudwatch });
      await w.record({
        alarmName: 'r53-failover-prod-orders-api-primary-target-health',
        healthCheckId: '',
        targetGroup: TG,
        loadBalancer: LB,
        state: 'ALARM',
        previousState: 'OK',
        at: minuteAt(0).toISOString(),
        region: 'us-west-2',
        account: '123456789012',
      });
      return w;
    };

    it('no healthy host in the primary’s region calls the hook once, naming the reading', async () => {
      const hook = countingHook();
      await publish('us-west-2', [
        [30, 2],
        [90, 0],
      ]);
      const w = await world(hook);
      await w.at(2);
      await w.at(3);
      expect(hook.state.calls).toBe(1);
      expect((await stepOf(w, 'PROMOTION_IN_PROGRESS'))?.reason).toContain(
        `AWS/ApplicationELB HealthyHostCount of ${TG} reads 0 (Minimum at 2025-07-01T10:01:00.000Z in CloudWatch, us-west-2)`,
      );
    });

    it('healthy hosts in the primary’s region refute the event: PROMOTION_SKIPPED, no call', async () => {
      const hook = countingHook();
      await publish('us-west-2', [[90, 3]]);
      const w = await world(hook);
      await w.at(2);
      expect(hook.state.calls).toBe(0);
      expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_SKIPPED']);
      expect((await stepOf(w, 'PROMOTION_SKIPPED'))?.reason).toContain('the event may be forged or stale');
    });

    it('reads the primary’s region only: datapoints in us-east-1 are no signal, so it asks for approval', async () => {
      const hook = countingHook();
      await publish('us-east-1', [[90, 0]]);
      const w = await world(hook);
      await w.at(2);
      expect(hook.state.calls).toBe(0);
      expect((await stepOf(w, 'PROMOTION_AWAITING_APPROVAL'))?.reason).toContain(
        `AWS/ApplicationELB HealthyHostCount of ${TG} has no datapoints (CloudWatch, us-west-2)`,
      );
    });

    it('without loadBalancerArn there is no second signal: it never promotes on the alarm alone', async () => {
      const hook = countingHook();
      await publish('us-west-2', [[90, 0]]);
      const w = await world(hook, false);
      await w.at(2);
      expect(hook.state.calls).toBe(0);
      expect((await stepOf(w, 'PROMOTION_AWAITING_APPROVAL'))?.reason).toContain(
        'have no loadBalancerArn in failover.yml',
      );
    });
  },
);
