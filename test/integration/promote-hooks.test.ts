import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  InvokeCommand,
  LambdaClient,
  TooManyRequestsException,
  type InvokeCommandOutput,
} from '@aws-sdk/client-lambda';
import {
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  GlobalClusterNotFoundFault,
  InvalidDBInstanceStateFault,
  InvalidGlobalClusterStateFault,
  PromoteReadReplicaCommand,
  RDSClient,
  SwitchoverGlobalClusterCommand,
  type DBInstance,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HookConfig } from '../../shared/config/schema.js';
import { verifyWebhookSignature } from '../../shared/net/signing.js';
import { makeHook } from '../../shared/promote/hooks/index.js';
import { HookError, type HookClients, type HookContext, type HookExecutor } from '../../shared/promote/hooks/types.js';
import { startReceiver, type Receiver } from '../helpers/http-receiver.js';

const ACCOUNT = '123456789012';
const TARGET = `arn:aws:rds:us-west-2:${ACCOUNT}:cluster:orders-aurora-usw2`;
const PRIMARY = `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:orders-aurora-use1`;
const REPLICA = `arn:aws:rds:us-west-2:${ACCOUNT}:db:inventory-db-usw2`;
const REPLICA_SOURCE = `arn:aws:rds:us-east-1:${ACCOUNT}:db:inventory-db-use1`;
const FUNCTION = `arn:aws:lambda:us-west-2:${ACCOUNT}:function:promote-cache`;
const SECRET = 'whsec-0123456789abcdef';
const NOW = Date.parse('2025-06-12T14:30:00.000Z');

const aurora: HookConfig = {
  type: 'aurora-global',
  globalClusterId: 'orders-global',
  targetClusterArn: TARGET,
  primaryClusterArn: PRIMARY,
};
const replicaHook: HookConfig = { type: 'rds-replica', replicaInstanceArn: REPLICA };
const lambdaHook: HookConfig = { type: 'lambda', functionArn: FUNCTION };
const ctx = (reason: HookContext['reason'] = 'outage'): HookContext => ({
  promotionId: 'orders-api#12',
  group: 'orders-api',
  episode: 12,
  reason,
  event: { event: 'FAILED_OVER', group: 'orders-api', seq: 12 },
});

/** DescribeGlobalClusters as RDS answers it; `writer` is the member with IsWriter. */
const globalCluster = (
  writer: string,
  extra: Partial<GlobalCluster> = {},
  members = [PRIMARY, TARGET],
): { GlobalClusters: GlobalCluster[] } => ({
  GlobalClusters: [
    {
      GlobalClusterIdentifier: 'orders-global',
      GlobalClusterResourceId: 'cluster-5cd0a5b6a2c3f1e8d',
      GlobalClusterArn: `arn:aws:rds::${ACCOUNT}:global-cluster:orders-global`,
      Status: 'available',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.6',
      DatabaseName: 'orders',
      StorageEncrypted: true,
      DeletionProtection: true,
      GlobalClusterMembers: members.map((arn) => ({
        DBClusterArn: arn,
        Readers: arn === writer ? members.filter((m) => m !== arn) : [],
        IsWriter: arn === writer,
        GlobalWriteForwardingStatus: 'disabled',
        SynchronizationStatus: 'connected',
      })),
      ...extra,
    },
  ],
});
const failingOver = (status: 'pending' | 'failing-over' | 'cancelling' = 'failing-over') =>
  globalCluster(PRIMARY, {
    Status: 'failing-over',
    FailoverState: { Status: status, FromDbClusterArn: PRIMARY, ToDbClusterArn: TARGET, IsDataLossAllowed: true },
  });

/** FailoverGlobalCluster / SwitchoverGlobalCluster answer with the one global cluster. */
const accepted = (d: { GlobalClusters: GlobalCluster[] }) => ({ GlobalCluster: d.GlobalClusters[0] });

