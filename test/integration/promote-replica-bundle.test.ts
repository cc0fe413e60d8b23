import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSignedWith, type Receiver, startReceiver } from '../helpers/http-receiver.js';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { parseConfigText } from '../../shared/config/file.js';
import { recordEvent, type RecordOutcome } from '../../shared/record/recorder.js';
import { loadBundle } from '../helpers/bundle.js';
import { captureLog, startLocalDynamo } from '../helpers/ledger.js';
import { type MotoServer, motoClientConfig, motoSkipReason, startMoto } from '../helpers/moto.js';
import { groupYaml, t } from '../helpers/promoter.js';
import { indexHealthChecks, indexTargetGroups } from '../../shared/config/lookups.js';

// The promote-replica bundle as Lambda runs it (credentials from the environment only: scripts/lambda-credentials.mjs),
// its AWS clients pointed by the SDK's standard endpoint variables: AWS_ENDPOINT_URL sends CloudWatch and SSM to
// moto_server, and AWS_ENDPOINT_URL_DYNAMODB, which takes precedence for DynamoDB, sends the ledger to dynalite.

const SECRET_PARAMETER = '/r53-failover/promote-hmac';
const SECRET = 'bundle-promote-secret-0123456789';
const ORDERS_HC = {
  primary: '11111111-2222-3333-4444-555555555555',
  secondary: '66666666-7777-8888-9999-000000000000',
};
const BILLING_HC = {
  primary: 'aaaaaaaa-2222-3333-4444-555555555555',
  secondary: 'bbbbbbbb-7777-8888-9999-000000000000',
};
const context = {
  awsRequestId: 'req-p',
  functionName: 'promote-replica',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
type Handler = (event: unknown, ctx: Context) => Promise<{ steps: string[] }>;

const skipReason = motoSkipReason();

describe.skipIf(Boolean(skipReason))('promote-replica bundle (dist/promote-replica/index.js)', () => {
  let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
  let moto: MotoServer;
  let orders: Receiver;
  let billing: Receiver;
  let handler: Handler;
  let restoreEnv: () => void;
  let yaml: string;
  let table: string;
  let store: Awaited<ReturnType<typeof dynamo.freshTable>>['store'];

  beforeAll(async () => {
    [dynamo, moto, orders, billing] = await Promise.all([
      startLocalDynamo(),
      startMoto(),
      startReceiver(() => ({ status: 200, body: '{"ok":true}' })),
      startReceiver(() => ({ status: 200, body: '{"ok":true}' })),
    ]);
    ({ table, store } = await dynamo.freshTable());
    const ssm = new SSMClient(motoClientConfig(moto));
    await ssm.send(new PutParameterCommand({ Name: SECRET_PARAMETER, Type: 'SecureString', Value: SECRET }));
    ssm.destroy();
    // Mode auto, no probes: the only independent signal is each primary's HealthCheckStatus in CloudWatch.
    const promotion = (url: string) =>
      `      mode: auto\n      holdDownSeconds: 0\n      hooks:\n        - { type: webhook, url: "${url}/promote", secretSsmParameter: ${SECRET_PARAMETER}, allowPrivateTargets: true }`;
    yaml = `version: 1\ngroups:\n${groupYaml('orders-api', promotion(orders.url), '', ORDERS_HC)}${groupYaml('billing-api', promotion(billing.url), '', BILLING_HC)}`;
    ({ handler, restoreEnv } = loadBundle<Handler>('promote-replica', yaml, {
      LEDGER_TABLE: table,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    }));
  });
  afterAll(async () => {
    restoreEnv?.();
    await Promise.all([orders?.close(), billing?.close(), moto?.stop(), dynamo?.stop()]);
  });

  it('calls the hook of the group whose health check reads unhealthy, once, and skips the one that reads healthy', async () => {
    const now = Date.now();
    const config = parseConfigText(yaml, 'bundle.yml');
    const recorder = {
      ledger: store(),
      placements: indexHealthChecks(config),
      targetGroups: indexTargetGroups(config),
      log: captureLog(),
      now: () => new Date(),
    };
    // A FAILED_OVER for each group a minute and a half ago, handed to the function as its stream delivers them.
    const records = [];
    for (const [group, hc] of [
      ['orders-api', ORDERS_HC],
      ['billing-api', BILLING_HC],
    ] as const) {
      const x = { ...t('primary', 'ALARM', 'OK', 0, group, hc), at: new Date(now - 90_000).toISOString() };
      const [o] = (await recordEvent(eventBridgeEvent(x), recorder, `c-${group}`)) as RecordOutcome[];
      if (o?.outcome !== 'recorded') throw new Error(`not recorded: ${JSON.stringify(o)}`);
      records.push({
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        dynamodb: {
          SequenceNumber: String(records.length + 1),
          NewImage: marshall({ kind: 'transition', stale: false, group, seq: o.entry.seq }),
        },
      });
    }
    expect((await handler({ Records: records }, context)).steps).toEqual([
      'orders-api#1 PROMOTION_REQUESTED',
      'billing-api#1 PROMOTION_REQUESTED',
    ]);
    const cw = new CloudWatchClient(motoClientConfig(moto));
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Route53',
        MetricData: [
          [ORDERS_HC.primary, 0],
          [BILLING_HC.primary, 1],
        ].map(([id, value]) => ({
          MetricName: 'HealthCheckStatus',
          Dimensions: [{ Name: 'HealthCheckId', Value: String(id) }],
          Value: Number(value),
          Timestamp: new Date(now - 30_000),
        })),
      }),
    );
    cw.destroy();

    const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
    const first = await handler(scheduled, context);
    const again = await handler(scheduled, context);

    expect(first.steps).toEqual([
      'orders-api#1 PROMOTION_IN_PROGRESS',
      'orders-api#1 PROMOTION_SUCCEEDED',
      'billing-api#1 PROMOTION_SKIPPED',
    ]);
    expect(again.steps).toEqual([]);
    expect(billing.requests).toHaveLength(0);
    expect(orders.requests).toHaveLength(1);
    const req = orders.requests[0];
    // Signed with the secret the bundle read from SSM (moto_server) through AWS_ENDPOINT_URL.
    expect(isSignedWith(req, SECRET)).toBe(true);
  });
});
