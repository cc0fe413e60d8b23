import type { Resolve } from '../../shared/net/guard.js';

/** A resolver answering each call with the next list of addresses (the last one again after that), recording the names asked for. */
export const answering = (...answers: string[][]): Resolve & { calls: string[] } => {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    const list = answers[Math.min(calls.length, answers.length - 1)] ?? [];
    calls.push(hostname);
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
};
