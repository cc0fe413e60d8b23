import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveDigest, DigestArchiveError, type DigestArchived } from '../../shared/audit/digest-archive.js';
import type { LedgerDigest } from '../../shared/audit/digest.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { loadBundle } from '../helpers/bundle.js';
import { cliIn } from '../helpers/cli.js';
import { EVENTS_DIR, FIXTURE_CONFIG_YAML, PRIMARY_HC } from '../helpers/events.js';
import { NOW, recorderDeps, startLocalDynamo } from '../helpers/ledger.js';
import { motoClientConfig, motoSkipReason, startMoto, type MotoServer } from '../helpers/moto.js';

const cli = cliIn({ now: () => NOW });
const workspace = () => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-digest-'));
  writeFileSync(join(dir, 'failover.yml'), FIXTURE_CONFIG_YAML);
  return dir;
};
const HEX64 = /^[0-9a-f]{64}$/;

describe('r53-failover digest on the embedded ledger', () => {
  it('writes each group’s head, exactly {generatedAt, groups: {<group>: {seq, hash}}}, and verifies against it', async () => {
    // Arrange: orders-api #1 (ALARM) and #2 (OK) through ingest
    const cwd = workspace();
    const events = ['eventbridge/alarm-state-change-alarm.json', 'eventbridge/alarm-state-change-ok.json'];
    expect((await cli(cwd, 'ingest', '--no-notify', ...events.map((e) => join(EVENTS_DIR, e)))).code).toBe(0);
    // Act
    const res = await cli(cwd, 'digest');
    const toFile = await cli(cwd, 'digest', '--out', 'heads.json');
    // Assert
    expect(res.code).toBe(0);
    const digest = JSON.parse(res.out) as LedgerDigest;
    expect(Object.keys(digest)).toEqual(['generatedAt', 'groups']);
    expect(digest.generatedAt).toBe(NOW.toISOString());
    expect(Object.keys(digest.groups)).toEqual(['orders-api']);
    expect(Object.keys(digest.groups['orders-api'] ?? {})).toEqual(['seq', 'hash']);
    expect(digest.groups['orders-api']?.seq).toBe(2);
    expect(digest.groups['orders-api']?.hash).toMatch(HEX64);
    const verified = JSON.parse((await cli(cwd, 'verify', '--json')).out) as { groups: { headHash: string }[] };
    expect(digest.groups['orders-api']?.hash).toBe(verified.groups[0]?.headHash);
    expect(toFile.out).toContain(`digest of 1 group (${NOW.toISOString()}) written to`);
    expect(JSON.parse(readFileSync(join(cwd, 'heads.json'), 'utf8'))).toEqual(digest);
    expect((await cli(cwd, 'verify', '--digest', 'heads.json')).code).toBe(0);
  });

  it('writes an empty digest for an empty ledger', async () => {
    const res = await cli(workspace(), 'digest');
    expect(JSON.parse(res.out)).toEqual({ generatedAt: NOW.toISOString(), groups: {} });
  });

  describe('verify --digest refuses a file that is not a digest, naming the field, the value and the rule', () => {
    const hash = 'a'.repeat(64);
    it.each([
      ['not JSON', '{"generatedAt": ', 'heads.json: not a digest (not JSON)'],
      [
        'a seq of 0',
        JSON.stringify({ generatedAt: NOW.toISOString(), groups: { 'orders-api': { seq: 0, hash } } }),
        'groups.orders-api.seq: expected a chain position (an integer of at least 1), got 0',
      ],
      [
        'a short hash',
        JSON.stringify({ generatedAt: NOW.toISOString(), groups: { 'orders-api': { seq: 2, hash: 'abc' } } }),
        'groups.orders-api.hash: expected an entry hash (64 lowercase hex characters), got "abc"',
      ],
      [
        'a time that is not ISO 8601 UTC',
        JSON.stringify({ generatedAt: 'yesterday', groups: {} }),
        'generatedAt: expected an ISO 8601 UTC time like 2025-06-12T15:00:00.000Z, got "yesterday"',
      ],
      ['an extra field', JSON.stringify({ generatedAt: NOW.toISOString(), groups: {}, by: 'me' }), 'unknown key "by"'],
      [
        'groups as an array',
        JSON.stringify({ generatedAt: NOW.toISOString(), groups: [] }),
        'groups: expected an object of groups',
      ],
    ])('%s', async (_label, text, message) => {
      const cwd = workspace();
      writeFileSync(join(cwd, 'heads.json'), text);
      const res = await cli(cwd, 'verify', '--digest', 'heads.json');
      expect(res.code).toBe(1);
      expect(res.err).toContain(message);
      expect(res.err).not.toMatch(/\n\s+at /);
      expect(res.out).toBe('');
    });

    it('a missing file', async () => {
      const res = await cli(workspace(), 'verify', '--digest', 'nowhere.json');
      expect(res.code).toBe(1);
      expect(res.err).toMatch(/--digest .*nowhere\.json: cannot read: ENOENT/);
    });
  });
});

