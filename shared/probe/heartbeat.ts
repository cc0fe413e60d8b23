import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Log } from '../support/logger.js';
import { METRIC, PROBES_NAMESPACE } from '../support/metrics.js';

/** How long the heartbeat may hold up a round; a slow CloudWatch must not cost a probe round. */
const HEARTBEAT_TIMEOUT_MS = 3_000;

/**
 * The probe region's heartbeat: `R53Failover/Probes` `RoundCompleted` = 1 with dimension `ProbeRegion`, sent with
 * PutMetricData to the recorder's region (the client's), where one alarm per probe region expects it every minute.
 * Not EMF: EMF metrics land in the probe's own region, and the watchdog must live outside the region it watches
 * (CloudWatch metric alarms only read metrics of their own region). A failed send is logged, never thrown: the
 * round's verdicts matter more than its heartbeat, and three silent minutes raise the alarm anyway.
 */
export const cloudWatchHeartbeat =
  (client: () => CloudWatchClient, region: string, log: Log) =>
  async (at: Date): Promise<void> => {
    try {
      await client().send(
        new PutMetricDataCommand({
          Namespace: PROBES_NAMESPACE,
          MetricData: [
            {
              MetricName: METRIC.roundCompleted,
              Dimensions: [{ Name: 'ProbeRegion', Value: region }],
              Timestamp: at,
              Value: 1,
              Unit: 'Count',
            },
          ],
        }),
        { abortSignal: AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS) },
      );
    } catch (err) {
      log.warn('probe heartbeat not sent; the probe-region alarm fires if no round reports for 3 minutes', {
        region,
        error: err,
      });
    }
  };
