import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The house rule docs/architecture.md states: no source file (tests aside) over 400 lines. A file that grows past it
// is split by concern, not by line count.
const MAX_LINES = 400;
const ROOTS = ['shared', 'functions', 'cli', 'local', 'scripts', 'serverless'];

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|cts|mjs|cjs|js)$/.test(name) ? [path] : [];
  });

describe('source files stay small enough to read', () => {
  it(`no file under ${ROOTS.join(', ')} has more than ${MAX_LINES} lines`, () => {
    const files = ROOTS.flatMap(sources);
    expect(files.length).toBeGreaterThan(100);
    const long = files
      .map((f) => ({ f, n: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter(({ n }) => n > MAX_LINES)
      .map(({ f, n }) => `${f}: ${n} lines`);
    expect(long).toEqual([]);
  });
});
