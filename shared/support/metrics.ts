import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The stack's own metrics: what its dashboard draws and its alarms watch (serverless/plugin/monitoring.cjs names the
 * same namespaces and metrics; test/integration/monitoring-template.test.ts checks that they agree).
 */
export const NAMESPACE = 'R53Failover';
export const PROBES_NAMESPACE = 'R53Failover/Probes';

export const METRIC = {
  /** Recorder, per group (dimension Group): which member DNS serves after a transition (SERVING_VALUE). */
  servingMember: 'ServingMember',
  /** Recorder, per rule (dimension Rule: foreign-account, foreign-region): alarms ignored as not this stack's. */
  foreignAlarmIgnored: 'ForeignAlarmIgnored',
  /** Recorder, per event (dimension Event): fresh transitions, FAILED_OVER among them. */
  groupEvents: 'GroupEvents',
  /** notify, per channel (dimension Channel): deliveries that went out, failed attempts, given-up deliveries. */
  notificationsSent: 'NotificationsSent',
  notificationsFailed: 'NotificationsFailed',
  notificationsDeadLettered: 'NotificationsDeadLettered',
  /** promote-replica, per event (dimension Event): promotion steps it recorded. */
  promotionSteps: 'PromotionSteps',
  /** regional-probe, in its own region (dimensions Group, Member, ProbeRegion). */
  probeSuccess: 'ProbeSuccess',
  probeLatency: 'ProbeLatency',
  dnsConvergence: 'DnsConvergence',
  dnsFailback: 'DnsFailback',
  /** regional-probe's heartbeat, in the ledger's region (dimension ProbeRegion): the probe-region alarm reads it. */
  roundCompleted: 'RoundCompleted',
} as const;

/** ServingMember's values: a line at 1 is the primary, 2 the secondary, 0 neither (no failover group). */
export const SERVING_VALUE = { primary: 1, secondary: 2, none: 0 } as const;

export type MetricUnitName = 'Count' | 'Milliseconds' | 'Seconds' | 'None';

/** Where domain code puts a data point; the Lambdas write EMF, tests capture, the CLI drops them. */
export interface MetricSink {
  put(
    name: string,
    unit: MetricUnitName,
    value: number,
    dimensions: Record<string, string>,
    metadata?: Record<string, string>,
  ): void;
}

export const noMetrics: MetricSink = { put() {} };

/**
 * CloudWatch embedded metric format through Powertools: one EMF document per data point in the function's log, which
 * CloudWatch Logs turns into metrics (no cloudwatch:PutMetricData). A single-metric logger flushes on addMetric and
 * then drops its dimensions, so every point carries exactly its own (plus Powertools' `service`).
 */
export const emfMetrics = (namespace: string): MetricSink => {
  const metrics = new Metrics({ namespace, serviceName: 'r53-failover' });
  return {
    put(name, unit, value, dimensions, metadata = {}) {
      const single = metrics.singleMetric();
      single.addDimensions(dimensions);
      for (const [k, v] of Object.entries(metadata)) single.addMetadata(k, v);
      single.addMetric(name, unit, value);
    },
  };
};
