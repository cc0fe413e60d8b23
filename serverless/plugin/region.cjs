'use strict';
// Where each stack may deploy (the recorder only in us-east-1, the probe stack anywhere else), and what the
// regional-probe of a stack's region has to probe.

/** Route 53 publishes HealthCheckStatus only in us-east-1, so alarms, rule and topic must live there. */
const REQUIRED_REGION = 'us-east-1';

/** Refuses the wrong region for the stack (`isProbeStack`: serverless.probe.yml) with an error saying where it goes. */
const checkRegion = (region, isProbeStack, error) => {
  if (isProbeStack) {
    // The recorder stack runs regional-probe in us-east-1; a second one there would double that region's rounds
    // (two writers of one region's verdict).
    if (region === REQUIRED_REGION) {
      throw error(
        `r53-failover-probe is for the probe regions other than ${REQUIRED_REGION}: the recorder stack (serverless.yml) ` +
          `already probes from ${REQUIRED_REGION}. Deploy this stack with --region <probe region>, once per other probe ` +
          'region (see docs/deploy.md).',
      );
    }
    return;
  }
  if (region !== REQUIRED_REGION) {
    throw error(
      `r53-failover deploys to ${REQUIRED_REGION} only, not ${region}: Route 53 publishes HealthCheckStatus ` +
        `metrics only in ${REQUIRED_REGION}, so the health check alarms, the EventBridge rule and the alarm topic ` +
        `must live there. Use --region ${REQUIRED_REGION} (the ledger can be read from any region; see docs/deploy.md).`,
    );
  }
};

const PROBE_FUNCTION = 'regional-probe';

/**
 * What to log about `region`'s regional-probe (probeSettingsFor: groups.<g>.probeSettings.regions, else
 * probes.regions, else the members' regions): verbose, the groups it probes; a warning when it probes none (it would
 * run every minute and do nothing), saying what else the stack holds there (`alarmsHere` target-health alarms).
 * Undefined with no groups (already reported).
 */
const probeRegionFinding = ({ config, tools, region, configName, alarmsHere, error }) => {
  const groups = Object.keys(config.groups);
  if (groups.length === 0) return undefined;
  if (typeof tools.probeSettingsFor !== 'function') {
    throw error(
      'r53-failover: dist/sls/config.cjs does not export probeSettingsFor; rebuild with `node scripts/build.mjs`',
    );
  }
  const byRegion = new Map();
  for (const group of groups) {
    for (const r of tools.probeSettingsFor(config, group).regions) byRegion.set(r, [...(byRegion.get(r) || []), group]);
  }
  if (byRegion.has(region)) {
    return {
      level: 'verbose',
      message: `r53-failover: ${PROBE_FUNCTION} in ${region} probes ${byRegion.get(region).join(', ')}`,
    };
  }
  const listed = [...byRegion.keys()].sort();
  return {
    level: 'warning',
    message:
      `r53-failover: ${region} is not a probe region of any group, so ${PROBE_FUNCTION} in this stack will probe nothing ` +
      `(probe regions in ${configName}: ${listed.join(', ') || 'none'}). Probe regions come from ` +
      "probes.regions or groups.<group>.probeSettings.regions, by default the members' regions." +
      (alarmsHere
        ? ` The stack still holds this region's ${alarmsHere} target-health alarm(s) and their forwarding rule.`
        : ''),
  };
};

module.exports = { REQUIRED_REGION, checkRegion, probeRegionFinding };
