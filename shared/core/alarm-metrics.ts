import { InvalidEventError } from '../support/errors.js';
import type { AlarmDetail } from './alarm-schemas.js';

/**
 * What an alarm watches, read from its metrics in either delivery form: a Route 53 health check (`AWS/Route53
 * HealthCheckStatus`, single metric or metric math) or an ALB/NLB target group (`HealthyHostCount`, a metric or a
 * Metrics Insights query). Used by the one normaliser (alarm-event.ts).
 */

/** A metric reference in either delivery form, reduced to what classification needs. */
export interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, string | undefined>;
  /** Where the dimensions live (`….dimensions`, or a Metrics Insights query), for the message when one is missing. */
  path: string;
}

const ROUTE53_NS = 'AWS/Route53';
const HEALTH_METRIC = 'HealthCheckStatus';
/**
 * Target health of an ALB or NLB: `HealthyHostCount` per `TargetGroup` (and `LoadBalancer`), published in the load
 * balancer's region. "CloudWatch metrics for your Application Load Balancer" / "… for your Network Load Balancer",
 * Elastic Load Balancing User Guides, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
 */
export const ELB_NAMESPACES: readonly string[] = ['AWS/ApplicationELB', 'AWS/NetworkELB'];
const TARGET_METRIC = 'HealthyHostCount';

/**
 * A CloudWatch Metrics Insights query (`SELECT MIN(HealthyHostCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer,
 * TargetGroup) WHERE TargetGroup = 'targetgroup/…'`) as a metric reference: its namespace, metric and the
 * `Dimension = 'value'` equalities of its WHERE clause. Undefined for a metric-math expression (`m1 + m2`).
 * "Metrics Insights query components and syntax", Amazon CloudWatch User Guide,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html
 */
export const insightsRef = (expression: string, path: string): MetricRef | undefined => {
  const q =
    /^\s*SELECT\s+\w+\s*\(\s*"?([\w.-]+)"?\s*\)\s+FROM\s+(?:SCHEMA\s*\(\s*"([^"]+)"[^)]*\)|"([^"]+)"|([\w/.-]+))(.*)$/is.exec(
      expression,
    );
  if (!q) return undefined;
  const where = /\bWHERE\b(.*?)(?:\bGROUP\s+BY\b|\bORDER\s+BY\b|\bLIMIT\b|$)/is.exec(q[5] ?? '')?.[1] ?? '';
  const dimensions: Record<string, string> = {};
  for (const m of where.matchAll(/"?(\w+)"?\s*=\s*'((?:[^']|'')*)'/g))
    dimensions[m[1] as string] = (m[2] as string).replace(/''/g, "'");
  return { namespace: q[2] ?? q[3] ?? q[4] ?? '', name: q[1] as string, dimensions, path };
};

export type Classified =
  | { ok: true; healthCheckIds: string[]; healthCheckId: string; metricMath: boolean }
  | { ok: true; healthCheckIds: []; healthCheckId: ''; targetGroup: string; loadBalancer?: string; metricMath: boolean }
  | { ok: false; reason: string };

/** The distinct values of one dimension across `refs` (an error naming the path when one lacks it), preferred first. */
const idsOf = (refs: MetricRef[], dimension: string, what: string, prefer: (id: string) => boolean): string[] => {
  const missing = refs.find((m) => !m.dimensions[dimension]);
  if (missing)
    throw new InvalidEventError(
      `${/expression$/i.test(missing.path) ? `${missing.path}: has no WHERE ${dimension} = '…'` : `${missing.path}.${dimension}: is required`} (${what})`,
    );
  const ids = [...new Set(refs.map((m) => m.dimensions[dimension] as string))];
  const preferred = ids.find(prefer);
  return preferred ? [preferred, ...ids.filter((id) => id !== preferred)] : ids;
};

/**
 * Picks what an alarm watches out of its single metric, metric math or Metrics Insights query: Route 53 health checks
 * (`AWS/Route53 HealthCheckStatus`) or, failing that, target groups (`HealthyHostCount` of an ALB or NLB).
 */
export const classifyMetrics = (
  metrics: MetricRef[],
  /** The alarm evaluates an expression (metric math or a Metrics Insights query). */
  hasExpression: boolean,
  composite: boolean,
  prefer: (id: string) => boolean,
): Classified => {
  if (metrics.length === 0) {
    return {
      ok: false,
      reason: composite
        ? 'composite alarm: no AWS/Route53 HealthCheckStatus metric (its child alarms arrive as their own events)'
        : 'alarm has no metric: not an AWS/Route53 HealthCheckStatus alarm',
    };
  }
  const metricMath = hasExpression || metrics.length > 1;
  const health = metrics.filter((m) => m.namespace === ROUTE53_NS && m.name === HEALTH_METRIC);
  if (health.length > 0) {
    const ids = idsOf(
      health.map((m) => ({ ...m, dimensions: { HealthCheckId: m.dimensions.HealthCheckId?.toLowerCase() } })),
      'HealthCheckId',
      `the Route 53 health check id of an ${ROUTE53_NS} ${HEALTH_METRIC} metric`,
      prefer,
    );
    return { ok: true, healthCheckIds: ids, healthCheckId: ids[0] as string, metricMath };
  }
  const targets = metrics.filter((m) => ELB_NAMESPACES.includes(m.namespace) && m.name === TARGET_METRIC);
  if (targets.length > 0) {
    const [targetGroup] = idsOf(targets, 'TargetGroup', `the target group of a ${TARGET_METRIC} metric`, prefer);
    const loadBalancer = targets.find((m) => m.dimensions.TargetGroup === targetGroup)?.dimensions.LoadBalancer;
    return {
      ok: true,
      healthCheckIds: [],
      healthCheckId: '',
      targetGroup: targetGroup as string,
      ...(loadBalancer ? { loadBalancer } : {}),
      metricMath,
    };
  }
  const seen = [...new Set(metrics.map((m) => `${m.namespace} ${m.name}`))].join(', ');
  return {
    ok: false,
    reason: `other namespace/metric: ${seen}, not ${ROUTE53_NS} ${HEALTH_METRIC} or ${ELB_NAMESPACES.join('/')} ${TARGET_METRIC}`,
  };
};

/** The transition fields a classification contributes. */
export const watched = (cls: Extract<Classified, { ok: true }>) => ({
  healthCheckId: cls.healthCheckId,
  healthCheckIds: cls.healthCheckIds,
  ...('targetGroup' in cls ? { targetGroup: cls.targetGroup } : {}),
  ...('loadBalancer' in cls && cls.loadBalancer ? { loadBalancer: cls.loadBalancer } : {}),
  metricMath: cls.metricMath,
});

export const detailMetrics = (detail: AlarmDetail, root: string): MetricRef[] =>
  (detail.configuration?.metrics ?? []).flatMap((m, i) => {
    const path = `${root}.configuration.metrics[${i}]`;
    if (m.metricStat)
      return [
        {
          namespace: m.metricStat.metric.namespace,
          name: m.metricStat.metric.name,
          dimensions: m.metricStat.metric.dimensions ?? {},
          path: `${path}.metricStat.metric.dimensions`,
        },
      ];
    const q = m.expression === undefined ? undefined : insightsRef(m.expression, `${path}.expression`);
    return q ? [q] : [];
  });