const instance = (extra: Partial<DBInstance>): { DBInstances: DBInstance[] } => ({
  DBInstances: [
    {
      DBInstanceIdentifier: 'inventory-db-usw2',
      DBInstanceArn: REPLICA,
      DBInstanceClass: 'db.r6g.large',
      Engine: 'postgres',
      EngineVersion: '16.4',
      DBInstanceStatus: 'available',
      MultiAZ: false,
      AvailabilityZone: 'us-west-2a',
      ReadReplicaSourceDBInstanceIdentifier: REPLICA_SOURCE,
      ...extra,
    },
  ],
});

const unexpected = (): never => {
  throw new Error('Unexpected command');
};
const regionalClients = <C>(make: (region: string) => C) => ({
  'us-east-1': make('us-east-1'),
  'us-west-2': make('us-west-2'),
});
const rdsClients = regionalClients((region) => new RDSClient({ region }));
const lambdaClients = regionalClients((region) => new LambdaClient({ region }));
const cwClients = regionalClients((region) => new CloudWatchClient({ region }));
const rds = { use1: mockClient(rdsClients['us-east-1']), usw2: mockClient(rdsClients['us-west-2']) };
const lambda = { use1: mockClient(lambdaClients['us-east-1']), usw2: mockClient(lambdaClients['us-west-2']) };
const cw = { use1: mockClient(cwClients['us-east-1']), usw2: mockClient(cwClients['us-west-2']) };
const allMocks = [rds.use1, rds.usw2, lambda.use1, lambda.usw2, cw.use1, cw.usw2];

let asked: string[];
const clients: HookClients = {
  rds: (r) => (asked.push(`rds:${r}`), rdsClients[r as keyof typeof rdsClients]),
  lambda: (r) => (asked.push(`lambda:${r}`), lambdaClients[r as keyof typeof lambdaClients]),
  cloudwatch: (r) => (asked.push(`cloudwatch:${r}`), cwClients[r as keyof typeof cwClients]),
};

beforeEach(() => {
  asked = [];
  for (const m of allMocks) m.reset().callsFake(unexpected);
});

/** What an orchestrator does: read the fence, and call only when nothing has started. */
const promoteOnce = async (hook: HookExecutor, c: HookContext) => {
  const fence = await hook.fence();
  return fence.state === 'not-started' ? hook.execute(c) : fence;
};

const hookErrorOf = async (p: Promise<unknown>): Promise<HookError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HookError);
  return err as HookError;
};

