// Webhook signing, one home for both senders (notify webhook channel, promotion webhook hook) and for receivers.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_HEADERS = {
  timestamp: 'X-R53F-Timestamp',
  signature: 'X-R53F-Signature',
  id: 'X-R53F-Id',
  event: 'X-R53F-Event',
} as const;

const SIGNATURE_VERSION = 'v1';

const hmacHex = (secret: string, timestamp: number | string, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The `X-R53F-Signature` value: `v1=` + hex HMAC-SHA256 of `${timestamp}.${body}` keyed with the shared secret. */
export const signWebhook = (secret: string, timestamp: number | string, body: string): string =>
  `${SIGNATURE_VERSION}=${hmacHex(secret, timestamp, body)}`;

export interface SignedHeadersInput {
  secret: string;
  /** The exact body that is posted. */
  body: string;
  /** `X-R53F-Id`: receivers dedupe on it. */
  id: string;
  /** `X-R53F-Event`. */
  event: string;
  /** Milliseconds since the epoch; the timestamp is its Unix seconds. */
  now: number;
}

/** The headers of a signed POST: timestamp, signature over `${timestamp}.${body}`, id, event and the User-Agent. */
export const signedWebhookHeaders = ({ secret, body, id, event, now }: SignedHeadersInput): Record<string, string> => {
  const timestamp = Math.floor(now / 1000);
  return {
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, body),
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.event]: event,
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
