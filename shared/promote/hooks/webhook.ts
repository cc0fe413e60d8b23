// The webhook hook: a signed, SSRF-guarded POST of the promotion to the operator's receiver, with bounded retries.
import { setTimeout as delay } from 'node:timers/promises';
import type { HookConfig } from '../../config/schema.js';
import { type PostResult, postJson, retryAfterMs } from '../../net/http.js';
import { checkUrl, resolveChecked } from '../../net/guard.js';
import { signedWebhookHeaders, WEBHOOK_HEADERS } from '../../net/signing.js';
import { payloadOf, syncState } from './common.js';
import { HookError, type HookContext, type HookExecutor, type HookOptions } from './types.js';

const WEBHOOK_ATTEMPTS = 3;
const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_WAIT_MS = 30_000;

export const webhookHook = (hook: Extract<HookConfig, { type: 'webhook' }>, opts: HookOptions): HookExecutor => {
  // The URL may embed a token: only its origin appears in descriptions and errors (the schema guarantees a URL).
  const origin = URL.canParse(hook.url) ? new URL(hook.url).origin : 'an invalid URL';
  const state = syncState(`webhook ${origin}`);
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}));

  const secret = async (): Promise<string> => {
    if (hook.secretSsmParameter && opts.secret) {
      try {
        return await opts.secret(hook.secretSsmParameter);
      } catch (err) {
        throw new HookError(
          `webhook secret: reading ${hook.secretSsmParameter} failed (${(err as Error)?.name ?? 'Error'})`,
          { cause: err, retryable: true },
        );
      }
    }
    if (hook.secret) return hook.secret;
    throw new HookError('webhook hook has no secret: set secretSsmParameter (deployed) or secret (local runs)', {
      retryable: false,
    });
  };

  /** One guarded, signed POST: resolves on 2xx, returns a retry reason, or throws a non-retryable HookError. */
  const attempt = async (
    body: string,
    ctx: HookContext,
    key: string,
    signal?: AbortSignal,
  ): Promise<{ ok: true; status: number } | { ok: false; reason: string; waitMs?: number }> => {
    const parsed = checkUrl(hook.url);
    if (!parsed.ok) throw new HookError(`webhook ${parsed.reason}`, { retryable: false });
    const port = Number(parsed.url.port) || (parsed.url.protocol === 'https:' ? 443 : 80);
    const checked = await resolveChecked(parsed.url.hostname, port, {
      allowPrivateTargets: hook.allowPrivateTargets,
      ...(opts.runtimeApi ? { runtimeApi: opts.runtimeApi } : {}),
    });
    if (!checked.ok) {
      if (checked.error.name === 'TargetRefusedError')
        throw new HookError(`webhook ${checked.error.message}`, { cause: checked.error, retryable: false });
      return { ok: false, reason: `DNS: ${checked.error.message.split(' ')[0] ?? 'lookup failed'}` };
    }
    const headers = signedWebhookHeaders({ secret: key, body, id: ctx.promotionId, event: 'promotion', now: now() });
    const timeout = AbortSignal.timeout(opts.fetchTimeoutMs ?? WEBHOOK_TIMEOUT_MS);
    let res: PostResult;
    try {
      res = await postJson(hook.url, body, headers, signal ? AbortSignal.any([signal, timeout]) : timeout);
    } catch (err) {
      if (signal?.aborted)
        throw new HookError('webhook request aborted by the caller', {
          cause: err,
          retryable: true,
          recheckFence: true,
        });
      const e = err as { name?: string; cause?: { code?: string } };
      // Never the URL: fetch errors can carry it.
      return {
        ok: false,
        reason: e?.name === 'TimeoutError' ? 'timed out' : `network error${e?.cause?.code ? ` (${e.cause.code})` : ''}`,
      };
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

  return {
    type: 'webhook',
    describe: (ctx) =>
      `webhook:POST ${origin} (signed r53-failover.promotion, ${WEBHOOK_HEADERS.id}: ${ctx.promotionId}; the receiver must be idempotent on it)`,
    fence: state.fence,
    checkCompletion: state.checkCompletion,
    execute: (ctx, signal) =>
      state.record(async () => {
        const key = await secret();
        const body = JSON.stringify({ version: 1, type: 'r53-failover.promotion', ...payloadOf(ctx) });
        let reason = '';
        for (let n = 1; n <= WEBHOOK_ATTEMPTS; n++) {
          const r = await attempt(body, ctx, key, signal);
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
      }),
  };
};
