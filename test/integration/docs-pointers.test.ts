import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_FILES } from '../helpers/docs.js';

// Behaviour the runbooks and failure modes describe points at the test that shows it. A pointer to a test file that
// no longer exists fails here, and so does a runbook section about a tricky case that lost its pointer.

const TEST_PATH = /(?:\.\.\/)?(test\/(?:integration|unit)\/[\w.-]+\.test\.ts)/g;

const pointers = DOC_FILES.flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => [...line.matchAll(TEST_PATH)].map((m) => ({ file, line: i + 1, path: m[1] ?? '' }))),
);

/** The text of a `## ` section of a markdown file, up to the next heading of the same level. */
const section = (file: string, heading: string): string => {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`${file} has no section "${heading}"`);
  const end = text.indexOf('\n## ', start + 4);
  return text.slice(start, end < 0 ? undefined : end);
};

describe('docs point at the tests that show what they claim', () => {
  it('finds the pointers', () => {
    expect(pointers.length).toBeGreaterThan(5);
  });

  it.each(pointers.map((p) => [`${p.file}:${p.line} → ${p.path}`, p] as const))('%s exists', (_where, p) => {
    expect(existsSync(p.path), `${p.file}:${p.line} points at ${p.path}, which does not exist`).toBe(true);
  });

  it.each([
    ['docs/runbooks.md', 'UNKNOWN / NO DATA'],
    ['docs/runbooks.md', 'FLAPPING and FLAPPING ENDED'],
    ['docs/runbooks.md', 'UNASSIGNED'],
    ['docs/failure-modes.md', 'Flapping'],
  ])('%s "%s" names its test', (file, heading) => {
    expect(section(file, heading)).toMatch(TEST_PATH);
  });
});
