import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scriptable HTTP peer on 127.0.0.1 (Slack-, PagerDuty- and webhook-compatible receivers for tests, the demo and
 * local rehearsals): it records every request and answers with whatever the responder returns.
 *
 *   const rx = await startReceiver((req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 200, body: 'ok' }));
 *   …send to `${rx.url}/services/T000/B000/X`…
 *   expect(rx.requests[0]?.json).toMatchObject({ text: … });
 *   await rx.close();
 */

/** One request as the receiver saw it. `json` is the parsed body, or undefined when the body is not JSON. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/services/T000/B000/X?a=1`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

/** An answer, or `HANG`: accept the request and never answer (for client timeouts); `close()` releases it. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | typeof HANG;

/** Decides the answer to a request; `index` counts requests from 0 across the receiver's life. */
export type Responder = (req: ReceivedRequest, index: number) => Reply | Promise<Reply>;

export interface Receiver {
  /** `http://127.0.0.1:<port>`, no trailing slash: append any path. */
  url: string;
  /** Every request in arrival order, recorded before it is answered (a hung request is listed too). */
  requests: ReceivedRequest[];
  /** Replaces the responder for the requests that follow. */
  respondWith(fn: Responder): void;
  /** Drops open connections (hung ones included) and stops listening. */
  close(): Promise<void>;
}

export const HANG = { hang: true } as const;

const parseJson = (body: string): unknown => {
  // Not every peer test sends JSON: a body that does not parse is simply not JSON, and `body` still has it.
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
};

const listen = (server: Server): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });

const stop = (server: Server): Promise<void> =>
  new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((err) => (err ? reject(err) : resolve()));
  });

/** Starts a receiver on an ephemeral loopback port. Without a responder it answers every request `200` with an empty body. */
export const startReceiver = async (handler: Responder = () => ({ status: 200 })): Promise<Receiver> => {
  let responder = handler;
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: parseJson(body),
      };
      const index = requests.push(received) - 1;
      Promise.resolve()
        .then(() => responder(received, index))
        .then(
          (reply) => {
            if ('hang' in reply) return;
            res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
          },
          // A responder bug must fail the test visibly, not hang it: answer 500 naming the error.
          (err: unknown) =>
            res.writeHead(500, { 'content-type': 'text/plain' }).end(`receiver responder threw: ${String(err)}`),
        );
    });
  });
  const { port } = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respondWith: (fn) => {
      responder = fn;
    },
    close: () => stop(server),
  };
};

/** A loopback URL on a port that was just free and is now closed: connecting to it is refused. */
export const refusedUrl = async (path = '/'): Promise<string> => {
  const server = createServer();
  const { port } = await listen(server);
  await stop(server);
  return `http://127.0.0.1:${port}${path}`;
};
