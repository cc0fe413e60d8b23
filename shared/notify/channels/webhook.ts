import { createHmac, timingSafeEqual } from 'node:crypto';
import { postJson, retryAfterMs } from '../../net/http.js';
import type { Channel, Notification, SendResult } from '../notification.js';
import { networkFailure } from '../notification.js';

export interface WebhookChannelOptions {
  /** Names the channel `webhook:<name>`. */
  name: string;
  /** The receiver's URL: may embed a token, so it never appears in a reason. */
  url: string;
  /** Resolves the shared HMAC secret at send time (SSM). */
  secret: () => Promise<string>;
  timeoutMs?: number;
  /** Clock in milliseconds since the epoch (tests pin it). */
  now?: () => number;
}

/** The JSON body every webhook receiver gets. */
export interface WebhookBody {
  version: 1;
  type: 'r53-failover.notification';
  notification: Notification;
}

export const WEBHOOK_HEADERS = {
  timestamp: 'X-R53F-Timestamp',
  signature: 'X-R53F-Signature',
  id: 'X-R53F-Id',
  event: 'X-R53F-Event',
} as const;

const DEFAULT_TIMEOUT_MS = 10_000;
const SIGNATURE_VERSION = 'v1';

const hmacHex = (secret: string, timestamp: number | string, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The `X-R53F-Signature` value: `v1=` + hex HMAC-SHA256 of `${timestamp}.${body}` keyed with the shared secret. */
export const signWebhook = (secret: string, timestamp: number | string, body: string): string =>
  `${SIGNATURE_VERSION}=${hmacHex(secret, timestamp, body)}`;

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
export const verifyWebhookSignature = ({ secret, timestamp, body, signature, now, toleranceSeconds = 300 }: VerifyWebhookInput): boolean => {
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

/** Serialises the body the channel posts (pure). */
export const buildWebhookBody = (n: Notification): string =>
  JSON.stringify({ version: 1, type: 'r53-failover.notification', notification: n } satisfies WebhookBody);

const classify = (status: number, headers: Headers): SendResult => {
  // The body is not echoed into the reason: receivers are third parties and may reflect anything back.
  if (status >= 200 && status < 300) return { status: 'sent', info: String(status) };
  const reason = `webhook answered ${status}`;
  if (status === 429 || status >= 500) {
    const wait = retryAfterMs(headers.get('retry-after'));
    return wait === undefined ? { status: 'retry', reason } : { status: 'retry', reason, retryAfterMs: wait };
  }
  if (status >= 300 && status < 400) return { status: 'permanent', reason: `${reason} (redirects are not followed)` };
  return { status: 'permanent', reason };
};

/** A generic signed JSON webhook; receivers verify with `verifyWebhookSignature` and dedupe on `X-R53F-Id`. */
export const webhookChannel = ({ name, url, secret, timeoutMs = DEFAULT_TIMEOUT_MS, now = Date.now }: WebhookChannelOptions): Channel => ({
  name: `webhook:${name}`,
  accepts: () => true,
  async send(n, signal) {
    let key: string;
    try {
      key = await secret();
    } catch (err) {
      // The parameter store is a transient dependency; its error text may name the parameter, so only the class is kept.
      return { status: 'retry', reason: `webhook secret unavailable (${(err as Error)?.name ?? 'Error'})` };
    }
    const body = buildWebhookBody(n);
    const timestamp = Math.floor(now() / 1000);
    const headers = {
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: signWebhook(key, timestamp, body),
      [WEBHOOK_HEADERS.id]: n.id,
      [WEBHOOK_HEADERS.event]: n.event,
      'User-Agent': 'r53-failover',
    };
    try {
      const res = await postJson(url, body, headers, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
      return classify(res.status, res.headers);
    } catch (err) {
      return networkFailure(err);
    }
  },
});
