// How every Lambda bundle is built: shared by scripts/build.mjs and the bench's SDK-only floor, so both are built
// the same way and the floor is the fair baseline.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This directory, also when bundled into dist/scripts/bench.mjs: the nearest one up that holds the shims. */
const here = (() => {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'scripts', 'lambda-no-event-streams.mjs'))) return join(d, 'scripts');
    if (dirname(d) === d) throw new Error('scripts/lambda-no-event-streams.mjs not found above this module');
  }
})();

/**
 * Lambda always provides credentials in the environment: the SDK's full default chain (SSO, INI files, STS web
 * identity, IMDS, …, ~100 KB minified) is replaced by the environment provider.
 */
const envCredentialsOnly = {
  name: 'env-credentials-only',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: join(here, 'lambda-credentials.mjs'),
    }));
  },
};

/**
 * The SDK's HTTP protocols load event-stream support with a dynamic `import()` that only event-stream operations
 * (Lambda InvokeWithResponseStream, Bedrock, Transcribe, …) reach; none of ours use them. Bundled, that one dynamic
 * import makes esbuild wrap all of @smithy/core in lazy-init closures (parsed twice, run through wrappers): ~20 KB
 * and ~10 ms of every cold start. The stub keeps the import and fails loudly if an event stream is ever used.
 */
const noEventStreams = {
  name: 'no-event-streams',
  setup(b) {
    b.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: join(here, 'lambda-no-event-streams.mjs') } : undefined,
    );
  },
};

/**
 * @middy/core imports `node:stream/web` for one `instanceof ReadableStream` check on its streamifyResponse path,
 * which none of our handlers use. Loading web streams costs ~2 ms of every cold start; this shim loads them the
 * first time that check runs (the check itself behaves the same).
 */
const lazyMiddyWebStreams = {
  name: 'lazy-middy-web-streams',
  setup(b) {
    b.onResolve({ filter: /^node:stream\/web$/ }, (args) =>
      /[\\/]@middy[\\/]core[\\/]/.test(args.importer)
        ? { path: 'node:stream/web', namespace: 'lazy-middy-web-streams' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-middy-web-streams' }, () => ({
      loader: 'js',
      contents: [
        'let web;',
        "const load = () => (web ??= require('node:stream/web'));",
        'export class ReadableStream { static [Symbol.hasInstance](v) { return v instanceof load().ReadableStream; } }',
      ].join('\n'),
    }));
  },
};

/** esbuild options shared by every Lambda bundle: one minified CommonJS file, SDK included. */
export const lambdaBuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node24', // the nodejs24.x runtime (bundle tests also load them on the machine's Node >= 20.19)
  format: 'cjs',
  mainFields: ['module', 'main'],
  legalComments: 'none',
  plugins: [envCredentialsOnly, noEventStreams, lazyMiddyWebStreams],
  logLevel: 'error',
};
