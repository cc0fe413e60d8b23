import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lambdaBuildOptions } from '../../scripts/lambda-build.mjs';

// What goes into each Lambda bundle, from the esbuild metafile scripts/build.mjs writes next to the bundles
// (dist/<fn>.meta.json; test/global-setup.ts builds them once per run). Input paths are relative to the repository.
type Metafile = { inputs: Record<string, unknown>; outputs: Record<string, unknown> };

const FUNCTIONS = readdirSync('functions')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const meta = (fn: string): Metafile => JSON.parse(readFileSync(`dist/${fn}.meta.json`, 'utf8')) as Metafile;
/** Inputs from this repository (not node_modules, not a build plugin's virtual module such as `ns:node:…`). */
const ownInputs = (fn: string) =>
  Object.keys(meta(fn).inputs).filter((p) => !p.startsWith('node_modules/') && !/^[\w-]+:/.test(p));
/** Strings only local/drill/drill.ts has: absent from every Lambda bundle, present in the CLI (the drill's home). */
const DRILL_MARKERS = ['drill-notify-webhook-secret-0123', 'every-minute schedule (notifier sweep, promotion tick):'];

describe('Lambda bundles carry no local/ tooling', () => {
  it('builds one bundle and one metafile per function', () => {
    expect(FUNCTIONS.length).toBeGreaterThan(0);
    expect(readdirSync('dist')).toEqual(expect.arrayContaining(FUNCTIONS.map((fn) => `${fn}.meta.json`)));
    for (const fn of FUNCTIONS) {
      expect(Object.keys(meta(fn).outputs), fn).toEqual([`dist/${fn}/index.js`]);
      expect(ownInputs(fn), fn).toContain(`functions/${fn}.ts`);
    }
  });

  it.each(FUNCTIONS)('%s: every own input is its handler, shared/ or a build shim (no local/, cli/, test/)', (fn) => {
    const inputs = ownInputs(fn);
    expect(inputs.filter((p) => /^(?:local|cli|test)\//.test(p))).toEqual([]);
    const allowed = (p: string) =>
      p === `functions/${fn}.ts` || p.startsWith('shared/') || /^scripts\/lambda-[\w-]+\.mjs$/.test(p);
    expect(inputs.filter((p) => !allowed(p))).toEqual([]);
  });

  it('has none of the drill\u2019s strings in any bundle (and the CLI bundle, which runs the drill, has them)', () => {
    // The CLI is split into main.mjs and chunks (each command's module loads when it runs): read every output.
    const cliMeta = JSON.parse(readFileSync('dist/cli.meta.json', 'utf8')) as { outputs: Record<string, unknown> };
    const cli = Object.keys(cliMeta.outputs)
      .map((out) => readFileSync(out, 'utf8'))
      .join('\n');
    for (const marker of DRILL_MARKERS) expect(cli).toContain(marker);
    for (const fn of FUNCTIONS) {
      const bundle = readFileSync(`dist/${fn}/index.js`, 'utf8');
      for (const marker of DRILL_MARKERS) expect(bundle, fn).not.toContain(marker);
    }
  });
});

/** Package → the install directories its bundled inputs came from (`node_modules/a/node_modules/b/…` → b's copy). */
const bundledCopies = (fn: string) => {
  const copies = new Map<string, Set<string>>();
  for (const input of Object.keys(meta(fn).inputs)) {
    const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (m) copies.set(m[2] as string, (copies.get(m[2] as string) ?? new Set()).add(m[1] as string));
  }
  return copies;
};

describe('Lambda bundles carry one copy of each package', () => {
  it.each(FUNCTIONS)('%s: no package bundled from two install directories', (fn) => {
    const twice = [...bundledCopies(fn)].filter(([, dirs]) => dirs.size > 1).map(([name, dirs]) => [name, [...dirs]]);
    expect(twice).toEqual([]);
  });

  it.each(FUNCTIONS)('%s: credentials from the environment only (no INI, SSO or default chain)', (fn) => {
    const providers = [...bundledCopies(fn).keys()].filter((name) => /credential-provider|shared-ini/.test(name));
    expect(providers).toEqual(['@aws-sdk/credential-provider-env']);
  });
});

describe('the Lambda runtime these bundles are built and tested for', () => {
  const runtimes = ['serverless.yml', 'serverless.probe.yml'].map(
    (f) => /^ {2}runtime: (nodejs(\d+)\.x)$/m.exec(readFileSync(f, 'utf8'))?.slice(1) ?? [],
  );
  const major = runtimes[0]?.[1];

  it('is one Node major in both stacks, the bundles\u2019 esbuild target and the Node .ci/run tests them on', () => {
    expect(runtimes).toEqual([
      ['nodejs24.x', '24'],
      ['nodejs24.x', '24'],
    ]);
    expect(lambdaBuildOptions.target).toBe(`node${major}`);
    // .ci/run reads the major from serverless.yml and runs these tests on node-linux-<arch>@<major>.
    expect(readFileSync('.ci/run', 'utf8')).toContain('runtime: nodejs');
  });

  // Set by .ci/run when it runs the bundle tests on the Lambda runtime's Node (see README "Node versions").
  it.runIf(process.env.R53F_LAMBDA_NODE_MAJOR)('runs on that Node major when .ci/run asks for it', () => {
    expect(process.env.R53F_LAMBDA_NODE_MAJOR).toBe(major);
    expect(process.versions.node.split('.')[0]).toBe(major);
  });
});
