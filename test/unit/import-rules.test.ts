import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImports } from '../../scripts/check-imports.mjs';

const checker = join(import.meta.dirname, '..', '..', 'scripts', 'check-imports.mjs');
const run = (root?: string) =>
  spawnSync(process.execPath, root === undefined ? [checker] : [checker, root], { encoding: 'utf8' });

const tree = (files: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), 'r53f-imports-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
};

describe('scripts/check-imports.mjs', () => {
  it('passes on the repository', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails on a forbidden import with file:line, the target and the rule, and ignores look-alikes', () => {
    // Arrange: one real violation among allowed imports, and `import`/`require` text in strings, comments, regexes
    const root = tree({
      'local/drill/drill.ts': 'export const DRILL = 1;\n',
      'shared/core/ok.ts': 'export const ok = 1;\n',
      'shared/core/bad.ts': [
        "import { ok } from './ok.js';",
        "import type { Stats } from 'node:fs';",
        'const s = "require(\'../../local/drill/drill.js\')";',
        '// import { DRILL } from "../../local/drill/drill.js";',
        "const re = /from '..\\/..\\/local\\/x.js'/;",
        'const t = `${s} import("../../local/drill/drill.js")`;',
        'export {',
        '  ok,',
        "} from '../../local/drill/drill.js';",
        '',
      ].join('\n'),
      'functions/fn.ts': "import { ok } from '../shared/core/ok.js';\nexport const handler = () => ok;\n",
      'cli/main.ts': "import { DRILL } from '../local/drill/drill.js';\nexport const main = () => DRILL;\n",
    });
    // Act
    const r = run(root);
    // Assert
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'shared/core/bad.ts:9 imports local/drill/drill.ts: shared/ must not import local/ (local-only tooling',
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // the violation and the count
    expect(r.stderr).toContain('check-imports: 1 forbidden import(s)');
  });

  it.each([
    ['functions/fn.ts', "export const f = () => import('../cli/main.js');", 'functions/ must not import cli/'],
    ['functions/fn.ts', "const d = require('../local/drill/drill.js');", 'functions/ must not import local/'],
    ['cli/main.ts', "import type { H } from '../functions/fn.js';", 'cli/ must not import functions/'],
    ['shared/a.ts', "export * from '../test/helpers/x.js';", 'shared/ must not import test/'],
    ['shared/a.ts', "import { b } from '../scripts/build.mjs';", 'shared/ must not import scripts/'],
    ['shared/a.ts', "type F = typeof import('../functions/fn.js');", 'shared/ must not import functions/'],
    ['shared/a.ts', 'const m = (n: string) => import(`../local/drill/${n}.js`);', 'shared/ must not import local/'],
  ])('%s: %s', (file, line, rule) => {
    const r = run(tree({ [file]: `${line}\n` }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}:1 imports `);
    expect(r.stderr).toContain(rule);
  });

  it('finds every kind of specifier with its line', () => {
    const src = [
      "import a from 'a';",
      "import 'side';",
      "import {\n  b,\n  type C,\n} from 'b';",
      "export * as ns from 'ns';",
      "import x = require('cjs');",
      "const d = await import('dyn');",
      'const n = 10 / 2; const r = /import("no")/g;',
      "obj.require('no'); import.meta.url;",
      'const tpl = `${`${"nested"}`} require("no")`;',
      'const p = `./p/${n}`; const e = require(`./e`);',
      '',
    ].join('\n');
    expect(findImports(src).map((i) => [i.line, i.kind, i.specifier, i.partial])).toEqual([
      [1, 'import', 'a', false],
      [2, 'import', 'side', false],
      [6, 'import', 'b', false],
      [7, 'export-from', 'ns', false],
      [8, 'require', 'cjs', false],
      [9, 'dynamic-import', 'dyn', false],
      [13, 'require', './e', false],
    ]);
  });
});
