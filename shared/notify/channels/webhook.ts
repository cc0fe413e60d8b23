import { type OutboundGuard, postJson, retryAfterMs } from '../../net/http.js';
import { signedWebhookHeaders, WebhookSecretError } from '../../net/signing.js';
import type { Channel, Notification, SendResult } from '../notification.js';
import { networkFailure } from '../notification.js';

export interface WebhookChannelOptions {
  /** Names the channel `webhook:<name>`. */
  name: string;
  /** Resolves the receiver's URL at send time (`url`, or SSM `urlSsmParameter`): may embed a token, never in a reason. */
  url: () => Promise<string>;
  /** Resolves the shared HMAC secret at send time (SSM). */
  secret: () => Promise<string>;
  timeoutMs?: number;
  /** What the SSRF guard lets through (the webhook's `allowPrivateTargets`); public addresses only by default. */
  guard?: OutboundGuard;
  /** Clock in milliseconds since the epoch (tests pin it). */
  now?: () => number;
}

/** The JSON body every webhook receiver gets. */
export interface WebhookBody {
  version: 1;
  type: 'r53-failover.notification';
  notification: Notification;
}

const DEFAULT_TIMEOUT_MS = 10_000;

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

/**
 * A generic signed JSON webhook; receivers verify the Standard Webhooks headers (any `standardwebhooks` library) or
 * `X-R53F-Signature` (`verifyWebhookSignature`), and dedupe on `webhook-id` (= `X-R53F-Id`, the notification id).
 */
export const webhookChannel = ({
  name,
  url,
  secret,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  now = Date.now,
  guard,
}: WebhookChannelOptions): Channel => ({
  name: `webhook:${name}`,
  accepts: () => true,
  async send(n, signal) {
    let key: string;
    let target: string;
    try {
      [key, target] = await Promise.all([secret(), url()]);
    } catch (err) {
      // The parameter store is a transient dependency; its error text may name the parameter, so only the class is kept.
      return { status: 'retry', reason: `webhook secret or URL unavailable (${(err as Error)?.name ?? 'Error'})` };
    }
    const body = buildWebhookBody(n);
    let headers: Record<string, string>;
    try {
      headers = signedWebhookHeaders({ secret: key, body, id: n.id, event: n.event, now: now() });
    } catch (err) {
      // A malformed `whsec_` secret stays malformed on every retry; its message never carries the secret.
      if (err instanceof WebhookSecretError) return { status: 'permanent', reason: `webhook ${err.message}` };
      throw err;
    }
    try {
      const res = await postJson(
        target,
        body,
        headers,
        AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        guard,
      );
      return classify(res.status, res.headers);
    } catch (err) {
      return networkFailure(err);
    }
  },
});
