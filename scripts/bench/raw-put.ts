// The yardstick for the CLI ingest bench, run as its own process like `r53-failover ingest` is:
//   node dist/scripts/raw-put.mjs DIR N
// opens the same kind of embedded ledger as the CLI (dynalite in process, persisted in DIR, the same client and
// table), then writes N ledger-sized items with one conditional PutItem each, sequentially, and exits. No parsing,
// no recorder logic: what is left of the CLI's time above this is what the CLI adds.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { openLedger, DEFAULT_TABLE } from '../../local/embedded-ledger.js';
import { toItem } from '../../shared/ledger/dynamodb-store.js';
import { seal } from '../../shared/ledger/hash.js';
import type { LedgerEntry } from '../../shared/ledger/store.js';

const [dir, n = '2000', groups = '10'] = process.argv.slice(2);
if (!dir) throw new Error('usage: raw-put.mjs DIR [N] [GROUPS]');
const N = Number(n);
const G = Number(groups);

// One realistic sealed transition entry: every item below is this entry under its own keys (same size, same
// index attributes as what the recorder writes).
const at = '2025-03-01T00:00:00.123Z';
const snapshotMember = {
  state: 'ALARM',
  stateChangedAt: at,
  transitionId: 'f'.repeat(64),
  seq: 1,
  healthCheckId: '00000000-0000-4000-8000-000000000001',
  alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:r53-failover-svc-0-primary-health',
  event: 'FAILED_OVER',
  lastKnown: 'ALARM',
};
const template = seal(
  {
    kind: 'transition',
    group: 'svc-0',
    seq: 1,
    transitionId: 'f'.repeat(64),
    role: 'primary',
    healthCheckId: '00000000-0000-4000-8000-000000000001',
    healthCheckIds: ['00000000-0000-4000-8000-000000000001'],
    alarmName: 'r53-failover-svc-0-primary-health',
    alarmArn: snapshotMember.alarmArn,
    region: 'us-east-1',
    accountId: '123456789012',
    state: 'ALARM',
    previousState: 'OK',
    stateChangedAt: at,
    recordedAt: new Date().toISOString(),
    sources: ['eventbridge'],
    event: 'FAILED_OVER',
    stale: false,
    serving: 'secondary',
    reason:
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0] was less than the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    reasonTruncated: false,
    metricMath: false,
    snapshot: {
      primary: snapshotMember,
      secondary: {
        ...snapshotMember,
        healthCheckId: '00000000-0000-4000-8000-000000000002',
        state: 'OK',
        event: 'STANDBY_RECOVERED',
        lastKnown: 'OK',
      },
    },
    episode: 1,
    openEpisode: 1,
  } as LedgerEntry,
  undefined,
);

const ledger = await openLedger({ ledgerDir: dir, env: {} });
try {
  for (let i = 0; i < N; i++) {
    const seq = Math.floor(i / G) + 1;
    const stateChangedAt = new Date(Date.parse(at) + i * 1000).toISOString();
    await ledger.doc.send(
      new PutCommand({
        TableName: DEFAULT_TABLE,
        Item: toItem({ ...template, group: `svc-${i % G}`, seq, stateChangedAt }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
} finally {
  await ledger.close();
}
