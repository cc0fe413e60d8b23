import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudWatchHeartbeat } from '../../shared/probe/heartbeat.js';
import { METRIC, PROBES_NAMESPACE } from '../../shared/support/metrics.js';
import { refusedUrl } from '../helpers/http-receiver.js';
import { captureLog } from '../helpers/ledger.js';
import { type MotoServer, motoClientConfig, motoSkipReason, startMoto } from '../helpers/moto.js';

// The probe-region heartbeat (shared/probe/heartbeat.ts) against moto_server's CloudWatch: the recorder stack's alarm
// per probe region (serverless/plugin/monitoring.cjs) reads exactly this metric.

const AT = new Date('2025-06-12T14:03:00.000Z');

describe.skipIf(motoSkipReason())('probe heartbeat against moto_server (CloudWatch)', () => {
  let moto: MotoServer;
  let client: CloudWatchClient;
  beforeAll(async () => {
    moto = await startMoto();
    client = new CloudWatchClient(motoClientConfig(moto));
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('puts RoundCompleted = 1 for its probe region, where the probe-region alarm looks', async () => {
    const log = captureLog();
    await cloudWatchHeartbeat(() => client, 'eu-west-1', log)(AT);
    const listed = await client.send(new ListMetricsCommand({ Namespace: PROBES_NAMESPACE }));
    expect(listed.Metrics?.map((m) => [m.MetricName, m.Dimensions])).toEqual([
      [METRIC.roundCompleted, [{ Name: 'ProbeRegion', Value: 'eu-west-1' }]],
    ]);
    const data = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(AT.getTime() - 60_000),
        EndTime: new Date(AT.getTime() + 60_000),
        MetricDataQueries: [
          {
            Id: 'rounds',
            MetricStat: {
              Metric: {
                Namespace: PROBES_NAMESPACE,
                MetricName: METRIC.roundCompleted,
                Dimensions: [{ Name: 'ProbeRegion', Value: 'eu-west-1' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(data.MetricDataResults?.[0]?.Values).toEqual([1]);
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});

describe('probe heartbeat when CloudWatch cannot be reached', () => {
  it('logs a warning and returns: the probe round goes on', async () => {
    const log = captureLog();
    const client = new CloudWatchClient({
      endpoint: await refusedUrl(),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    await expect(cloudWatchHeartbeat(() => client, 'eu-west-1', log)(AT)).resolves.toBeUndefined();
    expect(log.lines.map((l) => [l.level, l.message, l.extra.region])).toEqual([
      ['warn', 'probe heartbeat not sent; the probe-region alarm fires if no round reports for 3 minutes', 'eu-west-1'],
    ]);
    client.destroy();
  });
});
