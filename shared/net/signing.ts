// Webhook signing, one home for both senders (notify webhook channel, promotion webhook hook) and for receivers.
// Two schemes on every signed POST: our own `X-R53F-*` headers (unchanged for existing receivers) and the Standard
// Webhooks headers (https://www.standardwebhooks.com, spec/standard-webhooks.md: `webhook-id`, `webhook-timestamp`,
// `webhook-signature`), so a receiver can use an off-the-shelf verifier.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { R53FailoverError } from '../support/errors.js';

export const WEBHOOK_HEADERS = {
  timestamp: 'X-R53F-Timestamp',
  signature: 'X-R53F-Signature',
  id: 'X-R53F-Id',
  event: 'X-R53F-Event',
} as const;

/** The Standard Webhooks headers (lower case, as the specification writes them). */
export const STANDARD_WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** The prefix of a secret in the Standard Webhooks form, `whsec_<base64 of the key bytes>`. */
export const WHSEC_PREFIX = 'whsec_';

/** A `whsec_` secret whose key part is not base64: nothing can be signed with it. */
export class WebhookSecretError extends R53FailoverError {
  override readonly name: string = 'WebhookSecretError';
}

const SIGNATURE_VERSION = 'v1';

const hmacHex = (secret: string, timestamp: number | string, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The `X-R53F-Signature` value: `v1=` + hex HMAC-SHA256 of `${timestamp}.${body}` keyed with the shared secret. */
export const signWebhook = (secret: string, timestamp: number | string, body: string): string =>
  `${SIGNATURE_VERSION}=${hmacHex(secret, timestamp, body)}`;

/**
 * The HMAC key of the Standard Webhooks signature: for `whsec_<base64>` the decoded bytes (what the specification's
 * reference libraries do with such a secret), for any other secret its UTF-8 bytes. Throws WebhookSecretError for a
 * `whsec_` secret whose key part is not standard base64 (the alphabet `A–Z a–z 0–9 + /`, optional `=` padding), so
 * a typo never signs with a key the receiver does not have. The message never contains the secret.
 */
export const standardWebhookKey = (secret: string): Buffer => {
  if (!secret.startsWith(WHSEC_PREFIX)) return Buffer.from(secret, 'utf8');
  const encoded = secret.slice(WHSEC_PREFIX.length);
  // At least 4 characters, as the reference decoder (@stablelib/base64) demands; a lone trailing character (length
  // 4n+1 without padding) encodes no whole byte, and the decoders disagree on it.
  const bare = encoded.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length < 4 || bare.length % 4 === 1)
    throw new WebhookSecretError(
      `the signing secret starts with ${WHSEC_PREFIX} but the rest is not base64 (${encoded.length} characters); ` +
        `use ${WHSEC_PREFIX} followed by the base64 of the key bytes, or a secret that does not start with ${WHSEC_PREFIX}`,
    );
  return Buffer.from(encoded, 'base64');
};

/**
 * The `webhook-signature` value: `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed with
 * `standardWebhookKey(secret)` (Standard Webhooks, "Signature scheme").
 */
export const signStandardWebhook = (secret: string, id: string, timestamp: number | string, body: string): string =>
  `${SIGNATURE_VERSION},${createHmac('sha256', standardWebhookKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;

export interface SignedHeadersInput {
  secret: string;
  /** The exact body that is posted. */
  body: string;
  /** `X-R53F-Id` and `webhook-id`: the same on every retry of one delivery, so receivers dedupe on it. */
  id: string;
  /** `X-R53F-Event`. */
  event: string;
  /** Milliseconds since the epoch; the timestamp is its Unix seconds. */
  now: number;
}

/**
 * The headers of a signed POST: `X-R53F-Timestamp`, `X-R53F-Signature` over `${timestamp}.${body}` (keyed with the
 * secret string as configured, `whsec_` included, as before), `X-R53F-Id`, `X-R53F-Event`, the User-Agent, and the
 * Standard Webhooks `webhook-id` (= `X-R53F-Id`), `webhook-timestamp` (the same second) and `webhook-signature`.
 * Throws WebhookSecretError for a malformed `whsec_` secret.
 */
export const signedWebhookHeaders = ({ secret, body, id, event, now }: SignedHeadersInput): Record<string, string> => {
  const timestamp = Math.floor(now / 1000);
  return {
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, body),
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.event]: event,
    [STANDARD_WEBHOOK_HEADERS.id]: id,
    [STANDARD_WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [STANDARD_WEBHOOK_HEADERS.signature]: signStandardWebhook(secret, id, timestamp, body),
    'User-Agent': 'r53-failover',
  };
};

export interface VerifyWebhookInput {
  secret: string;
  /** The `X-R53F-Timestamp` header: Unix seconds. */
  timestamp: string | number;
  /** The raw request body, byte for byte as received (re-serialised JSON will not verify). */
  body: string;
  /** The `X-R53F-Signature` header; several comma-separated `v1=` values are accepted (secret rotation). */
  signature: string;
  /** The receiver's clock in milliseconds since the epoch (`Date.now()`). */
  now: number;
  /** How far the timestamp may be from `now`, either way; bounds replay of a captured request. */
  toleranceSeconds?: number;
}

/** Checks a received webhook: a fresh timestamp and a matching signature, compared in constant time. */
export const verifyWebhookSignature = ({
  secret,
  timestamp,
  body,
  signature,
  now,
  toleranceSeconds = 300,
}: VerifyWebhookInput): boolean => {
  const ts = String(timestamp).trim();
  if (!/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(now / 1000 - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, ts, body), 'hex');
  return signature.split(',').some((part) => {
    const [version, hex] = part.trim().split('=', 2);
    if (version !== SIGNATURE_VERSION || !hex || !/^[0-9a-f]{64}$/i.test(hex)) return false;
    return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
  });
};
