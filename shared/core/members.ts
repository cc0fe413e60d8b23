/** The members of a failover group, and the group every health check that no group names is recorded under. */

/** The group every health check that no group names is recorded under. */
export const UNASSIGNED_GROUP = 'unassigned';

export type MemberRole = 'primary' | 'secondary';
export type Role = MemberRole | 'unknown';

/** Where a health check (or a target group) sits in the configuration. */
export interface HealthCheckPlacement {
  group: string;
  role: Role;
  region?: string;
  /**
   * A target-health member's target groups (their CloudWatch `TargetGroup` dimensions), all of which Route 53 weighs
   * for the member's alias record; only these count towards the member's health.
   */
  targetGroups?: string[];
  /** Members of the group with `healthCheck: none`: Route 53 treats their records as always healthy. */
  alwaysHealthy?: MemberRole[];
}
