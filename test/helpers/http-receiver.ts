// Tests use the same loopback receiver as the demo.
import type { ReceivedRequest } from '../../local/receiver.js';
import { verifyWebhookSignature } from '../../shared/net/signing.js';

export * from '../../local/receiver.js';

/** True when `req` carries a valid r53-failover webhook signature made with `secret` (X-R53F-Timestamp/-Signature). */
export const isSignedWith = (req: ReceivedRequest | undefined, secret: string): boolean =>
  req !== undefined &&
  verifyWebhookSignature({
    secret,
    timestamp: String(req.headers['x-r53f-timestamp']),
    body: req.body,
    signature: String(req.headers['x-r53f-signature']),
    now: Date.now(),
  });
