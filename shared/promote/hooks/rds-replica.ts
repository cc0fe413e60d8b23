// The rds-replica hook: PromoteReadReplica of a cross-region RDS read replica (one-way).
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand } from '@aws-sdk/client-rds';
import type { HookConfig } from '../../config/schema.js';
import { arnParts, lagSeconds, send } from './common.js';
import { HookError, type HookClients, type HookExecutor } from './types.js';

const FAILED_INSTANCE_STATUSES = new Set([
  'failed',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-restore',
  'incompatible-credentials',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
  'deleting',
]);

export const rdsReplicaHook = (
  hook: Extract<HookConfig, { type: 'rds-replica' }>,
  clients: HookClients,
): HookExecutor => {
  const replica = arnParts(hook.replicaInstanceArn);
  const rds = () => clients.rds(replica.region);
  // The source is only readable before promotion: remembered for the topology once seen.
  let source: string | undefined;
  const read = async () => {
    const out = await send('rds:DescribeDBInstances', false, () =>
      rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: replica.name })),
    );
    const db = out.DBInstances?.[0];
    if (!db) throw new HookError(`${replica.name} is not visible in ${replica.region}`, { retryable: false });
    const from = db.ReadReplicaSourceDBInstanceIdentifier;
    if (from) source = from;
    const status = db.DBInstanceStatus ?? 'unknown';
    return { from, status, standalone: !from && status === 'available' };
  };
  return {
    type: 'rds-replica',
    describe: () =>
      `rds:PromoteReadReplica ${replica.name} (${replica.region} endpoint; one-way: the replica stops replicating and cannot be re-attached)`,
    async fence() {
      const s = await read();
      if (s.standalone) return { state: 'done', detail: `${replica.name} is a stand-alone instance (available)` };
      if (s.from && s.status === 'available')
        return { state: 'not-started', detail: `${replica.name} replicates from ${s.from}` };
      return {
        state: 'in-progress',
        detail: `${replica.name} is ${s.status}${s.from ? ` (source ${s.from})` : ' (no replication source)'}`,
      };
    },
    async execute(_ctx, signal) {
      const out = await send('rds:PromoteReadReplica', true, () =>
        rds().send(
          new PromoteReadReplicaCommand({ DBInstanceIdentifier: replica.name }),
          signal ? { abortSignal: signal } : {},
        ),
      );
      source = out.DBInstance?.ReadReplicaSourceDBInstanceIdentifier ?? source;
      return {
        status: 'started',
        detail: `rds:PromoteReadReplica ${replica.name} accepted in ${replica.region} (${out.DBInstance?.DBInstanceStatus ?? 'accepted'})`,
      };
    },
    async checkCompletion() {
      const s = await read();
      if (s.standalone) {
        return {
          status: 'succeeded',
          detail: `${replica.name} is a stand-alone instance (available)`,
          topology: {
            newWriter: hook.replicaInstanceArn,
            oldWriter: source ?? 'unknown (the source was not seen before promotion)',
          },
        };
      }
      if (FAILED_INSTANCE_STATUSES.has(s.status)) return { status: 'failed', detail: `${replica.name} is ${s.status}` };
      return { status: 'in-progress', detail: `${replica.name} is ${s.status}${s.from ? ` (source ${s.from})` : ''}` };
    },
    replicaLagSeconds: (now) =>
      lagSeconds(clients.cloudwatch(replica.region), now, [
        { id: 'lag', metric: 'ReplicaLag', dimension: 'DBInstanceIdentifier', value: replica.name, perSecond: 1 },
      ]),
    failbackCommand: () =>
      [
        `# PromoteReadReplica is one-way: ${replica.name} cannot be switched back into a replica. To fail back when the primary region is healthy:`,
        `# 1. Create a replica of it in the primary region: aws rds create-db-instance-read-replica --region <primary-region> --db-instance-identifier <new-id> --source-db-instance-identifier ${hook.replicaInstanceArn} [--db-subnet-group-name … --kms-key-id …]`,
        '# 2. Wait until its ReplicaLag is near 0, then stop writes to the application.',
        '# 3. Promote it: aws rds promote-read-replica --region <primary-region> --db-instance-identifier <new-id>',
        `# 4. Point the application and this hook's replicaInstanceArn at the new layout, and rebuild a replica in ${replica.region}.`,
      ].join('\n'),
  };
};
