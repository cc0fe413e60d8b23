import type { Io } from './context.js';

/** A run this long (in items) reports progress on stderr: one line per this many items. */
export const PROGRESS_EVERY = 1000;
/** Redraw interval of the terminal progress bar. */
const BAR_REDRAW_MS = 100;

export interface Progress {
  /** `done` items of `total` finished. */
  update(done: number): void;
  /** The run is over: the last line (a bar is completed and left on its own line). */
  end(done: number): void;
  /** Wraps an Io so that its stderr lines do not land in the middle of a bar. */
  around(io: Io): Io;
}

const NONE: Progress = { update: () => {}, end: () => {}, around: (io) => io };

/**
 * Progress of a long run on stderr, never on stdout: on a terminal a bar redrawn in place, otherwise one line per
 * PROGRESS_EVERY items (and one at the end). Nothing when `quiet` (`--json`) or for fewer than PROGRESS_EVERY items.
 * `detail(done)` adds to each report (e.g. ledger requests so far).
 */
export const progress = (
  io: Io,
  opts: {
    total: number;
    quiet: boolean;
    what: string;
    unit: string;
    detail?: (done: number) => string;
    clock?: () => number;
  },
): Progress => {
  const { total, what, unit } = opts;
  if (opts.quiet || total < PROGRESS_EVERY) return NONE;
  const clock = opts.clock ?? (() => performance.now());
  const t0 = clock();
  const line = (done: number) => {
    const s = (clock() - t0) / 1000;
    const rate = s > 0 ? Math.round(done / s) : 0;
    const detail = opts.detail?.(done);
    return `${what}: ${done}/${total} ${unit} (${Math.floor((done / total) * 100)}%) in ${s.toFixed(1)} s, ${rate} ${unit}/s${detail ? `, ${detail}` : ''}`;
  };
  const tty = io.errTty;
  if (!tty) {
    let last = 0;
    return {
      update: (done) => {
        if (done % PROGRESS_EVERY === 0 && done !== last) {
          last = done;
          io.err(line(done));
        }
      },
      end: (done) => {
        if (done !== last) io.err(line(done));
      },
      around: (inner) => inner,
    };
  }
  let drawn = false;
  let lastDraw = -Infinity;
  const draw = (done: number) => {
    const text = line(done);
    // `[####....] text` within the terminal's width (a wrapped line could not be redrawn in place).
    const room = Math.max(10, Math.min(40, tty.columns - 1 - text.length - 3));
    const filled = Math.floor((done / total) * room);
    tty.write(
      `\r${`[${'#'.repeat(filled)}${'.'.repeat(room - filled)}] ${text}`.slice(0, Math.max(20, tty.columns - 1))}\x1b[K`,
    );
    drawn = true;
    lastDraw = clock();
  };
  const clear = () => {
    if (drawn) tty.write('\r\x1b[K');
    drawn = false;
  };
  return {
    update: (done) => {
      if (clock() - lastDraw >= BAR_REDRAW_MS) draw(done);
    },
    end: (done) => {
      draw(done);
      tty.write('\n');
      drawn = false;
    },
    around: (inner) => ({
      ...inner,
      err: (t) => {
        clear();
        inner.err(t);
      },
    }),
  };
};
