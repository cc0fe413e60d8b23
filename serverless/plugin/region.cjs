'use strict';
// Where each stack may deploy: the recorder only in us-east-1, the probe stack anywhere else.

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

module.exports = { REQUIRED_REGION, checkRegion };
