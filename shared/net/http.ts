// Outbound HTTP, one way for everything that leaves the Lambda for a user-given URL (probes, Slack, PagerDuty,
// webhooks, webhook hooks): node:http(s) with the SSRF guard's pinned lookup, never fetch (it resolves on its own).
import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  checkTarget,
  checkUrl,
  guardedLookup,
  TargetRefusedError,
  watchSocket,
  type GuardOptions,
  type Resolve,
} from './guard.js';

/** Where an outbound request may go: the guard's options (per channel or hook), and the resolver tests inject. */
export interface OutboundGuard extends GuardOptions {
  resolve?: Resolve;
  /** Trusted CA certificates (PEM) replacing Node's root store; tests pass their own CA. */
  ca?: string | string[];
}

/** Public targets only: what a channel or hook gets when its config says nothing. */
export const PUBLIC_ONLY: OutboundGuard = { allowPrivateTargets: false };

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body was longer than the cap and was cut there. */
  truncated: boolean;
  /** The peer's certificate (https only). */
  cert?: { validTo: number; subject?: string; issuer?: string };
}

export type GuardedOutcome = { ok: true; res: GuardedResponse } | { ok: false; error: unknown };

export interface GuardedRequestOptions {
  guard: OutboundGuard;
  signal: AbortSignal;
  /** Bytes of body read at most. */
  bodyCap: number;
  /** Whether the body of a response with this status is read at all (default: always). */
  wantBody?: (status: number) => boolean;
  /** Learns the address the guard checked (and the socket is held to). */
  onAddress?: (address: string) => void;
}

const peerCert = (socket: unknown): GuardedResponse['cert'] => {
  if (!(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getPeerCertificate();
  const validTo = Date.parse(cert?.valid_to ?? '');
  if (Number.isNaN(validTo)) return undefined;
  const name = (n: unknown) => {
    const rec = n as Record<string, unknown> | undefined;
    const v = rec?.CN ?? rec?.O;
    return typeof v === 'string' ? v : undefined;
  };
  return { validTo, subject: name(cert.subject), issuer: name(cert.issuer) };
};

/**
 * One request through the SSRF guard. The host is resolved once per connection by the guard's lookup, every address
 * is checked, and the socket connects to exactly the checked address (`watchSocket` verifies the peer before a byte
 * is written), so a DNS answer that changes after the check (rebinding) is never used. Never rejects: refusals,
 * network errors and aborts come back as `{ ok: false, error }` (a `TargetRefusedError` for the guard's refusals).
 */
export const guardedRequest = (
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
  opts: GuardedRequestOptions,
) =>
  new Promise<GuardedOutcome>((settleOuter) => {
    let settled = false;
    let detach = () => {};
    const settle = (outcome: GuardedOutcome) => {
      if (settled) return;
      settled = true;
      detach();
      settleOuter(outcome);
    };
    const { guard, signal } = opts;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    let checked: string | undefined;
    const onChecked = (address: string) => {
      checked = address;
      opts.onAddress?.(address);
    };
    // Node skips `lookup` for IP literals: check those here.
    if (isIP(host)) {
      const verdict = checkTarget(host, port, guard);
      if (!verdict.ok) return settle({ ok: false, error: new TargetRefusedError(verdict.reason) });
      onChecked(host);
    }
    const options: RequestOptions = {
      hostname: host,
      port,
      path: `${url.pathname}${url.search}`,
      method: init.method,
      headers: init.headers,
      // A fresh connection per request: a pooled socket would skip the lookup and so the guard.
      agent: false,
      lookup: guardedLookup({ ...guard, port, onChecked }, guard.resolve),
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest({ ...options, ca: guard.ca, rejectUnauthorized: true })
        : httpRequest(options);
    const onAbort = () => {
      const reason = signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
      // Settle before destroying: the destroy also surfaces as a reset on the response, which is not what happened.
      settle({ ok: false, error: reason });
      req.destroy(reason);
    };
    detach = () => signal.removeEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket) => watchSocket(socket, () => checked));
    req.on('error', (error) => settle({ ok: false, error }));
    req.on('response', (res) => {
      const out: GuardedResponse = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: '',
        truncated: false,
        cert: peerCert(res.socket),
      };
      if (opts.wantBody && !opts.wantBody(out.status)) {
        settle({ ok: true, res: out });
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => settle({ ok: true, res: { ...out, body: Buffer.concat(chunks).toString('utf8') } });
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (size + chunk.length > opts.bodyCap) {
          chunks.push(chunk.subarray(0, opts.bodyCap - size));
          out.truncated = true;
          finish();
          req.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', finish);
      res.on('error', (error) => settle({ ok: false, error }));
      res.on('close', () => {
        if (!res.complete)
          settle({
            ok: false,
            error: Object.assign(new Error('response closed before its end'), { code: 'ECONNRESET' }),
          });
      });
    });
    req.end(init.body);
  });

export interface PostResult {
  status: number;
  headers: Headers;
  body: string;
}

/** Answers are read up to here: enough for any error body, and a hostile receiver cannot exhaust memory. */
const POST_BODY_CAP_BYTES = 65_536;

/**
 * POSTs JSON through the SSRF guard (`guardedRequest`) and reads at most 64 KiB of the answer. Redirects are never
 * followed. Rejects on a refused target (`TargetRefusedError`, also for a URL `checkUrl` refuses), a network error or
 * the signal; `describeRequestError` turns any of those into a reason without the URL.
 */
export const postJson = async (
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  guard: OutboundGuard = PUBLIC_ONLY,
): Promise<PostResult> => {
  const parsed = checkUrl(url);
  // checkUrl's reasons name the scheme or the parse failure, never the URL itself.
  if (!parsed.ok) throw new TargetRefusedError(parsed.reason);
  const outcome = await guardedRequest(
    parsed.url,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      },
      body,
    },
    { guard, signal, bodyCap: POST_BODY_CAP_BYTES },
  );
  if (!outcome.ok) throw outcome.error;
  const out = new Headers();
  for (const [name, value] of Object.entries(outcome.res.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) out.append(name, v);
  }
  return { status: outcome.res.status, headers: out, body: outcome.res.body };
};

/**
 * A failed `postJson` in words that never carry the URL (webhook URLs and keys are secrets): the guard's
 * `refused: …` (`refused: true`: no retry will change it), `timed out`, or `network error (CODE)`.
 */
export const describeRequestError = (err: unknown): { refused: boolean; reason: string } => {
  if (err instanceof TargetRefusedError) return { refused: true, reason: err.message };
  const e = err as { name?: string; code?: unknown; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { refused: false, reason: 'timed out' };
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  return { refused: false, reason: `network error${code ? ` (${code})` : ''}` };
};

/** `Retry-After` as delta-seconds or an HTTP date → milliseconds (undefined when absent or unreadable). */
export const retryAfterMs = (value: string | null, now: number = Date.now()): number | undefined => {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};
