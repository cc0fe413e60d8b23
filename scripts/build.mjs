#!/usr/bin/env node
// Builds every Lambda (one minified CommonJS bundle per function, SDK included; its esbuild metafile in
// dist/<fn>.meta.json), the CLI, the bench and the serverless plugin's config module. Run by `npm install`
// (prepare), `npm test`, `npm start` and the plugin.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lambdaBuildOptions } from './lambda-build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

export const functionNames = () =>
  readdirSync(join(root, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();

// Tests load bundles while another worker may rebuild them: write each output to a temp file and rename it, so a
// reader sees the old file or the new one, never half of one.
const writeAtomically = (path, contents) => {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
};

/** Builds `options`; with `metafileOut`, also writes esbuild's metafile (inputs, root-relative) there. */
const buildAtomically = async (options, metafileOut) => {
  const result = await build({
    ...options,
    write: false,
    ...(metafileOut ? { metafile: true, absWorkingDir: root } : {}),
  });
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  if (metafileOut) writeAtomically(metafileOut, `${JSON.stringify(result.metafile)}\n`);
};

export async function buildAll({ quiet = false } = {}) {
  mkdirSync(dist, { recursive: true });
  // The root package is ESM; the Lambda bundles are CommonJS, so dist/ says so (otherwise `handler` is undefined).
  const pkg = join(dist, `package.json.${process.pid}.tmp`);
  writeFileSync(pkg, '{"type":"commonjs"}\n');
  renameSync(pkg, join(dist, 'package.json'));
  const fns = functionNames();
  await Promise.all([
    // The metafile sits beside dist/<fn>/, not in it: the function's zip ships dist/<fn>/** and stays index.js only.
    ...fns.map((fn) =>
      buildAtomically(
        {
          entryPoints: [join(root, 'functions', `${fn}.ts`)],
          outfile: join(dist, fn, 'index.js'),
          ...lambdaBuildOptions,
        },
        join(dist, `${fn}.meta.json`),
      ),
    ),
    ...[
      ['cli/main.ts', 'cli/main.mjs', 'esm'],
      ['scripts/bench.ts', 'scripts/bench.mjs', 'esm'],
      ['scripts/sls-config.ts', 'sls/config.cjs', 'cjs'],
    ]
      .filter(([src]) => existsSync(join(root, src)))
      .map(([src, out, format]) =>
        buildAtomically({
          entryPoints: [join(root, src)],
          outfile: join(dist, out),
          bundle: true,
          packages: 'external',
          platform: 'node',
          target: 'node20',
          format,
          sourcemap: 'inline',
          logLevel: 'error',
        }),
      ),
  ]);
  if (!quiet) console.error(`built ${fns.length} function bundle(s), CLI and tools into dist/`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildAll();
}