const skip = motoSkipReason();

describe.skipIf(skip)('write-digest to an S3 bucket with Object Lock (moto_server)', () => {
  let moto: MotoServer;
  let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
  let s3: S3Client;
  const BUCKET = 'r53-failover-test-digests';

  /** A ledger on dynalite with orders-api #1 recorded. */
  const seeded = async () => {
    const { table, store } = await dynamo.freshTable();
    const t = { alarmName: 'r53-failover-test-orders-api-primary-health', healthCheckId: PRIMARY_HC } as const;
    const event = eventBridgeEvent({ ...t, state: 'ALARM', previousState: 'OK', at: '2025-06-12T10:00:00.000Z' });
    expect((await recordEvent(event, recorderDeps(store()), 'seed')).map((o) => o.outcome)).toEqual(['recorded']);
    return { table, store: store() };
  };
  const readObject = async (key: string) =>
    JSON.parse(
      await ((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString() ?? ''),
    );

  beforeAll(async () => {
    [moto, dynamo] = await Promise.all([startMoto(), startLocalDynamo()]);
    s3 = new S3Client({ ...motoClientConfig(moto), forcePathStyle: true });
  });
  beforeEach(async () => {
    await moto.reset();
    // As serverless.yml creates it: Object Lock on (which turns versioning on).
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  });
  afterAll(async () => {
    s3?.destroy();
    await Promise.all([moto?.stop(), dynamo?.stop()]);
  });

  it('stores the digest under digests/<generatedAt>.json, locked in COMPLIANCE mode for the configured days', async () => {
    // Arrange
    const { store } = await seeded();
    // Act
    const written = await archiveDigest({ ledger: store, s3, bucket: BUCKET, retentionDays: 30, now: () => NOW });
    // Assert
    const key = `digests/${NOW.toISOString()}.json`;
    expect(written).toMatchObject({ bucket: BUCKET, key, generatedAt: NOW.toISOString(), groups: 1 });
    expect(written.retainUntil).toBe(new Date(NOW.getTime() + 30 * 86_400_000).toISOString());
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.toISOString()).toBe(written.retainUntil);
    expect(head.ContentType).toBe('application/json');
    const stored = await readObject(key);
    expect(stored).toEqual({
      generatedAt: NOW.toISOString(),
      groups: { 'orders-api': { seq: 1, hash: (await store.head('orders-api')).entry?.hash } },
    });
  });

  it('fails naming the bucket and key when the bucket has no Object Lock, and stores nothing', async () => {
    const { store } = await seeded();
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-bucket' }));
    const attempt = archiveDigest({ ledger: store, s3, bucket: 'plain-bucket', retentionDays: 30, now: () => NOW });
    await expect(attempt).rejects.toBeInstanceOf(DigestArchiveError);
    await expect(attempt).rejects.toThrow(`write digest s3://plain-bucket/digests/${NOW.toISOString()}.json failed`);
    await expect(
      s3.send(new HeadObjectCommand({ Bucket: 'plain-bucket', Key: `digests/${NOW.toISOString()}.json` })),
    ).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('runs as the bundled Lambda: ledger and bucket from its environment, retention from the shipped config', async () => {
    // Arrange: what serverless.yml sets, with the ledger on dynalite and S3 on moto
    const { table, store } = await seeded();
    const { handler, restoreEnv } = loadBundle<(e: unknown, c: Context) => Promise<DigestArchived>>(
      'write-digest',
      `${FIXTURE_CONFIG_YAML}audit:\n  digestRetentionDays: 45\n`,
      {
        LEDGER_TABLE: table,
        DIGEST_BUCKET: BUCKET,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_S3: moto.endpoint,
      },
    );
    try {
      const before = Date.now();
      // Act
      const written = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, {
        awsRequestId: 'req-1',
        functionName: 'write-digest',
      } as unknown as Context);
      // Assert
      expect(written.key).toBe(`digests/${written.generatedAt}.json`);
      expect(Date.parse(written.generatedAt)).toBeGreaterThanOrEqual(before);
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: written.key }));
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
      expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(Date.parse(written.generatedAt) + 45 * 86_400_000);
      expect((await readObject(written.key)).groups).toEqual({
        'orders-api': { seq: 1, hash: (await store.head('orders-api')).entry?.hash },
      });
      // Compliance mode: the version cannot be deleted before its retention ends (45 days from now).
      await expect(
        s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: written.key, VersionId: written.versionId })),
      ).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      restoreEnv();
    }
  });
});
