// Tests use the same loopback receiver as the demo.
import { type Receiver, startReceiver } from '../../local/receiver.js';

export * from '../../local/receiver.js';

/** Receivers a test file starts, all closed by `closeAll` (use it in afterEach). */
export const receiverPool = () => {
  const open: Receiver[] = [];
  return {
    start: async (...args: Parameters<typeof startReceiver>): Promise<Receiver> => {
      const r = await startReceiver(...args);
      open.push(r);
      return r;
    },
    closeAll: async (): Promise<void> => {
      await Promise.all(open.splice(0).map((r) => r.close()));
    },
  };
};
