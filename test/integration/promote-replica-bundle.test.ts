import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupPk, seqSk } from '../../shared/ledger/schema.js';
import { bundleOnLedger, streamRecordOf } from '../helpers/bundle.js';
import { FIXTURE_CONFIG_YAML } from '../helpers/events.js';
import { scanAll } from '../helpers/ledger.js';

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

let bundle: Awaited<ReturnType<typeof bundleOnLedger<Handler>>>;
beforeAll(async () => {
  bundle = await bundleOnLedger<Handler>('promote-replica', CONFIG, {
    failedAt: new Date(Date.now() - 60_000).toISOString(),
  });
});
afterAll(() => bundle.stop());

describe('promote-replica bundle (dist/promote-replica/index.js)', () => {
  it('takes a FAILED_OVER stream record and the schedule, and writes its dry-run promotion to the ledger', async () => {
    const item = (await scanAll(bundle.dynamo.client, bundle.table)).find(
      (i) => i.pk?.S === groupPk('orders-api') && i.sk?.S === seqSk(1),
    );
    expect(item?.event?.S).toBe('FAILED_OVER');
    const fromStream = await bundle.handler({ Records: [streamRecordOf(item, '1')] }, context);
    expect(fromStream.batchItemFailures).toEqual([]);
    const fromSchedule = await bundle.handler(schedule, context);
    const steps = [...fromStream.steps, ...fromSchedule.steps];
    // Requested from the stream record; the schedule (hold-down 0) then runs it as a dry run.
    expect(steps[0]).toMatch(/ PROMOTION_REQUESTED$/);
    expect(steps.length).toBeGreaterThan(1);
    const promotions = (await scanAll(bundle.dynamo.client, bundle.table)).filter((i) => i.kind?.S === 'promotion');
    expect(promotions.length).toBeGreaterThan(0);
  });

  it('rejects an event that is neither a stream batch, the schedule nor an RDS event', async () => {
    await expect(bundle.handler({ hello: 'world' }, context)).rejects.toMatchObject({ name: 'InvalidEventError' });
  });
});
