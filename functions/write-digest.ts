import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { archiveDigest, type DigestArchived } from '../shared/audit/digest-archive.js';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { loadDigestEnv } from '../shared/config/env.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { makeDocumentClient } from '../shared/support/clients.js';
import { digestRetentionDays } from '../shared/config/lookups.js';

const env = loadDigestEnv();
const retentionDays = digestRetentionDays(loadDeployedConfig(env));
const logger = new Logger({ serviceName: 'r53-failover' });
const doc = makeDocumentClient();
const s3 = new S3Client({});

/** Hourly: every group's chain head (seq, hash) into the Object Lock bucket (shared/audit/digest-archive.ts). */
export const writeDigest = async (): Promise<DigestArchived> => {
  const written = await archiveDigest({
    ledger: new DynamoDbLedgerStore(doc, env.LEDGER_TABLE),
    s3,
    bucket: env.DIGEST_BUCKET,
    retentionDays,
    now: () => new Date(),
  });
  logger.info('ledger digest written', { ...written });
  return written;
};

export const handler = middy<unknown, DigestArchived>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(writeDigest);
