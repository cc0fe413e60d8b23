import { connect, isIP } from 'node:net';
import { R53FailoverError } from '../support/errors.js';
import { checkTarget, guardedLookup, TargetRefusedError, watchSocket, type Resolve } from '../net/guard.js';
import type { ProbeResult, TcpProbeSpec } from './types.js';

/** What every probe can be handed: tests inject the resolver and clock; the handler passes `AWS_LAMBDA_RUNTIME_API` in. */
export interface ProbeDeps {
  resolve?: Resolve;
  /** Epoch milliseconds; drives `startedAt`, `latencyMs` and certificate `daysLeft`. */
  now?: () => number;
  runtimeApi?: string;
}

/** A probe ran out of its `timeoutMs`. */
export class ProbeTimeoutError extends R53FailoverError {
  override readonly name: string = 'ProbeTimeoutError';
  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(`timed out after ${timeoutMs} ms`, options);
  }
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'DNS: temporary failure',
};

/** A one-line classification of a connection-level failure (guard refusal, timeout, refused, reset, DNS). */
export const describeConnectError = (err: unknown): string => {
  if (err instanceof TargetRefusedError || err instanceof ProbeTimeoutError) return err.message;
  const e = err as { code?: unknown; hostname?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'ENOTFOUND' || code === 'ENODATA')
    return `DNS: ${typeof e.hostname === 'string' ? e.hostname : 'host'} not found`;
  if (code && SOCKET_ERRORS[code]) return SOCKET_ERRORS[code];
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return code ? `network error (${code}): ${message}` : `network error: ${message}`;
};

/** Opens a TCP connection through the net guard; ok when it opens within `timeoutMs`, then closes it. */
export const runTcpProbe = async (spec: TcpProbeSpec, deps: ProbeDeps = {}): Promise<ProbeResult> => {
  const now = deps.now ?? Date.now;
  const start = now();
  const base = {
    probe: spec.name,
    type: 'tcp' as const,
    target: `${isIP(spec.host) === 6 ? `[${spec.host}]` : spec.host}:${spec.port}`,
    startedAt: new Date(start).toISOString(),
    assertions: [],
    warnings: [],
  };
  const fail = (error: string, address?: string): ProbeResult => ({
    ...base,
    ok: false,
    latencyMs: now() - start,
    error,
    ...(address ? { address } : {}),
  });
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65_535) return fail(`invalid port ${spec.port}`);

  const guard = { allowPrivateTargets: spec.allowPrivateTargets, runtimeApi: deps.runtimeApi };
  let checked: string | undefined;
  if (isIP(spec.host)) {
    const verdict = checkTarget(spec.host, spec.port, guard);
    if (!verdict.ok) return fail(verdict.reason);
    checked = spec.host;
  }
  const lookup = guardedLookup(
    { ...guard, port: spec.port, onChecked: (address) => (checked = address) },
    deps.resolve,
  );
  const error = await new Promise<unknown>((settle) => {
    const socket = connect({ host: spec.host, port: spec.port, lookup });
    watchSocket(socket, () => checked);
    const timer = setTimeout(() => socket.destroy(new ProbeTimeoutError(spec.timeoutMs)), spec.timeoutMs);
    socket.once('connect', () => {
      // watchSocket runs first and may have destroyed it: its error event settles instead.
      if (socket.destroyed) return;
      clearTimeout(timer);
      socket.destroy();
      settle(undefined);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      settle(err);
    });
  });
  if (error !== undefined) return fail(describeConnectError(error), checked);
  return { ...base, ok: true, latencyMs: now() - start, ...(checked ? { address: checked } : {}) };
};
