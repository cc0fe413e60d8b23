import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadDeployedConfig } from '../shared/config/deployed.js';
import { loadNotifyEnv } from '../shared/config/env.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { parseLedgerTrigger } from '../shared/ledger/stream.js';
import { buildChannels } from '../shared/notify/channels/index.js';
import { sqsDeadLetters } from '../shared/notify/dead-letters.js';
import { DynamoDbDeliveryStore } from '../shared/notify/delivery-store.js';
import { notifyOnTrigger, type NotifyResult } from '../shared/notify/trigger.js';
import { makeDocumentClient } from '../shared/support/clients.js';
import { emfMetrics, NAMESPACE } from '../shared/support/metrics.js';
import { once } from '../shared/support/once.js';

const env = loadNotifyEnv();
const config = loadDeployedConfig(env);
const logger = new Logger({ serviceName: 'r53-failover' });
const doc = makeDocumentClient();
// SSM, SNS and SQS clients are built on first use: most cold starts are the every-minute sweep, which usually sends
// nothing, and dead-lettering is rare.
const ssm = once(() => new SSMProvider());
const [sqs, sns] = [once(() => new SQSClient({})), once(() => new SNSClient({}))];
const channels = buildChannels(config, {
  deployed: true,
  ledgerTable: env.LEDGER_TABLE,
  secrets: { get: (name) => ssm().get(name, { decrypt: true, maxAge: env.SECRET_CACHE_SECONDS }) as Promise<string> },
  sns: { client: sns, topicArn: env.NOTIFY_TOPIC_ARN, chatbotTopicArn: env.CHATBOT_TOPIC_ARN },
  ...(env.AWS_LAMBDA_RUNTIME_API ? { runtimeApi: env.AWS_LAMBDA_RUNTIME_API } : {}),
});
const stores = {
  ledger: new DynamoDbLedgerStore(doc, env.LEDGER_TABLE),
  deliveries: new DynamoDbDeliveryStore(doc, env.LEDGER_TABLE),
  metrics: emfMetrics(NAMESPACE),
  ...(env.DEAD_LETTER_QUEUE_URL ? { deadLetters: sqsDeadLetters(sqs, env.DEAD_LETTER_QUEUE_URL) } : {}),
};
/** Time kept back from the Lambda budget to record outcomes after the last attempt. */
const SAFETY_MS = 3_000;

/** Ledger stream records, the schedule, a pointer or an ops alarm → notifications (shared/notify/trigger.ts). */
export const notify = (event: unknown, context: Context): Promise<NotifyResult> =>
  notifyOnTrigger(parseLedgerTrigger(event), {
    ...stores,
    config,
    channels,
    log: logger,
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    budgetMs: () => (context.getRemainingTimeInMillis?.() ?? 30_000) - SAFETY_MS,
    owner: context.awsRequestId ?? randomUUID(),
  });

export const handler = middy<unknown, NotifyResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(notify);
