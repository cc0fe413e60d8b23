export interface PostResult {
  status: number;
  headers: Headers;
  body: string;
}

/** POSTs `body` and reads at most 64 KiB of the answer. Network errors and timeouts reject (the caller classifies). */
export const postJson = async (
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<PostResult> => {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    signal,
    redirect: 'manual',
  });
  const text = (await res.text()).slice(0, 65_536);
  return { status: res.status, headers: res.headers, body: text };
};

/** `Retry-After` as delta-seconds or an HTTP date → milliseconds (undefined when absent or unreadable). */
export const retryAfterMs = (value: string | null, now: number = Date.now()): number | undefined => {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};
