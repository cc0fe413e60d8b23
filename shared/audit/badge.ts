import { alwaysHealthyRoles } from '../config/lookups.js';
import type { FailoverConfig } from '../config/schema.js';
import { asRoute53Weighs, type GroupSnapshot, isDown } from '../core/failover-transition.js';
import { UNASSIGNED_GROUP } from '../core/members.js';
import type { LedgerStore } from '../ledger/store.js';

/**
 * A shields.io endpoint badge ("Endpoint Badge", https://shields.io/badges/endpoint-badge): `schemaVersion` is always
 * 1, `label` the left text, `message` the right one, `color` a named colour; `cacheSeconds` values below 300 are
 * ignored by Shields, so 300 is the freshest a badge served through it can be.
 */
export interface ShieldsBadge {
  schemaVersion: 1;
  label: string;
  message: string;
  color: string;
  cacheSeconds: number;
}

export const BADGE_CACHE_SECONDS = 300;

/** What a group's badge says, worst first: the first state that holds is the badge. */
export const BADGE_STATES = {
  'both-down': { message: 'both down', color: 'red' },
  'failed-over': { message: 'failed over', color: 'orange' },
  'no-data': { message: 'no data', color: 'lightgrey' },
  'standby-down': { message: 'primary, standby down', color: 'yellow' },
  primary: { message: 'primary', color: 'brightgreen' },
} as const;
export type BadgeState = keyof typeof BADGE_STATES;

/**
 * The state of a group from its ledger head, by Route 53's rule (shared/core/failover-transition.ts `isDown`):
 * both members down (Route 53 answers the primary anyway), the primary down (DNS serves the secondary), nothing
 * known about the primary (no transition recorded, or INSUFFICIENT_DATA: no data is not healthy; unless its record has
 * no health basis, `healthCheck: none`, which Route 53 treats as always healthy), the secondary down (no failover
 * target), else the primary serving.
 */
export const badgeState = (snapshot: GroupSnapshot, primaryAlwaysHealthy = false): BadgeState => {
  const { primary, secondary } = snapshot;
  if (isDown(primary)) return isDown(secondary) ? 'both-down' : 'failed-over';
  if (!primaryAlwaysHealthy && (!primary || primary.state === 'INSUFFICIENT_DATA')) return 'no-data';
  return isDown(secondary) ? 'standby-down' : 'primary';
};

/**
 * The badge of `group`, as the audit API's `GET /badge/{group}` and `r53-failover badge --group` serve it; undefined
 * for a group neither configured nor recorded (and for `unassigned`, which is no failover pair).
 */
export const groupBadge = async (
  config: FailoverConfig,
  ledger: LedgerStore,
  group: string,
): Promise<ShieldsBadge | undefined> => {
  if (group === UNASSIGNED_GROUP) return undefined;
  const head = await ledger.head(group, { fresh: true });
  const configured = Object.hasOwn(config.groups, group) ? config.groups[group] : undefined;
  if (!configured && head.seq === 0) return undefined;
  // As status weighs it: `healthCheck: none` members always healthy, whatever an older config recorded for them.
  const alwaysHealthy = configured ? alwaysHealthyRoles(configured) : [];
  const snapshot = asRoute53Weighs(head.snapshot, alwaysHealthy);
  const { message, color } = BADGE_STATES[badgeState(snapshot, alwaysHealthy.includes('primary'))];
  return { schemaVersion: 1, label: group, message, color, cacheSeconds: BADGE_CACHE_SECONDS };
};

/** The message for a group with no badge, the same in the API's 404 and the CLI's error. */
export const noBadgeMessage = (group: string) =>
  group === UNASSIGNED_GROUP
    ? `"${UNASSIGNED_GROUP}" holds health checks in no group: it has no failover state`
    : `no group "${group}" in the config or the ledger`;
