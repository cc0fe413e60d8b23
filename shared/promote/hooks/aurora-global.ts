// The aurora-global hook: FailoverGlobalCluster (outage) or SwitchoverGlobalCluster (planned) to the target cluster.
import {
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import type { HookConfig } from '../../config/schema.js';
import { arnParts, lagSeconds, send } from './common.js';
import { HookError, type HookClients, type HookExecutor } from './types.js';

const IN_FLIGHT = new Set(['pending', 'failing-over', 'switching-over', 'cancelling']);

export const auroraGlobalHook = (
  hook: Extract<HookConfig, { type: 'aurora-global' }>,
  clients: HookClients,
): HookExecutor => {
  const id = hook.globalClusterId;
  const target = arnParts(hook.targetClusterArn);
  const primary = arnParts(hook.primaryClusterArn);
  const same = (a: string | undefined, b: string) => a?.toLowerCase() === b.toLowerCase();
  // Always the target's region: the primary region is the impaired one.
  const rds = () => clients.rds(target.region);

  const read = async () => {
    const out = await send('rds:DescribeGlobalClusters', false, () =>
      rds().send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: id })),
    );
    const gc = out.GlobalClusters?.find((g) => same(g.GlobalClusterIdentifier, id));
    if (!gc) throw new HookError(`global cluster ${id} is not visible from ${target.region}`, { retryable: false });
    const members = gc.GlobalClusterMembers ?? [];
    const fs = gc.FailoverState?.Status ? gc.FailoverState : undefined;
    return {
      member: members.find((m) => same(m.DBClusterArn, hook.targetClusterArn)),
      writer: members.find((m) => m.IsWriter)?.DBClusterArn ?? 'none',
      members: members.map((m) => m.DBClusterArn).join(', ') || 'none',
      inFlight:
        fs && IN_FLIGHT.has(String(fs.Status))
          ? `global ${fs.IsDataLossAllowed ? 'failover' : 'switchover'} ${String(fs.Status)} from ${fs.FromDbClusterArn ?? '?'} to ${fs.ToDbClusterArn ?? '?'}`
          : undefined,
    };
  };

  return {
    type: 'aurora-global',
    describe: (ctx) =>
      ctx.reason === 'outage'
        ? `rds:FailoverGlobalCluster ${id} → ${hook.targetClusterArn} (AllowDataLoss, ${target.region} endpoint)`
        : `rds:SwitchoverGlobalCluster ${id} → ${hook.targetClusterArn} (no data loss, ${target.region} endpoint)`,
    async fence() {
      const s = await read();
      if (s.inFlight) return { state: 'in-progress', detail: s.inFlight };
      if (!s.member)
        throw new HookError(
          `${hook.targetClusterArn} is not a member of global cluster ${id} (members: ${s.members})`,
          { retryable: false },
        );
      if (s.member.IsWriter) return { state: 'done', detail: `${target.name} is already the writer of ${id}` };
      return { state: 'not-started', detail: `writer of ${id} is ${s.writer}; no failover or switchover in progress` };
    },
    async execute(ctx, signal) {
      const opts = signal ? { abortSignal: signal } : {};
      const input = { GlobalClusterIdentifier: id, TargetDbClusterIdentifier: hook.targetClusterArn };
      const op = ctx.reason === 'outage' ? 'rds:FailoverGlobalCluster' : 'rds:SwitchoverGlobalCluster';
      const out = await send(op, true, () =>
        ctx.reason === 'outage'
          ? rds().send(new FailoverGlobalClusterCommand({ ...input, AllowDataLoss: true }), opts)
          : rds().send(new SwitchoverGlobalClusterCommand(input), opts),
      );
      const status = out.GlobalCluster?.FailoverState?.Status ?? out.GlobalCluster?.Status ?? 'accepted';
      return {
        status: 'started',
        detail: `${op} ${id} → ${target.name} accepted in ${target.region} (${String(status)})`,
      };
    },
    async checkCompletion() {
      const s = await read();
      if (!s.member)
        return {
          status: 'failed',
          detail: `${hook.targetClusterArn} is no longer a member of ${id} (members: ${s.members})`,
        };
      if (s.inFlight) return { status: 'in-progress', detail: s.inFlight };
      if (s.member.IsWriter) {
        return {
          status: 'succeeded',
          detail: `${target.name} is the writer of ${id}`,
          topology: { newWriter: hook.targetClusterArn, oldWriter: hook.primaryClusterArn },
        };
      }
      return {
        status: 'failed',
        detail: `no failover or switchover in progress and ${target.name} is not the writer (writer: ${s.writer}): it failed or was cancelled (RDS-EVENT-0239, 0186, 0187)`,
      };
    },
    // AuroraGlobalDBRPOLag is published by Aurora PostgreSQL only; AuroraGlobalDBReplicationLag (also ms) stands in for Aurora MySQL.
    replicaLagSeconds: (now) =>
      lagSeconds(clients.cloudwatch(target.region), now, [
        {
          id: 'rpo',
          metric: 'AuroraGlobalDBRPOLag',
          dimension: 'DBClusterIdentifier',
          value: target.name,
          perSecond: 1000,
        },
        {
          id: 'replication',
          metric: 'AuroraGlobalDBReplicationLag',
          dimension: 'DBClusterIdentifier',
          value: target.name,
          perSecond: 1000,
        },
      ]),
    failbackCommand: () =>
      `aws rds switchover-global-cluster --region ${primary.region} --global-cluster-identifier ${id} --target-db-cluster-identifier ${hook.primaryClusterArn}`,
  };
};
