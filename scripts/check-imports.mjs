#!/usr/bin/env node
// Layering check, run by `npm run lint`: shared/ is the core and imports no entry point or tooling; functions/ (the
// Lambda handlers) never pull in the CLI or local-only tooling; cli/ never imports a Lambda handler.
//
// Why not dependency-cruiser: it parses TypeScript with the `typescript` package's JS compiler API (supported range
// >=2 <7); TypeScript 7 ships a native compiler with no such API, so it cruises zero .ts files here (and its
// current major needs Node >= 22). This checker tokenizes each file (comments, strings, template literals and regex
// literals skipped, so `require(` inside a string is not an import), finds every static import (also `import type`),
// `export … from`, dynamic `import()`, type-level `import('…')`, `require()` and `import x = require()` specifier,
// resolves relative ones against the importing file and checks where they land.
//
// Usage: node scripts/check-imports.mjs [root]   (root defaults to the repository). Exit 1 on any violation.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Top-level folder → the top-level folders it must not import, and why. */
export const RULES = {
  shared: {
    functions: 'shared/ must not import functions/ (handlers depend on the core, not the reverse)',
    cli: 'shared/ must not import cli/',
    local: 'shared/ must not import local/ (local-only tooling stays out of the core and the Lambda bundles)',
    test: 'shared/ must not import test/',
    scripts: 'shared/ must not import scripts/',
  },
  functions: {
    cli: 'functions/ must not import cli/',
    local: 'functions/ must not import local/ (no drill or local tooling in a Lambda bundle)',
  },
  cli: {
    functions: 'cli/ must not import functions/ (share code through shared/)',
  },
};

const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.serverless', '.git']);

const sourceFiles = (dir) => {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...sourceFiles(p));
    } else if (SOURCE.test(entry.name)) out.push(p);
  }
  return out.sort();
};

// ---- tokenizer -------------------------------------------------------------------------------------------------

/** Keywords after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER_KEYWORD = new Set(
  'return typeof instanceof in of new delete void throw case do else yield await extends'.split(' '),
);
const isIdStart = (c) => /[A-Za-z_$\u0080-\uffff]/.test(c);
const isIdPart = (c) => /[\w$\u0080-\uffff]/.test(c);

/**
 * Tokens of `src` that matter for finding imports: identifiers/keywords (`id`), punctuators (`p`), string literals
 * and template literals without substitutions (`str`, value unescaped enough for a path), templates with
 * substitutions (`tpl`, value = the text before the first `${`). Comments and regex literals are dropped.
 */
export function tokenize(src) {
  const tokens = [];
  let i = 0;
  let line = 1;
  // One entry per open `{` or `${`: true when the matching `}` resumes a template literal.
  const braces = [];
  const push = (type, value, tokLine) => tokens.push({ type, value, line: tokLine });
  const regexAllowed = () => {
    const prev = tokens[tokens.length - 1];
    if (!prev) return true;
    if (prev.type === 'str' || prev.type === 'tpl' || prev.type === 'num' || prev.type === 're') return false;
    if (prev.type === 'id') return REGEX_AFTER_KEYWORD.has(prev.value);
    return ![')', ']', '}'].includes(prev.value);
  };
  const readString = (quote) => {
    const start = line;
    let value = '';
    i++;
    while (i < src.length && src[i] !== quote) {
      if (src[i] === '\\') {
        if (src[i + 1] === '\n') line++;
        value += src[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (src[i] === '\n') line++; // unterminated string: keep going, the file is not ours to validate
      value += src[i++];
    }
    i++;
    push('str', value, start);
  };
  /** Reads template text from i (just after ` or }) up to the closing ` or a `${`. */
  const readTemplate = (startLine, head) => {
    let value = '';
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') {
        value += src[i + 1] ?? '';
        if (src[i + 1] === '\n') line++;
        i += 2;
      } else if (c === '`') {
        i++;
        if (head) push('str', value, startLine);
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        braces.push(true);
        if (head) push('tpl', value, startLine);
        else push('p', '}${', startLine);
        return;
      } else {
        if (c === '\n') line++;
        value += c;
        i++;
      }
    }
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\ufeff') {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === '\n') line++;
      i = stop;
    } else if (c === '#' && src[i + 1] === '!' && i === 0) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === "'" || c === '"') {
      readString(c);
    } else if (c === '`') {
      i++;
      readTemplate(line, true);
    } else if (c === '/' && regexAllowed()) {
      let inClass = false;
      i++;
      while (i < src.length && src[i] !== '\n') {
        if (src[i] === '\\') i += 2;
        else if (src[i] === '/' && !inClass) break;
        else {
          if (src[i] === '[') inClass = true;
          else if (src[i] === ']') inClass = false;
          i++;
        }
      }
      i++;
      while (i < src.length && isIdPart(src[i])) i++; // flags
      push('re', '', line);
    } else if (isIdStart(c) || c === '#' || c === '\\') {
      const start = i++;
      while (i < src.length && isIdPart(src[i])) i++;
      push('id', src.slice(start, i), line);
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(src[i + 1] ?? ''))) {
      const start = i++;
      while (i < src.length && /[\w.]/.test(src[i])) i++;
      push('num', src.slice(start, i), line);
    } else if (c === '{') {
      braces.push(false);
      push('p', c, line);
      i++;
    } else if (c === '}') {
      i++;
      if (braces.pop()) readTemplate(line, false);
      else push('p', c, line);
    } else if (c === '.' && src[i + 1] === '.' && src[i + 2] === '.') {
      push('p', '...', line);
      i += 3;
    } else if (c === '?' && src[i + 1] === '.' && !/\d/.test(src[i + 2] ?? '')) {
      push('p', '?.', line);
      i += 2;
    } else {
      push('p', c, line);
      i++;
    }
  }
  return tokens;
}

