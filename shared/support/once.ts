/**
 * `make()` on the first call, the same value after. For what a function needs only on some paths (zod schemas:
 * tens of microseconds per object; SDK clients: about a millisecond each), so a cold start builds only what it uses.
 * Mark module-level calls with a @__PURE__ comment, so a bundle whose code never uses the result drops it.
 */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
