/**
 * `make()` on the first call, the same value after. For zod schemas a function needs only on some paths: building
 * one costs tens of microseconds per object at cold start, so a container builds only the ones it uses.
 * Mark module-level calls with a @__PURE__ comment, so a bundle whose code never uses the result drops it.
 */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
