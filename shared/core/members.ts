/** The members of a failover group, and the group every health check that no group names is recorded under. */

/** The group every health check that no group names is recorded under. */
export const UNASSIGNED_GROUP = 'unassigned';

export type MemberRole = 'primary' | 'secondary';
export type Role = MemberRole | 'unknown';

/** Where a health check sits in the configuration. */
export interface HealthCheckPlacement {
  group: string;
  role: Role;
  region?: string;
}
