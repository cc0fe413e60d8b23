import {
  PublishCommand,
  type MessageAttributeValue,
  type PublishCommandInput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { Channel, Notification, SendResult } from '../notification.js';
import { emailText, historyCommand, smsText } from '../wording.js';

export interface SnsChannelOptions {
  /** The client, or how to make it on the first publish (a sweep that sends nothing never builds one). */
  client: SNSClient | (() => SNSClient);
  topicArn: string;
  /** The deployed ledger table: the email's history command names it (`--stage prod`). */
  ledgerTable?: string;
}

/** The JSON machine subscribers receive as the SNS `Message` (the `default` body). */
export interface SnsMessageBody {
  version: 1;
  /** Present when `reason`/`summary` were cut to fit SNS's size limit. */
  truncated?: true;
  notification: Notification;
}

/**
 * The Publish `Message` with `MessageStructure: 'json'`: one body per protocol ("Publish", Amazon SNS API Reference,
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html: a JSON object with at least a string `default`; other
 * top-level keys name a protocol, and a protocol without its own key gets `default`). Email and SMS get text people
 * read; every other protocol (http, https, email-json, sqs, lambda, application, firehose) gets `default`, the JSON
 * notification. Listing it under each of those keys too would change nothing they receive but count it seven times
 * against the size limit.
 */
export interface SnsMessageDocument {
  default: string;
  email: string;
  sms: string;
}

/** SNS counts the message and its attributes against 256 KiB (262,144 bytes, not characters). */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;
/** One SMS segment holds 160 GSM-7 characters; 140 leaves room for a carrier's prefix. */
export const SMS_MAX = 140;
/** The API reference: subjects are "less than 100 characters long". */
const SUBJECT_MAX = 99;

const asciiLine = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();

/** At most `max` characters, cut with an ASCII ellipsis. */
const asciiCut = (line: string, max: number): string =>
  line.length <= max ? line : `${line.slice(0, max - 3).trimEnd()}...`;

/**
 * Makes a title safe as an SNS subject: printable ASCII only, one line, 1–99 characters.
 * Accents are folded (é → e); other non-ASCII (emoji) and control characters are dropped; line breaks become spaces.
 */
export const snsSubject = (title: string, fallback = ''): string =>
  asciiCut(asciiLine(title) || asciiLine(fallback) || 'r53-failover notification', SUBJECT_MAX);

/** Attributes subscribers filter on (subscription filter policies): group, event, severity, kind, correlation id. */
export const attributesOf = (n: Notification): Record<string, MessageAttributeValue> => {
  const attrs: Record<string, MessageAttributeValue> = {
    group: { DataType: 'String', StringValue: n.group },
    event: { DataType: 'String', StringValue: n.event },
    severity: { DataType: 'String', StringValue: n.severity },
    kind: { DataType: 'String', StringValue: n.kind },
  };
  // The correlation id travels on so a subscriber's logs join ours (STYLE §7); SNS rejects empty values.
  if (n.correlationId) attrs.correlationId = { DataType: 'String', StringValue: n.correlationId };
  return attrs;
};

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

const attributeBytes = (attrs: Record<string, MessageAttributeValue>) =>
  Object.entries(attrs).reduce(
    (sum, [k, v]) => sum + bytes(k) + bytes(v.DataType ?? '') + bytes(v.StringValue ?? ''),
    0,
  );

/** Cuts `text` to `keep` UTF-16 units (never splitting a surrogate pair) and says so in the text itself. */
const cut = (text: string, keep: number): string => {
  let end = Math.max(0, keep);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)} …[truncated from ${text.length} characters]`;
};

/** The largest `keep` for which `fits(keep)` holds (fits is monotone; 0 is tried last). */
const largestFitting = (max: number, fits: (keep: number) => boolean): number | null => {
  if (!fits(0)) return null;
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
};

/**
 * The JSON body, so that `wrap(body)` (the whole document) fits in `budget` bytes: `reason` (untrusted, the usual
 * culprit) is cut first, then `summary`. JSON escaping can grow a character to 6 bytes, and the body is escaped again
 * inside the document, so sizes are measured on the serialised document, not estimated.
 */
const boundedBody = (n: Notification, budget: number, wrap: (body: string) => string): string => {
  const fits = (body: string) => bytes(wrap(body)) <= budget;
  const full = JSON.stringify({ version: 1, notification: n } satisfies SnsMessageBody);
  if (fits(full)) return full;
  const render = (reason: string, summary: string) =>
    JSON.stringify({ version: 1, truncated: true, notification: { ...n, reason, summary } } satisfies SnsMessageBody);
  const keepReason = largestFitting(n.reason.length, (k) => fits(render(cut(n.reason, k), n.summary)));
  if (keepReason !== null) return render(cut(n.reason, keepReason), n.summary);
  const reason = cut(n.reason, 0);
  const keepSummary = largestFitting(n.summary.length, (k) => fits(render(reason, cut(n.summary, k))));
  // Still too big means another field is huge (the config's business): SNS rejects it and the send is permanent.
  return render(reason, keepSummary === null ? cut(n.summary, 0) : cut(n.summary, keepSummary));
};

/** The text message: one line of printable ASCII (no switch to 70-character UCS-2 segments), at most SMS_MAX. */
export const smsLine = (n: Notification): string => asciiCut(asciiLine(smsText(n)), SMS_MAX);

/**
 * The Publish request for a notification (pure): a safe subject, a per-protocol message document bounded to SNS's
 * size limit (the JSON body gives way; the email and SMS texts are bounded by themselves), filterable attributes.
 */
export const buildSnsPublish = (n: Notification, topicArn: string, ledgerTable?: string): PublishCommandInput => {
  const Subject = snsSubject(n.title, `r53-failover ${n.event} ${n.group}`);
  const MessageAttributes = attributesOf(n);
  const budget = SNS_MAX_PAYLOAD_BYTES - attributeBytes(MessageAttributes) - bytes(Subject);
  const texts = { email: emailText(n, historyCommand(n.group, ledgerTable)), sms: smsLine(n) };
  const wrap = (body: string) => JSON.stringify({ default: body, ...texts } satisfies SnsMessageDocument);
  return {
    TopicArn: topicArn,
    Subject,
    MessageStructure: 'json',
    Message: wrap(boundedBody(n, budget, wrap)),
    MessageAttributes,
  };
};

const RETRYABLE_NAMES = new Set([
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'KMSThrottlingException',
  'InternalErrorException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Sorts a Publish failure into retry (throttling, 5xx, network) or permanent (auth, missing topic, bad input, KMS). */
export const classifySnsError = (err: unknown): SendResult => {
  const e = (err ?? {}) as SdkErrorShape;
  const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message.replace(/\s+/g, ' ').slice(0, 300) : '';
  const reason = `sns ${name}${message ? `: ${message}` : ''}`;
  const status = e.$metadata?.httpStatusCode;
  if (name === 'TimeoutError' || name === 'AbortError') return { status: 'retry', reason: 'sns timed out' };
  if (RETRYABLE_NAMES.has(name) || e.$retryable || (status !== undefined && status >= 500))
    return { status: 'retry', reason };
  // No HTTP status at all: the request never got an answer (connection refused, reset, DNS).
  if (status === undefined)
    return { status: 'retry', reason: `sns network error${e.code ? ` (${e.code})` : ''}: ${name}` };
  return { status: 'permanent', reason };
};

/** Publishes on `client` (or the client it makes on first use), classifying a failure as retry or permanent. */
export const publishTo = async (
  client: SNSClient | (() => SNSClient),
  input: PublishCommandInput,
  signal: AbortSignal,
): Promise<SendResult> => {
  try {
    const sns = typeof client === 'function' ? client() : client;
    const out = await sns.send(new PublishCommand(input), { abortSignal: signal });
    return out.MessageId ? { status: 'sent', info: out.MessageId } : { status: 'sent' };
  } catch (err) {
    return classifySnsError(err);
  }
};

/**
 * The SNS channel: every notification to the alert topic, as JSON for machines and as text for email and SMS; except
 * the stack's own alarms, whose alarm actions publish to that topic themselves (so they still arrive when notify is
 * what is failing).
 */
export const snsChannel = ({ client, topicArn, ledgerTable }: SnsChannelOptions): Channel => ({
  name: 'sns',
  accepts: (n) => n.kind !== 'ops-alarm',
  send: (n, signal) => publishTo(client, buildSnsPublish(n, topicArn, ledgerTable), signal),
});
