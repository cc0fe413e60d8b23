/** The error `fn` throws; fails the test when it throws nothing. */
export const errorOf = (fn: () => unknown): Error => {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (!(thrown instanceof Error)) throw new Error(`expected an Error to be thrown, got ${String(thrown)}`);
  return thrown;
};
