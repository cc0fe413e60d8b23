import { postJson, retryAfterMs } from '../../net/http.js';
import { signedWebhookHeaders } from '../../net/signing.js';
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

/** A generic signed JSON webhook; receivers verify with `verifyWebhookSignature` and dedupe on `X-R53F-Id`. */
export const webhookChannel = ({
  name,
  url,
  secret,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  now = Date.now,
}: WebhookChannelOptions): Channel => ({
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
    const headers = signedWebhookHeaders({ secret: key, body, id: n.id, event: n.event, now: now() });
    try {
      const res = await postJson(url, body, headers, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
      return classify(res.status, res.headers);
    } catch (err) {
      return networkFailure(err);
    }
  },
});
