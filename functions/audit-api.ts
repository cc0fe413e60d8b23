import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { handleAuditRequest, type HttpRequest, type HttpResponse } from '../shared/audit/api.js';
import { statsReport } from '../shared/audit/stats.js';
import { makeDocumentClient } from '../shared/support/clients.js';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { loadLedgerEnv } from '../shared/config/env.js';
import { DynamoDbDeliveryStore } from '../shared/notify/delivery-store.js';

const env = loadLedgerEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
const doc = makeDocumentClient();
const ledger = new DynamoDbLedgerStore(doc, env.LEDGER_TABLE);
const deliveries = new DynamoDbDeliveryStore(doc, env.LEDGER_TABLE);

/** HTTP API (AWS_IAM authorization at the gateway; read-only role): the audit CLI's queries over HTTP. */
export const auditApi = async (event: HttpRequest, context: Context): Promise<HttpResponse> => {
  try {
    return await handleAuditRequest(event, {
      config,
      ledger,
      deliveries,
      now: () => new Date(),
      stats: (q) => statsReport(ledger, deliveries, config, q),
    });
  } catch (err) {
    // Never the error text: it may carry request metadata. The request id lets an operator find the log line.
    logger.error('audit API request failed', { error: err, path: event.rawPath });
    return {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: 'internal error', requestId: context.awsRequestId }),
    };
  }
};

export const handler = middy<HttpRequest, HttpResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(auditApi);
