import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LedgerStore } from '../ledger/store.js';
import { R53FailoverError } from '../support/errors.js';
import { buildDigest, digestJson } from './digest.js';

/** Writing a digest to the digest bucket failed (the ledger was read; nothing was stored). */
export class DigestArchiveError extends R53FailoverError {
  override readonly name: string = 'DigestArchiveError';
}

/** Where write-digest puts each run's digest: `digests/<generatedAt>.json`, one object per run. */
export const DIGEST_KEY_PREFIX = 'digests/';
const DAY_MS = 86_400_000;

export interface ArchiveDigestDeps {
  ledger: LedgerStore;
  s3: S3Client;
  bucket: string;
  /** Days the object stays locked (failover.yml `audit.digestRetentionDays`). */
  retentionDays: number;
  now: () => Date;
}

export interface DigestArchived {
  bucket: string;
  key: string;
  versionId?: string;
  generatedAt: string;
  groups: number;
  retainUntil: string;
}

/**
 * Builds the digest and stores it under its own key, locked in COMPLIANCE mode until `now + retentionDays`: no one,
 * the account's root user included, can overwrite or delete that object version before then (Amazon S3 User Guide,
 * "Locking objects with Object Lock", https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html). The
 * bucket's default retention says the same; the explicit one also holds if that default is ever lowered.
 */
export const archiveDigest = async (deps: ArchiveDigestDeps): Promise<DigestArchived> => {
  const now = deps.now();
  const digest = await buildDigest(deps.ledger, now);
  const key = `${DIGEST_KEY_PREFIX}${digest.generatedAt}.json`;
  const retainUntil = new Date(now.getTime() + deps.retentionDays * DAY_MS);
  let versionId: string | undefined;
  try {
    const res = await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: key,
        Body: digestJson(digest),
        ContentType: 'application/json',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: retainUntil,
        // S3 refuses an upload with a retention period that carries no Content-MD5 or checksum header (PutObject,
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html): ask for one whatever the SDK defaults.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    versionId = res.VersionId;
  } catch (err) {
    throw new DigestArchiveError(`write digest s3://${deps.bucket}/${key} failed`, { cause: err });
  }
  return {
    bucket: deps.bucket,
    key,
    ...(versionId ? { versionId } : {}),
    generatedAt: digest.generatedAt,
    groups: Object.keys(digest.groups).length,
    retainUntil: retainUntil.toISOString(),
  };
};
