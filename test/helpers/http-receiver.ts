// Tests use the same loopback receiver as the demo.
import { createServer } from 'node:net';
import { type ReceivedRequest, type Receiver, startReceiver } from '../../local/receiver.js';
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

/** Receivers a test file starts, all closed by `closeAll` (use it in afterEach). */
export const receiverPool = () => {
  const open: Receiver[] = [];
  return {
    start: async (...args: Parameters<typeof startReceiver>): Promise<Receiver> => {
      const r = await startReceiver(...args);
      open.push(r);
      return r;
    },
    closeAll: async (): Promise<void> => {
      await Promise.all(open.splice(0).map((r) => r.close()));
    },
  };
};

/** A loopback port that was free a moment ago, for a server a test starts in another process. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