describe('aurora-global hook', () => {
  it("fails over with AllowDataLoss to the target, through the target region's client only", async () => {
    // Arrange
    rds.usw2.on(DescribeGlobalClustersCommand).resolves(globalCluster(PRIMARY));
    rds.usw2.on(FailoverGlobalClusterCommand).resolves(accepted(failingOver('pending')));
    const hook = makeHook(aurora, clients);
    // Act
    const result = await promoteOnce(hook, ctx('outage'));
    // Assert
    expect(result).toMatchObject({ status: 'started' });
    expect(rds.usw2.commandCalls(FailoverGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([
      { GlobalClusterIdentifier: 'orders-global', TargetDbClusterIdentifier: TARGET, AllowDataLoss: true },
    ]);
    expect(rds.use1.calls()).toHaveLength(0);
    expect(new Set(asked)).toEqual(new Set(['rds:us-west-2']));
  });

  it('switches over (no data loss) for a planned promotion', async () => {
    // Arrange
    rds.usw2.on(DescribeGlobalClustersCommand).resolves(globalCluster(PRIMARY));
    rds.usw2.on(SwitchoverGlobalClusterCommand).resolves(
      accepted(
        globalCluster(PRIMARY, {
          FailoverState: {
            Status: 'pending',
            FromDbClusterArn: PRIMARY,
            ToDbClusterArn: TARGET,
            IsDataLossAllowed: false,
          },
        }),
      ),
    );
    const hook = makeHook(aurora, clients);
    // Act
    await promoteOnce(hook, ctx('planned'));
    // Assert
    expect(rds.usw2.commandCalls(SwitchoverGlobalClusterCommand).map((c) => c.args[0].input)).toEqual([
      { GlobalClusterIdentifier: 'orders-global', TargetDbClusterIdentifier: TARGET },
    ]);
    expect(rds.usw2.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });

  it('describes the exact call for approvals and the ledger', () => {
    // Arrange
    const hook = makeHook(aurora, clients);
    // Act
    const text = [hook.describe(ctx('outage')), hook.describe(ctx('planned'))];
    // Assert
    expect(text).toEqual([
      `rds:FailoverGlobalCluster orders-global → ${TARGET} (AllowDataLoss, us-west-2 endpoint)`,
      `rds:SwitchoverGlobalCluster orders-global → ${TARGET} (no data loss, us-west-2 endpoint)`,
    ]);
  });

  it.each([
    ['the target is already the writer', globalCluster(TARGET), 'done'],
    ['a failover is running', failingOver('failing-over'), 'in-progress'],
    ['a request is pending', failingOver('pending'), 'in-progress'],
  ])('does not fail over again when %s', async (_case, described, state) => {
    // Arrange
    rds.usw2.on(DescribeGlobalClustersCommand).resolves(described);
    const hook = makeHook(aurora, clients);
    // Act
    const result = await promoteOnce(hook, ctx('outage'));
    // Assert
    expect(result).toMatchObject({ state });
    expect(rds.usw2.commandCalls(FailoverGlobalClusterCommand)).toHaveLength(0);
  });

  it('maps InvalidGlobalClusterStateFault to a non-retryable error that asks for a fence re-check', async () => {
    // Arrange
    rds.usw2.on(FailoverGlobalClusterCommand).rejects(
      new InvalidGlobalClusterStateFault({
        message: 'Global cluster orders-global is in an invalid state for failover.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const hook = makeHook(aurora, clients);
    // Act
    const err = await hookErrorOf(hook.execute(ctx('outage')));
    // Assert
    expect(err).toMatchObject({ retryable: false, recheckFence: true });
    expect(err.message).toMatch(/InvalidGlobalClusterStateFault.*re-check the fence/);
  });

  it('maps RDS throttling to a retryable error', async () => {
    // Arrange
    rds.usw2.on(FailoverGlobalClusterCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const hook = makeHook(aurora, clients);
    // Act
    const err = await hookErrorOf(hook.execute(ctx('outage')));
    // Assert
    expect(err.retryable).toBe(true);
  });

  it('maps GlobalClusterNotFoundFault to a non-retryable error', async () => {
    // Arrange
    rds.usw2.on(DescribeGlobalClustersCommand).rejects(
      new GlobalClusterNotFoundFault({
        message: 'Global cluster orders-global not found.',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    const hook = makeHook(aurora, clients);
    // Act
    const err = await hookErrorOf(hook.fence());
    // Assert
    expect(err).toMatchObject({ retryable: false, recheckFence: false });
  });

  it('reports in-progress, then success with the new topology', async () => {
    // Arrange
    rds.usw2.on(DescribeGlobalClustersCommand).resolvesOnce(failingOver()).resolvesOnce(globalCluster(TARGET));
    const hook = makeHook(aurora, clients);
    // Act
    const checks = [await hook.checkCompletion(), await hook.checkCompletion()];
    // Assert
    expect(checks.map((c) => c.status)).toEqual(['in-progress', 'succeeded']);
    expect(checks[1]?.topology).toEqual({ newWriter: TARGET, oldWriter: PRIMARY });
  });

  it.each([
    ['the target left the global cluster', globalCluster(PRIMARY, {}, [PRIMARY])],
    ['nothing is in flight and the primary is still the writer', globalCluster(PRIMARY)],
  ])('reports failure when %s', async (_case, described) => {
    // Arrange
    rds.usw2.on(DescribeGlobalClustersCommand).resolves(described);
    const hook = makeHook(aurora, clients);
    // Act
    const check = await hook.checkCompletion();
    // Assert
    expect(check.status).toBe('failed');
  });

  it('reads AuroraGlobalDBRPOLag (ms) of the target cluster in its region as seconds', async () => {
    // Arrange
    cw.usw2.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'rpo',
          Label: 'AuroraGlobalDBRPOLag',
          StatusCode: 'Complete',
          Timestamps: [new Date(NOW - 60_000), new Date(NOW - 120_000)],
          Values: [850, 1200],
        },
        {
          Id: 'replication',
          Label: 'AuroraGlobalDBReplicationLag',
          StatusCode: 'Complete',
          Timestamps: [new Date(NOW - 60_000)],
          Values: [90_000],
        },
      ],
    });
    const hook = makeHook(aurora, clients);
    // Act
    const lag = await hook.replicaLagSeconds?.(new Date(NOW));
    // Assert
    expect(lag).toBe(1.2);
    const input = cw.usw2.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.StartTime).toEqual(new Date(NOW - 300_000));
    expect(input?.MetricDataQueries?.[0]?.MetricStat).toEqual({
      Metric: {
        Namespace: 'AWS/RDS',
        MetricName: 'AuroraGlobalDBRPOLag',
        Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'orders-aurora-usw2' }],
      },
      Period: 60,
      Stat: 'Maximum',
    });
  });

  it('falls back to AuroraGlobalDBReplicationLag, and answers undefined without datapoints', async () => {
    // Arrange
    cw.usw2
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'rpo', StatusCode: 'Complete', Timestamps: [], Values: [] },
          { Id: 'replication', StatusCode: 'Complete', Timestamps: [new Date(NOW)], Values: [4500] },
        ],
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'rpo', StatusCode: 'Complete', Timestamps: [], Values: [] },
          { Id: 'replication', StatusCode: 'Complete', Timestamps: [], Values: [] },
        ],
      });
    const hook = makeHook(aurora, clients);
    // Act
    const lags = [await hook.replicaLagSeconds?.(new Date(NOW)), await hook.replicaLagSeconds?.(new Date(NOW))];
    // Assert
    expect(lags).toEqual([4.5, undefined]);
  });

  it('gives the switchover back to the primary as the failback command', () => {
    // Arrange
    const hook = makeHook(aurora, clients);
    // Act
    const cmd = hook.failbackCommand?.();
    // Assert
    expect(cmd).toBe(
      `aws rds switchover-global-cluster --region us-east-1 --global-cluster-identifier orders-global --target-db-cluster-identifier ${PRIMARY}`,
    );
  });
});