// ---- import extraction -----------------------------------------------------------------------------------------

/** Every module specifier in `src`: { specifier, line, kind, partial } (partial: a template's static prefix). */
export function findImports(src) {
  const t = tokenize(src);
  const found = [];
  const isSpec = (tok) => tok && (tok.type === 'str' || tok.type === 'tpl');
  const add = (tok, kind) => found.push({ specifier: tok.value, line: tok.line, kind, partial: tok.type === 'tpl' });
  /** From index k, skip an import/export clause (names, braces, `*`, `as`, `type`) and return the `from` index. */
  const fromAfterClause = (k) => {
    let depth = 0;
    for (; k < t.length; k++) {
      const tok = t[k];
      if (tok.type === 'p' && tok.value === '{') depth++;
      else if (tok.type === 'p' && tok.value === '}') depth--;
      else if (depth === 0 && tok.type === 'id' && tok.value === 'from') return k;
      else if (depth === 0 && !(tok.type === 'id' || (tok.type === 'p' && (tok.value === ',' || tok.value === '*')))) {
        return -1;
      }
      // inside braces: names, `as`, `type`, commas and string names (`{ 'a b' as c }`) are all fine
    }
    return -1;
  };
  for (let k = 0; k < t.length; k++) {
    const tok = t[k];
    if (tok.type !== 'id') continue;
    const prev = t[k - 1];
    if (prev && prev.type === 'p' && (prev.value === '.' || prev.value === '?.')) continue; // x.import, x.require
    const next = t[k + 1];
    if (tok.value === 'import') {
      if (!next) continue;
      if (next.type === 'p' && next.value === '(') {
        if (isSpec(t[k + 2])) add(t[k + 2], 'dynamic-import');
      } else if (isSpec(next)) {
        add(next, 'import'); // import 'x'
      } else if (next.type === 'p' && next.value === '.') {
        // import.meta
      } else {
        const f = fromAfterClause(k + 1);
        if (f !== -1 && isSpec(t[f + 1])) add(t[f + 1], 'import');
      }
    } else if (tok.value === 'export') {
      const f = fromAfterClause(k + 1);
      if (f !== -1 && isSpec(t[f + 1])) add(t[f + 1], 'export-from');
    } else if (tok.value === 'require') {
      if (next && next.type === 'p' && next.value === '(' && isSpec(t[k + 2])) add(t[k + 2], 'require');
    }
  }
  return found;
}

// ---- resolution and rules --------------------------------------------------------------------------------------

const TS_FOR_JS = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };
const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.d.ts'];

/** The file a relative or absolute specifier names (TypeScript/bundler style), or the bare path if none exists. */
export function resolveSpecifier(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base];
  const ext = /\.[cm]?js$/.exec(base)?.[0];
  if (ext) for (const e of TS_FOR_JS[ext]) candidates.push(base.slice(0, -ext.length) + e);
  for (const e of EXTENSIONS) candidates.push(base + e);
  for (const e of EXTENSIONS) candidates.push(join(base, `index${e}`));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      // not this one
    }
  }
  return base;
}

const topFolder = (root, file) => {
  const rel = relative(root, file);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep)[0];
};

/** Every violation under `root`: { file, line, target, rule } with root-relative, /-separated paths. */
export function checkImports(root) {
  const violations = [];
  const show = (p) => relative(root, p).split(sep).join('/');
  for (const [folder, forbidden] of Object.entries(RULES)) {
    for (const file of sourceFiles(join(root, folder))) {
      for (const imp of findImports(readFileSync(file, 'utf8'))) {
        const spec = imp.specifier;
        const isPath = spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..';
        const isAbsolute = spec.startsWith('/') || spec.startsWith('file:');
        if (!isPath && !isAbsolute) continue; // a package or node: builtin
        const asPath = spec.startsWith('file:') ? fileURLToPath(spec) : spec;
        // A template's static prefix (`../local/${x}`) lands in the folder up to its last `/` (`../${x}`: the root).
        const target = imp.partial
          ? resolve(dirname(file), asPath.slice(0, asPath.lastIndexOf('/') + 1) || '.')
          : resolveSpecifier(file, asPath);
        const top = topFolder(root, target);
        if (top && Object.hasOwn(forbidden, top)) {
          violations.push({ file: show(file), line: imp.line, target: show(target), rule: forbidden[top] });
        }
      }
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkImports(root);
  for (const v of violations) console.error(`${v.file}:${v.line} imports ${v.target}: ${v.rule}`);
  if (violations.length > 0) {
    console.error(`check-imports: ${violations.length} forbidden import(s)`);
    process.exit(1);
  }
  console.log(`check-imports: ok (${Object.keys(RULES).join(', ')})`);
}
