'use strict';
// Database promotion: the targets failover.yml's promotion hooks name, and the RDS event rules limited to them.
const { sourceArnFilter } = require('./limits.cjs');
const { REQUIRED_REGION } = require('./region.cjs');

/** serverless.probe.yml: forwards this region's RDS events about promotion targets to the us-east-1 default bus. */
const FORWARD_RULE_ID = 'RdsEventForwardRule';
const FORWARD_ROLE_ID = 'RdsEventForwardRole';

/**
 * What the promotion hooks of failover.yml name, deduplicated in config order: global cluster ids, DB cluster ARNs
 * (target and primary), replica instance ARNs, Lambda function ARNs and the webhook hooks' SSM parameters (URL and
 * secret); and the groups in mode auto (they read their primary's HealthCheckStatus before promoting without an
 * approval).
 */
const promotionTargets = (config) => {
  const t = {
    globalClusters: new Set(),
    clusters: new Set(),
    instances: new Set(),
    functions: new Set(),
    secrets: new Set(),
    autoGroups: new Set(),
  };
  for (const [name, g] of Object.entries(config.groups || {})) {
    if (g.promotion?.mode === 'auto') t.autoGroups.add(name);
    for (const h of g.promotion?.hooks || []) {
      if (h.type === 'aurora-global') {
        t.globalClusters.add(h.globalClusterId);
        t.clusters.add(h.targetClusterArn);
        t.clusters.add(h.primaryClusterArn);
      } else if (h.type === 'rds-replica') t.instances.add(h.replicaInstanceArn);
      else if (h.type === 'lambda') t.functions.add(h.functionArn);
      else if (h.type === 'webhook') {
        for (const name of [h.urlSsmParameter, h.secretSsmParameter]) if (name) t.secrets.add(name);
      }
    }
  }
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [...v]]));
};

/**
 * promote-replica's events with its RDS event rule limited to the named clusters and replica instances
 * (`detail.SourceArn`, widened to prefixes past the pattern size limit: sourceArnFilter), or without the rule when
 * none is named. `events` is left as is.
 */
const limitRdsRule = (events, t, log) => {
  const sources = [...t.clusters, ...t.instances];
  return events.flatMap((event) => {
    if (!isRdsRule(event)) return [event];
    if (sources.length === 0) return [];
    const copy = structuredClone(event);
    const { pattern, widened } = sourceArnFilter(copy.eventBridge.pattern, sources);
    copy.eventBridge.pattern = pattern;
    if (widened && log) log.notice(widenedNotice(copy.eventBridge.name || 'the RDS event rule', sources.length));
    return [copy];
  });
};

/** The notice when the exact ARNs do not fit in an event pattern (sourceArnFilter). */
const widenedNotice = (rule, n) =>
  `r53-failover: ${n} promotion targets do not fit in ${rule}'s event pattern (2,048 characters): it matches RDS ` +
  'events by account and region prefix instead; promote-replica ignores events about other databases';

/** promote-replica's eventBridge event on `source: aws.rds`. */
const isRdsRule = (event) => {
  const pattern = event?.eventBridge?.pattern;
  return Boolean(pattern && [].concat(pattern.source || []).includes('aws.rds'));
};

/**
 * serverless.probe.yml's RDS event forwarding rule: only the promotion targets in this stack's region (RDS events
 * stay in their region); the rule and its role are dropped where none lives.
 */
const configureForwarding = (resources, { config, region, log }) => {
  const rule = resources[FORWARD_RULE_ID];
  if (!rule || !config) return;
  const t = promotionTargets(config);
  const here = [...t.clusters, ...t.instances].filter((arn) => arn.split(':')[3] === region);
  if (here.length === 0) {
    delete resources[FORWARD_RULE_ID];
    delete resources[FORWARD_ROLE_ID];
    log.verbose(`r53-failover: no promotion target in ${region}: no RDS event forwarding rule`);
    return;
  }
  const { pattern, widened } = sourceArnFilter(rule.Properties.EventPattern, here);
  rule.Properties.EventPattern = pattern;
  log.verbose(`r53-failover: forwarding RDS events about ${here.join(', ')} to ${REQUIRED_REGION}`);
  if (widened) log.notice(widenedNotice(FORWARD_RULE_ID, here.length));
};

module.exports = { promotionTargets, limitRdsRule, configureForwarding };