describe('rds-replica hook', () => {
  it('promotes the replica in its own region and says the promotion is one-way', async () => {
    // Arrange
    rds.usw2.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'inventory-db-usw2' }).resolves(instance({}));
    rds.usw2
      .on(PromoteReadReplicaCommand)
      .resolves({ DBInstance: instance({ DBInstanceStatus: 'modifying' }).DBInstances[0] });
    const hook = makeHook(replicaHook, clients);
    // Act
    const result = await promoteOnce(hook, ctx('outage'));
    // Assert
    expect(result).toMatchObject({ status: 'started' });
    expect(rds.usw2.commandCalls(PromoteReadReplicaCommand).map((c) => c.args[0].input)).toEqual([
      { DBInstanceIdentifier: 'inventory-db-usw2' },
    ]);
    expect(rds.use1.calls()).toHaveLength(0);
    expect(hook.describe(ctx())).toContain('one-way');
  });

  it('does not promote an instance that is already stand-alone', async () => {
    // Arrange
    rds.usw2.on(DescribeDBInstancesCommand).resolves(instance({ ReadReplicaSourceDBInstanceIdentifier: undefined }));
    const hook = makeHook(replicaHook, clients);
    // Act
    const result = await promoteOnce(hook, ctx('outage'));
    // Assert
    expect(result).toMatchObject({ state: 'done' });
    expect(rds.usw2.commandCalls(PromoteReadReplicaCommand)).toHaveLength(0);
  });

  it('maps InvalidDBInstanceStateFault to a non-retryable error that asks for a fence re-check', async () => {
    // Arrange
    rds.usw2.on(PromoteReadReplicaCommand).rejects(
      new InvalidDBInstanceStateFault({
        message: 'DB Instance is not a read replica.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const hook = makeHook(replicaHook, clients);
    // Act
    const err = await hookErrorOf(hook.execute(ctx()));
    // Assert
    expect(err).toMatchObject({ retryable: false, recheckFence: true });
  });

  it('reports promoting, then success naming the former source', async () => {
    // Arrange
    rds.usw2
      .on(DescribeDBInstancesCommand)
      .resolvesOnce(instance({ DBInstanceStatus: 'modifying' }))
      .resolvesOnce(instance({ DBInstanceStatus: 'available', ReadReplicaSourceDBInstanceIdentifier: undefined }));
    const hook = makeHook(replicaHook, clients);
    // Act
    const checks = [await hook.checkCompletion(), await hook.checkCompletion()];
    // Assert
    expect(checks.map((c) => c.status)).toEqual(['in-progress', 'succeeded']);
    expect(checks[1]?.topology).toEqual({ newWriter: REPLICA, oldWriter: REPLICA_SOURCE });
  });

  it('reads ReplicaLag (seconds) of the replica instance', async () => {
    // Arrange
    cw.usw2.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'lag', StatusCode: 'Complete', Timestamps: [new Date(NOW)], Values: [3, 7] }],
    });
    const hook = makeHook(replicaHook, clients);
    // Act
    const lag = await hook.replicaLagSeconds?.(new Date(NOW));
    // Assert
    expect(lag).toBe(7);
    const stat = cw.usw2.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0]?.MetricStat;
    expect(stat?.Metric).toEqual({
      Namespace: 'AWS/RDS',
      MetricName: 'ReplicaLag',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'inventory-db-usw2' }],
    });
  });
});

