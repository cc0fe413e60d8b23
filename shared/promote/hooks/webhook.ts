// The webhook hook: a signed, SSRF-guarded POST of the promotion to the operator's receiver, with bounded retries.
import { setTimeout as delay } from 'node:timers/promises';
import type { HookConfig } from '../../config/schema.js';
import { describeRequestError, type PostResult, postJson, retryAfterMs } from '../../net/http.js';
import {
  signedWebhookHeaders,
  STANDARD_WEBHOOK_HEADERS,
  WEBHOOK_HEADERS,
  WebhookSecretError,
} from '../../net/signing.js';
import { redact, urlSecrets } from '../../support/redact.js';
import { payloadOf, syncState } from './common.js';
import { HookError, type HookContext, type HookExecutor, type HookOptions } from './types.js';

const WEBHOOK_ATTEMPTS = 3;
const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_WAIT_MS = 30_000;

export const webhookHook = (hook: Extract<HookConfig, { type: 'webhook' }>, opts: HookOptions): HookExecutor => {
  // The URL may embed a token: only its origin appears in descriptions and errors. With the URL in SSM (deployed), the
  // parameter's name stands for it.
  const origin = hook.url
    ? URL.canParse(hook.url)
      ? new URL(hook.url).origin
      : 'an invalid URL'
    : `the URL in ${hook.urlSsmParameter}`;
  const state = syncState(`webhook ${origin}`);
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}));
  const guard = {
    allowPrivateTargets: hook.allowPrivateTargets,
    ...(opts.runtimeApi ? { runtimeApi: opts.runtimeApi } : {}),
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
  };

  /** A SecureString from SSM when the hook names one and a reader is given (deployed), else the local value. */
  const fromSsmOr = async (parameter: string | undefined, local: string | undefined, what: string, missing: string) => {
    if (parameter && opts.secret) {
      try {
        return await opts.secret(parameter);
      } catch (err) {
        throw new HookError(`webhook ${what}: reading ${parameter} failed (${(err as Error)?.name ?? 'Error'})`, {
          cause: err,
          retryable: true,
        });
      }
    }
    if (local) return local;
    throw new HookError(`webhook hook has no ${what}: ${missing}`, { retryable: false });
  };
  const secret = () =>
    fromSsmOr(
      hook.secretSsmParameter,
      hook.secret,
      'secret',
      'set secretSsmParameter (deployed) or secret (local runs)',
    );
  const url = () =>
    fromSsmOr(hook.urlSsmParameter, hook.url, 'URL', 'set url, or urlSsmParameter for a URL that carries a token');

  /** One guarded, signed POST: resolves on 2xx, returns a retry reason, or throws a non-retryable HookError. */
  const attempt = async (
    target: string,
    body: string,
    ctx: HookContext,
    key: string,
    signal?: AbortSignal,
  ): Promise<{ ok: true; status: number } | { ok: false; reason: string; waitMs?: number }> => {
    let headers: Record<string, string>;
    try {
      headers = signedWebhookHeaders({ secret: key, body, id: ctx.promotionId, event: 'promotion', now: now() });
    } catch (err) {
      // A malformed `whsec_` secret: no retry makes it sign; the message never carries the secret.
      if (err instanceof WebhookSecretError)
        throw new HookError(`webhook ${err.message}`, { cause: err, retryable: false });
      throw err;
    }
    const timeout = AbortSignal.timeout(opts.fetchTimeoutMs ?? WEBHOOK_TIMEOUT_MS);
    let res: PostResult;
    try {
      res = await postJson(target, body, headers, signal ? AbortSignal.any([signal, timeout]) : timeout, guard);
    } catch (err) {
      if (signal?.aborted)
        throw new HookError('webhook request aborted by the caller', {
          cause: err,
          retryable: true,
          recheckFence: true,
        });
      // Never the URL: the reason is the guard's refusal, 'timed out' or the error code.
      const { refused, reason } = describeRequestError(err);
      if (refused) throw new HookError(`webhook ${reason}`, { cause: err, retryable: false });
      return { ok: false, reason };
    }
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    // The body is not echoed: receivers are third parties and may reflect anything back.
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      const waitMs = retryAfterMs(res.headers.get('retry-after'), now());
      return waitMs === undefined
        ? { ok: false, reason: `answered ${res.status}` }
        : { ok: false, reason: `answered ${res.status}`, waitMs };
    }
    const note = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
    throw new HookError(`webhook ${origin} answered ${res.status}${note}`, { retryable: false });
  };

  /** Up to WEBHOOK_ATTEMPTS signed POSTs, backing off between them (honouring Retry-After). */
  const post = async (target: string, key: string, ctx: HookContext, signal?: AbortSignal) => {
    const body = JSON.stringify({ version: 1, type: 'r53-failover.promotion', ...payloadOf(ctx) });
    let reason = '';
    for (let n = 1; n <= WEBHOOK_ATTEMPTS; n++) {
      const r = await attempt(target, body, ctx, key, signal);
      if (r.ok) return { status: 'done' as const, detail: `webhook ${origin} answered ${r.status} (attempt ${n})` };
      reason = r.reason;
      if (n === WEBHOOK_ATTEMPTS) break;
      try {
        await sleep(Math.min(r.waitMs ?? 1000 * 2 ** (n - 1), MAX_WAIT_MS), signal);
      } catch (err) {
        throw new HookError(`webhook ${origin} retry abandoned: aborted by the caller after ${reason}`, {
          cause: err,
          retryable: true,
          recheckFence: true,
        });
      }
    }
    throw new HookError(`webhook ${origin} failed after ${WEBHOOK_ATTEMPTS} attempts: ${reason}`, {
      retryable: true,
      recheckFence: true,
    });
  };

  return {
    type: 'webhook',
    describe: (ctx) =>
      `webhook:POST ${origin} (signed r53-failover.promotion, ${WEBHOOK_HEADERS.id} and ${STANDARD_WEBHOOK_HEADERS.id}: ${ctx.promotionId}; the receiver must be idempotent on it)`,
    fence: state.fence,
    checkCompletion: state.checkCompletion,
    execute: (ctx, signal) =>
      state.record(async () => {
        const [key, target] = await Promise.all([secret(), url()]);
        try {
          return await post(target, key, ctx, signal);
        } catch (err) {
          // Last line of defence: whatever a reason picked up, the URL and the signing secret never reach the ledger.
          if (!(err instanceof HookError)) throw err;
          throw new HookError(redact(err.message, [key, ...urlSecrets(target)]), {
            cause: err.cause,
            retryable: err.retryable,
            recheckFence: err.recheckFence,
          });
        }
      }),
  };
};
