import type { SnsMessageDocument } from '../../shared/notify/channels/sns.js';

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
