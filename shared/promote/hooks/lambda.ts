// The lambda hook: a synchronous RequestResponse invoke of the operator's promotion function.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { HookConfig } from '../../config/schema.js';
import { arnParts, oneLine, payloadOf, send, syncState } from './common.js';
import { HookError, type HookClients, type HookExecutor } from './types.js';

export const lambdaHook = (hook: Extract<HookConfig, { type: 'lambda' }>, clients: HookClients): HookExecutor => {
  const fn = arnParts(hook.functionArn);
  const state = syncState(`lambda ${fn.name}`);
  return {
    type: 'lambda',
    describe: () =>
      `lambda:Invoke ${hook.functionArn} (RequestResponse, ${fn.region} endpoint; payload {promotionId, group, episode, reason, event}; the function must be idempotent on promotionId)`,
    fence: state.fence,
    checkCompletion: state.checkCompletion,
    execute: (ctx, signal) =>
      state.record(async () => {
        const out = await send('lambda:Invoke', true, () =>
          clients.lambda(fn.region).send(
            new InvokeCommand({
              FunctionName: hook.functionArn,
              InvocationType: 'RequestResponse',
              Payload: new TextEncoder().encode(JSON.stringify(payloadOf(ctx))),
            }),
            signal ? { abortSignal: signal } : {},
          ),
        );
        const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
        if (out.FunctionError) {
          let why = oneLine(text);
          try {
            const e = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
            if (typeof e.errorMessage === 'string')
              why = oneLine(`${typeof e.errorType === 'string' ? `${e.errorType}: ` : ''}${e.errorMessage}`);
          } catch {
            // A non-JSON error payload (a runtime crash) is reported as text.
          }
          throw new HookError(`lambda ${fn.name} failed (${out.FunctionError}): ${why || 'no error payload'}`, {
            retryable: false,
          });
        }
        return {
          status: 'done' as const,
          detail: `lambda ${fn.name} returned ${out.StatusCode ?? '?'}${out.ExecutedVersion ? ` (version ${out.ExecutedVersion})` : ''}${text ? `: ${oneLine(text, 200)}` : ''}`,
        };
      }),
  };
};
