import { groupStatuses } from '../../shared/audit/status.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { DynamoDbPromotionStore } from '../../shared/promote/promotion-store.js';
import { COMMON_OPTIONS, parseFlags } from '../args.js';
import { withContext, type Io } from '../context.js';

export const STATUS_HELP = `r53-failover status [options]

Current state of each failover group: every member's latest alarm state and the member DNS is serving
(Route 53 rules: the primary unless it is unhealthy and the secondary is not; both unhealthy → primary).

Options:
  --group NAME      one group
  --json            {"groups": [{group, recordName, serving, lastEvent, lastChangeAt, entries,
                    members: {primary: {basis, healthCheckId, targetGroups?, region, state, stateChangedAt, event,
                    probes?}, secondary: {...}},
                    basis: health-check | target-health | none (no health check: Route 53 treats it as healthy);
                    targetGroups: {"targetgroup/<name>/<id>": {state, stateChangedAt}} for target-health members
                    promotion?: {id, status, dueAt, expiresAt?}}]}
  --config, --ledger, --table, --stage, --region, --profile   as for ingest`;

export const status = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('status', args, { ...COMMON_OPTIONS, group: { type: 'string' } });
  if (values.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  return withContext(io, values, async ({ loaded, ledger }) => {
    const groups = await groupStatuses(loaded.config, ledger.store, values.group, {
      probes: new DynamoDbProbeStore(ledger.doc, ledger.store.tableName),
      promotions: new DynamoDbPromotionStore(ledger.doc, ledger.store.tableName),
    });
    if (values.json) {
      io.out(JSON.stringify({ groups }, null, 2));
      return 0;
    }
    if (groups.length === 0) {
      io.out(
        values.group
          ? `no group ${values.group} in the config or the ledger`
          : `no groups configured and nothing recorded (config: ${loaded.path ?? 'none'})`,
      );
      return 0;
    }
    for (const g of groups) {
      const what = g.lastEvent ? `last event ${g.lastEvent} at ${g.lastChangeAt}` : 'no transitions recorded yet';
      io.out(
        `${g.group}${g.recordName ? ` (${g.recordName} ${g.recordType})` : ''}: serving ${g.serving.toUpperCase()}; ${what}`,
      );
      for (const [key, m] of Object.entries(g.members)) {
        const state =
          m.basis === 'none'
            ? 'no health check: Route 53 treats it as always healthy'
            : m.state
              ? `${m.state} since ${m.stateChangedAt}`
              : 'no data recorded (assumed healthy)';
        const watched = m.targetGroups
          ? Object.entries(m.targetGroups)
              .map(([tg, t]) => `${tg} ${t.state ?? 'no data'}`)
              .join(', ')
          : m.healthCheckId || 'healthCheck: none';
        io.out(
          `  ${key.padEnd(10)} ${(m.region ?? '').padEnd(14)} ${watched}  ${state}${m.probes ? `; probes ${m.probes.quorum} since ${m.probes.since}` : ''}`,
        );
      }
      if (g.promotion)
        io.out(
          `  promotion  ${g.promotion.id} ${g.promotion.status}${g.promotion.status === 'AWAITING_APPROVAL' ? ` until ${g.promotion.expiresAt}: r53-failover promote approve ${g.promotion.id}` : ` (hold-down until ${g.promotion.dueAt})`}`,
        );
    }
    return 0;
  });
};
