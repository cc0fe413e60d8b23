import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { emfWrittenBy, loadBundle } from '../helpers/bundle.js';
import { refusedUrl } from '../helpers/http-receiver.js';
import { startLocalDynamo } from '../helpers/ledger.js';
import { type MotoServer, motoAvailable, motoClientConfig, motoSkipReason, startMoto } from '../helpers/moto.js';

type Handler = (event: unknown, ctx: Context) => Promise<{ rounds: number; events: string[] }>;

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let app: Receiver;
let table: string;
let handler: Handler;
let restoreEnv: () => void;
/** CloudWatch for the heartbeat; without moto_server the heartbeat goes to a closed port (and is only logged). */
let moto: MotoServer | undefined;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  moto = motoAvailable ? await startMoto() : undefined;
  ({ table } = await dynamo.freshTable());
  app = await startReceiver((req) =>
    req.path.startsWith('/use1') ? { status: 200, body: '{"db":"up"}' } : { status: 500, body: '{"db":"down"}' },
  );
  ({ handler, restoreEnv } = loadBundle<Handler>(
    'regional-probe',
    `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary: { region: us-east-1, healthCheckId: 4dd370d3-b015-4e3f-a866-db054eabfffb, endpoint: "${app.url}/use1/healthz" }
    secondary: { region: us-west-2, healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4, endpoint: "${app.url}/usw2/healthz" }
probes:
  regions: [us-east-1]
  quorum: { required: 1, consecutive: 1 }
  allowPrivateTargets: true
`,
    {
      LEDGER_TABLE: table,
      LEDGER_REGION: 'us-east-1',
      PROBE_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: moto?.endpoint ?? (await refusedUrl()),
      ROUND_BUDGET_MS: '1000',
    },
  ));
});
afterAll(async () => {
  restoreEnv();
  await Promise.all([app.close(), dynamo.stop(), moto?.stop()]);
});

const schedule = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 5_000 }) as unknown as Context;

describe('regional-probe bundle (dist/regional-probe/index.js)', () => {
  it('runs a round, stores results, emits EMF metrics and records PROBE_DOWN for the failing member', async () => {
    // Little time left: exactly one round, then the function returns instead of waiting for the next interval.
    const { result: res, emf } = await emfWrittenBy<
      Awaited<ReturnType<Handler>>,
      { ProbeSuccess?: number; Member?: string }
    >(() =>
      handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, {
        awsRequestId: 'p',
        getRemainingTimeInMillis: () => 5_000,
      } as unknown as Context),
    );
    expect(res.rounds).toBe(1);
    expect(res.events).toEqual(['orders-api#1 PROBE_DOWN secondary']);
    expect(app.requests.map((r) => r.path).sort()).toEqual(['/use1/healthz', '/usw2/healthz']);
    const store = new DynamoDbProbeStore(makeDocumentClient(dynamo.client), table);
    expect((await store.listResults('orders-api', 'secondary'))[0]).toMatchObject({
      ok: false,
      status: 500,
      region: 'us-east-1',
    });
    expect(emf.length).toBeGreaterThanOrEqual(2);
    expect(emf[0]?._aws?.CloudWatchMetrics[0]?.Namespace).toBe('R53Failover/Probes');
    expect(emf[0]?._aws?.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(
      expect.arrayContaining(['Group', 'Member', 'ProbeRegion']),
    );
    expect(emf.find((e) => e?.Member === 'secondary' && e.ProbeSuccess !== undefined)?.ProbeSuccess).toBe(0);
    // Every metric keeps its dimensions (a single-metric logger drops them after its first metric).
    const latency = emf.filter((e) => (e as { ProbeLatency?: number })?.ProbeLatency !== undefined);
    expect(latency).toHaveLength(2);
    for (const e of latency)
      expect(e?._aws?.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(
        expect.arrayContaining(['Group', 'Member', 'ProbeRegion']),
      );
  });

  it.skipIf(motoSkipReason())(
    'reports its region’s heartbeat to CloudWatch in the ledger region after a round',
    async () => {
      const quiet = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        expect((await handler(schedule, context('h'))).rounds).toBe(1);
      } finally {
        quiet.mockRestore();
      }
      const cw = new CloudWatchClient(motoClientConfig(moto as MotoServer));
      const listed = await cw.send(
        new ListMetricsCommand({ Namespace: 'R53Failover/Probes', MetricName: 'RoundCompleted' }),
      );
      cw.destroy();
      expect(listed.Metrics?.map((m) => m.Dimensions)).toEqual([[{ Name: 'ProbeRegion', Value: 'us-east-1' }]]);
    },
  );
});
