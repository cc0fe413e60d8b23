// Time bounds for the promoter's outbound calls: each gets what is left of the run's budget, and a call that overruns
// it is abandoned (its signal aborted) so the run can record the attempt before Lambda ends it.
import { formatDuration } from '../support/text.js';
import { HookError } from './hooks/types.js';

/** Kept back from the budget to record a call's outcome (conditional writes and a ledger append). */
const RECORD_MS = 500;
/** No hook call or read starts with less than this left: the next pass takes it up. */
export const MIN_CALL_MS = 500;

/** What a call starting now may use. */
export const callBudgetMs = (budgetMs: () => number): number => budgetMs() - RECORD_MS;

/**
 * Runs `call` for at most `ms`. Past that its signal is aborted and a retryable HookError (re-read the fence: the call
 * may have taken effect) is thrown, whether or not the call heeds the signal.
 */
export const within = async <T>(ms: number, what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> => {
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const err = new HookError(`${what} did not finish within the ${formatDuration(ms / 1000)} left in this run`, {
          retryable: true,
          recheckFence: true,
        });
        ac.abort(err);
        reject(err);
      },
      Math.max(0, ms),
    );
  });
  try {
    return await Promise.race([call(ac.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
};
