import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { groupPk, seqSk } from '../../shared/ledger/schema.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { loadBundle } from '../helpers/bundle.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC } from '../helpers/events.js';
import { recorderDeps, scanAll, startLocalDynamo } from '../helpers/ledger.js';

// The promote-replica bundle loaded and invoked as Lambda does (ledger stream records, the schedule), on a dynalite
// ledger, for a group whose promotion runs in dry-run mode (nothing is called on RDS).
const context = { awsRequestId: 'req-p', functionName: 'promote-replica' } as unknown as Context;
type Handler = (event: unknown, ctx: Context) => Promise<{ steps: string[]; batchItemFailures?: unknown[] }>;
const CONFIG = FIXTURE_CONFIG_YAML.replace(
  '    secondary:',
  `    promotion:
      mode: dry-run
      holdDownSeconds: 0
      hooks:
        - type: rds-replica
          replicaInstanceArn: arn:aws:rds:us-west-2:123456789012:db:orders-replica
    secondary:`,
);
const schedule = {
  version: '0',
  id: 's',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: {},
};

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let table: string;
let handler: Handler;
let restoreEnv: () => void;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  let store: Awaited<ReturnType<typeof dynamo.freshTable>>['store'];
  ({ table, store } = await dynamo.freshTable());
  await recordEvent(
    eventBridgeEvent({
      alarmName: 'a',
      healthCheckId: PRIMARY_HC,
      state: 'ALARM',
      previousState: 'OK',
      at: new Date(Date.now() - 60_000).toISOString(),
    }),
    recorderDeps(store(), undefined, CONFIG),
    'c',
  );
  ({ handler, restoreEnv } = loadBundle<Handler>('promote-replica', CONFIG, {
    LEDGER_TABLE: table,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  }));
});
afterAll(async () => {
  restoreEnv();
  await dynamo.stop();
});

describe('promote-replica bundle (dist/promote-replica/index.js)', () => {
  it('takes a FAILED_OVER stream record and the schedule, and writes its dry-run promotion to the ledger', async () => {
    const item = (await scanAll(dynamo.client, table)).find(
      (i) => i.pk?.S === groupPk('orders-api') && i.sk?.S === seqSk(1),
    );
    expect(item?.event?.S).toBe('FAILED_OVER');
    const record = {
      eventID: 'e-1',
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        Keys: { pk: item?.pk, sk: item?.sk },
        NewImage: item,
        SequenceNumber: '1',
        StreamViewType: 'NEW_IMAGE',
      },
    };
    const fromStream = await handler({ Records: [record] }, context);
    expect(fromStream.batchItemFailures).toEqual([]);
    const fromSchedule = await handler(schedule, context);
    const steps = [...fromStream.steps, ...fromSchedule.steps];
    // Requested from the stream record; the schedule (hold-down 0) then runs it as a dry run.
    expect(steps[0]).toMatch(/ PROMOTION_REQUESTED$/);
    expect(steps.length).toBeGreaterThan(1);
    const promotions = (await scanAll(dynamo.client, table)).filter((i) => i.kind?.S === 'promotion');
    expect(promotions.length).toBeGreaterThan(0);
  });

  it('rejects an event that is neither a stream batch, the schedule nor an RDS event', async () => {
    await expect(handler({ hello: 'world' }, context)).rejects.toMatchObject({ name: 'InvalidEventError' });
  });
});
