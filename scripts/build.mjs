#!/usr/bin/env node
// Builds every Lambda (one minified CommonJS bundle per function, SDK included; its esbuild metafile in
// dist/<fn>.meta.json), the CLI, the bench, the serverless plugin's config module and failover.schema.json. Run by `npm install`
// (prepare), `npm test`, `npm start` and the plugin.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

/**
 * Builds `options` and returns the files written; with `metafileOut`, also writes esbuild's metafile (inputs,
 * root-relative) there. With code splitting, chunks first and entry points last: a reader of the new entry finds
 * its chunks in place.
 */
const buildAtomically = async (options, metafileOut) => {
  const result = await build({
    ...options,
    write: false,
    ...(metafileOut ? { metafile: true, absWorkingDir: root } : {}),
  });
  const entries = new Set(
    (options.entryPoints ?? []).map((e) =>
      join(options.outdir ?? '', `${e.split('/').pop().replace(/\.ts$/, '')}.mjs`),
    ),
  );
  const ordered = [...result.outputFiles].sort((a, b) => Number(entries.has(a.path)) - Number(entries.has(b.path)));
  for (const file of ordered) writeAtomically(file.path, file.contents);
  if (metafileOut) writeAtomically(metafileOut, `${JSON.stringify(result.metafile)}\n`);
  return ordered.map((f) => f.path);
};

/**
 * Drops chunks of earlier builds (content-hashed names) once no process started before could still load them.
 * Other builds may run at the same time (test workers, the serverless plugin): their temp files are left alone, and a
 * file that is gone by the time it is looked at is fine.
 */
const pruneChunks = (dir, keep, olderThanMs = 10 * 60_000) => {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    const path = join(dir, f);
    if (!f.endsWith('.mjs') || keep.includes(path)) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs >= olderThanMs) rmSync(path, { force: true });
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  }
};

const toolOptions = {
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'error',
};

/**
 * failover.schema.json at the package root (the example's `# yaml-language-server: $schema=` line points at it),
 * generated from the zod schema just bundled: never written by hand, not committed, shipped in the npm package.
 */
const writeConfigSchema = async () => {
  const module = pathToFileURL(join(dist, 'scripts', 'config-schema.mjs'));
  // A fresh URL per build: a second build in the same process must not get the first one's module from the cache.
  module.search = `?build=${process.pid}-${Date.now()}`;
  const { configJsonSchemaText, CONFIG_JSON_SCHEMA_FILE } = await import(module.href);
  writeAtomically(join(root, CONFIG_JSON_SCHEMA_FILE), configJsonSchemaText());
};

/**
 * Everything into dist/. With `pack` (`npm pack`/`npm publish`: the prepack script), only what the package ships
 * (package.json `files`): the CLI, without inline source maps, and no chunk of an earlier build left beside it.
 */
export async function buildAll({ quiet = false, pack = false } = {}) {
  mkdirSync(dist, { recursive: true });
  // The root package is ESM; the Lambda bundles are CommonJS, so dist/ says so (otherwise `handler` is undefined).
  const pkg = join(dist, `package.json.${process.pid}.tmp`);
  writeFileSync(pkg, '{"type":"commonjs"}\n');
  renameSync(pkg, join(dist, 'package.json'));
  const fns = pack ? [] : functionNames();
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
    // The CLI is split: main.mjs loads a command's module (and the SDK clients it uses) only when it runs.
    buildAtomically(
      {
        ...toolOptions,
        ...(pack ? { sourcemap: false } : {}),
        entryPoints: [join(root, 'cli/main.ts')],
        outdir: join(dist, 'cli'),
        splitting: true,
        entryNames: '[name]',
        chunkNames: 'chunks/[name]-[hash]',
        outExtension: { '.js': '.mjs' },
        format: 'esm',
      },
      join(dist, 'cli.meta.json'),
    ).then((written) => pruneChunks(join(dist, 'cli', 'chunks'), written, pack ? 0 : undefined)),
    ...[
      ['scripts/bench.ts', 'scripts/bench.mjs', 'esm'],
      ['scripts/bench/raw-put.ts', 'scripts/raw-put.mjs', 'esm'],
      ['scripts/sls-config.ts', 'sls/config.cjs', 'cjs'],
      ['shared/config/json-schema.ts', 'scripts/config-schema.mjs', 'esm'],
    ]
      .filter(([src, out]) => existsSync(join(root, src)) && (!pack || out === 'scripts/config-schema.mjs'))
      .map(([src, out, format]) =>
        buildAtomically({ ...toolOptions, entryPoints: [join(root, src)], outfile: join(dist, out), format }),
      ),
  ]);
  await writeConfigSchema();
  if (quiet) return;
  console.error(
    pack
      ? 'built the CLI into dist/cli/ and failover.schema.json for the package'
      : `built ${fns.length} function bundle(s), CLI and tools into dist/, and failover.schema.json`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `npm pack` and `npm publish` run prepack (`build.mjs --pack`) and then prepare (`build.mjs`) as well: the second
  // build would only redo the first one's work (and put back the Lambda bundles the package does not ship).
  const packing = ['pack', 'publish'].includes(process.env.npm_command ?? '');
  if (process.env.npm_lifecycle_event === 'prepare' && packing) console.error('prepare: prepack has built the package');
  else await buildAll({ pack: process.argv.includes('--pack') });
}
