import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { correlationIdOf } from '../shared/core/alarm-event.js';
import { makeDocumentClient } from '../shared/support/clients.js';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { loadLedgerEnv } from '../shared/config/env.js';
import { InvalidEventError } from '../shared/support/errors.js';
import { recordEvent, type RecordOutcome } from '../shared/record/recorder.js';
import { indexHealthChecks, indexTargetGroups } from '../shared/config/lookups.js';
import { emfMetrics, NAMESPACE } from '../shared/support/metrics.js';

// Module scope: env and config are validated once per container; a bad deploy fails at cold start.
const env = loadLedgerEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
// No publisher here: the ledger table's stream is the outbox that carries new entries to the notify function.
const deps = {
  ledger: new DynamoDbLedgerStore(makeDocumentClient(), env.LEDGER_TABLE),
  placements: indexHealthChecks(config),
  targetGroups: indexTargetGroups(config),
  log: logger,
  now: () => new Date(),
  metrics: emfMetrics(NAMESPACE),
};

/** EventBridge, SNS or alarm-action payload in; one outcome per alarm notification out. Malformed input throws (→ retries → DLQ). */
export const recordFailover = async (
  event: unknown,
  context: Context,
): Promise<{ outcomes: Omit<RecordOutcome, 'entry'>[] }> => {
  const correlationId = correlationIdOf(event, context.awsRequestId);
  logger.appendKeys({ correlationId });
  // Our alarms are this account's: arn:aws:lambda:<region>:<account>:function:<name>.
  const accountId = context.invokedFunctionArn?.split(':')[4];
  try {
    const outcomes = await recordEvent(
      event,
      { ...deps, accountId },
      correlationId,
      Buffer.byteLength(JSON.stringify(event)),
    );
    return { outcomes: outcomes.map(({ entry: _entry, ...o }: RecordOutcome & { entry?: unknown }) => o) };
  } catch (err) {
    if (err instanceof InvalidEventError)
      logger.error('event rejected: nothing written', { correlationId, error: err });
    else logger.error('recording failed; the invocation will be retried', { correlationId, error: err });
    throw err;
  }
};

// resetKeys: the correlation id appended per invocation never leaks into the next one.
export const handler = middy<unknown, Awaited<ReturnType<typeof recordFailover>>>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(recordFailover);