describe('lambda hook', () => {
  const invokeOutput = (payload: unknown, extra: Partial<InvokeCommandOutput> = {}) =>
    ({
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
      $metadata: {},
      ...extra,
    }) as InvokeCommandOutput;

  it('invokes the function synchronously in its region with the promotion payload', async () => {
    // Arrange
    lambda.usw2.on(InvokeCommand).resolves(invokeOutput({ ok: true }));
    const hook = makeHook(lambdaHook, clients);
    // Act
    const result = await hook.execute(ctx());
    // Assert
    expect(result.status).toBe('done');
    const input = lambda.usw2.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: FUNCTION, InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({
      promotionId: 'orders-api#12',
      group: 'orders-api',
      episode: 12,
      reason: 'outage',
      event: ctx().event,
    });
    expect((await hook.checkCompletion()).status).toBe('succeeded');
  });

  it("turns a FunctionError into a non-retryable error carrying the function's message", async () => {
    // Arrange
    lambda.usw2
      .on(InvokeCommand)
      .resolves(
        invokeOutput(
          { errorType: 'Error', errorMessage: 'cache cluster promote-cache-usw2 not found', trace: [] },
          { FunctionError: 'Unhandled' },
        ),
      );
    const hook = makeHook(lambdaHook, clients);
    // Act
    const err = await hookErrorOf(hook.execute(ctx()));
    // Assert
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('Error: cache cluster promote-cache-usw2 not found');
  });

  it('treats throttling as retryable', async () => {
    // Arrange
    lambda.usw2.on(InvokeCommand).rejects(
      new TooManyRequestsException({
        message: 'Rate Exceeded.',
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        $metadata: { httpStatusCode: 429 },
      }),
    );
    const hook = makeHook(lambdaHook, clients);
    // Act
    const err = await hookErrorOf(hook.execute(ctx()));
    // Assert
    expect(err.retryable).toBe(true);
  });
});

