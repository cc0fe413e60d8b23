import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SnsMessageDocument } from '../../shared/notify/channels/sns.js';

/** An SNS client for a local peer (fauxqs): dummy credentials, one attempt. */
export const localSnsClient = (endpoint: string): SNSClient =>
  new SNSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

/** Subscribes a queue with raw delivery: it holds the message body itself, the attributes as SQS attributes. */
export const subscribeRaw = (sns: SNSClient, topicArn: string, queueArn: string) =>
  sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );

/** Every protocol SNS's Subscribe accepts ("Subscribe", Amazon SNS API Reference, `Protocol`). */
export const SNS_PROTOCOLS = [
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'sqs',
  'application',
  'lambda',
  'firehose',
] as const;

/**
 * What SNS delivers to a subscriber of `protocol` when the message was published with `MessageStructure: 'json'`:
 * the document's key for that protocol, else `default` ("Publish", Amazon SNS API Reference,
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). moto_server applies the same rule (its
 * `Subscription._parse_message_structure`); fauxqs 1.9.2 does not, so tests on fauxqs apply it to the document.
 */
export const bodyFor = (protocol: (typeof SNS_PROTOCOLS)[number], document: SnsMessageDocument): string => {
  const own = (document as unknown as Record<string, unknown>)[protocol];
  return typeof own === 'string' ? own : document.default;
};
