import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ForeignRule } from '../core/alarm-origin.js';

/**
 * The recorder's figures as CloudWatch metrics (`R53Failover/Recorder`, EMF in the function's log): alarms ignored as
 * another account's or region's, by `Rule` (`foreign-account`, `foreign-region`). Alarm on it: nothing genuine is
 * ever counted, so one is someone publishing to the alarm topic or invoking the function.
 */
export const recorderMetrics = (metrics: Metrics) => ({
  foreignAlarm: (rule: ForeignRule): void => {
    // A single-metric logger flushes on addMetric: the count is written even when the invocation later fails.
    const single = metrics.singleMetric();
    single.addDimension('Rule', rule);
    single.addMetric('ForeignAlarmIgnored', MetricUnit.Count, 1);
  },
});