describe('webhook hook', () => {
  let rx: Receiver;
  let sleeps: number[];
  const webhook = (url: string, extra: Partial<Extract<HookConfig, { type: 'webhook' }>> = {}) =>
    makeHook({ type: 'webhook', url, secret: SECRET, allowPrivateTargets: true, ...extra }, clients, {
      now: () => NOW,
      sleep: async (ms) => void sleeps.push(ms),
    });

  beforeEach(async () => {
    sleeps = [];
    rx = await startReceiver();
  });
  afterEach(() => rx.close());

  it('posts the promotion signed like notify webhooks', async () => {
    // Arrange
    const hook = webhook(`${rx.url}/hooks/promote`);
    // Act
    await hook.execute(ctx());
    // Assert
    const req = rx.requests[0];
    expect(req?.json).toEqual({
      version: 1,
      type: 'r53-failover.promotion',
      promotionId: 'orders-api#12',
      group: 'orders-api',
      episode: 12,
      reason: 'outage',
      event: ctx().event,
    });
    expect(req?.headers['x-r53f-id']).toBe('orders-api#12');
    const ok = verifyWebhookSignature({
      secret: SECRET,
      timestamp: String(req?.headers['x-r53f-timestamp']),
      body: req?.body ?? '',
      signature: String(req?.headers['x-r53f-signature']),
      now: NOW,
    });
    expect(ok).toBe(true);
  });

  it('reads the secret from the SSM parameter when one is named', async () => {
    // Arrange
    const param = '/r53-failover/promote-webhook';
    const hook = makeHook(
      { type: 'webhook', url: `${rx.url}/x`, secretSsmParameter: param, allowPrivateTargets: true },
      clients,
      { now: () => NOW, secret: async (p) => (p === param ? SECRET : 'wrong-secret-value') },
    );
    // Act
    await hook.execute(ctx());
    // Assert
    const req = rx.requests[0];
    expect(
      verifyWebhookSignature({
        secret: SECRET,
        timestamp: String(req?.headers['x-r53f-timestamp']),
        body: req?.body ?? '',
        signature: String(req?.headers['x-r53f-signature']),
        now: NOW,
      }),
    ).toBe(true);
  });

  it('retries a 500 and succeeds on the 200 that follows', async () => {
    // Arrange
    rx.respondWith((_req, i) => ({ status: i === 0 ? 500 : 200 }));
    const hook = webhook(`${rx.url}/hooks/promote`);
    // Act
    const result = await hook.execute(ctx());
    // Assert
    expect(result).toMatchObject({ status: 'done' });
    expect(rx.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('gives up after three attempts with a retryable error', async () => {
    // Arrange
    rx.respondWith(() => ({ status: 503, headers: { 'retry-after': '2' } }));
    const hook = webhook(`${rx.url}/hooks/promote`);
    // Act
    const err = await hookErrorOf(hook.execute(ctx()));
    // Assert
    expect(err.retryable).toBe(true);
    expect(rx.requests).toHaveLength(3);
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('does not retry a 400', async () => {
    // Arrange
    rx.respondWith(() => ({ status: 400, body: 'bad signature' }));
    const hook = webhook(`${rx.url}/hooks/promote`);
    // Act
    const err = await hookErrorOf(hook.execute(ctx()));
    // Assert
    expect(err.retryable).toBe(false);
    expect(rx.requests).toHaveLength(1);
    expect((await hook.checkCompletion()).status).toBe('failed');
  });

  it.each([
    [
      'instance metadata',
      'http://169.254.169.254/latest/meta-data/',
      true,
      /refused: link-local address 169\.254\.169\.254/,
    ],
    ['loopback without allowPrivateTargets', 'http://127.0.0.1:9/hooks', false, /set allowPrivateTargets/],
  ])('refuses %s without sending anything', async (_case, url, allowPrivateTargets, message) => {
    // Arrange
    const hook = webhook(url, { allowPrivateTargets });
    // Act
    const err = await hookErrorOf(hook.execute(ctx()));
    // Assert
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(message);
    expect(sleeps).toHaveLength(0);
  });
});
