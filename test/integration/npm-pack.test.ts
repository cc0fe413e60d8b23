import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// The package as a user gets it: `npm pack` (prepack builds) in a copy of this checkout, the tarball installed into an
// empty directory, and the installed `r53-failover` run from there, with no dev dependency and no build step.
// The copy keeps the pack build (which prunes every older CLI chunk) away from the dist/ other test files load.

const ROOT = resolve('.');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const work = mkdtempSync(join(tmpdir(), 'r53f-pack-'));
const src = join(work, 'src');
const out = join(work, 'out');
const app = join(work, 'app');

/** npm's own environment, without what an `npm test` around vitest put there (lifecycle, package and prefix vars). */
const npmEnv = (): NodeJS.ProcessEnv => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  for (const k of ['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'])
    if (process.env[k]) env[k] = process.env[k];
  return { ...env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
};
const npm = (cwd: string, ...args: string[]) =>
  spawnSync('npm', args, { cwd, env: npmEnv(), encoding: 'utf8', timeout: 240_000 });

interface Packed {
  filename: string;
  files: { path: string }[];
}
let packed: Packed;
let skipReason: string | undefined;
/** The installed CLI, run from the empty directory with only Node on PATH. */
const installed = (...args: string[]) =>
  spawnSync(join(app, 'node_modules', '.bin', 'r53-failover'), args, {
    cwd: app,
    encoding: 'utf8',
    timeout: 180_000,
    env: { PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter), HOME: app, TMPDIR: tmpdir() },
  });

beforeAll(() => {
  // The checkout as git sees it (tracked files and new ones not ignored), plus what a maintainer keeps locally and
  // must never ship: a failover.yml with a webhook URL, a .env, the embedded ledger.
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  for (const f of listed.split('\0').filter((p) => p && existsSync(join(ROOT, p))))
    cpSync(join(ROOT, f), join(src, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
  writeFileSync(
    join(src, 'failover.yml'),
    'notify: { slack: { webhookUrl: https://hooks.slack.com/services/T0/B0/secret } }\n',
  );
  writeFileSync(join(src, '.env'), 'AWS_SECRET_ACCESS_KEY=local-only\n');
  mkdirSync(join(src, '.r53-failover'));
  writeFileSync(join(src, '.r53-failover', 'CURRENT'), 'ledger\n');

  mkdirSync(out);
  const pack = npm(src, 'pack', '--json', '--pack-destination', out);
  if (pack.status !== 0) throw new Error(`npm pack failed (${pack.status}): ${pack.stderr}`);
  [packed] = JSON.parse(pack.stdout) as [Packed];

  // No lockfile travels in the tarball, so npm resolves the dependencies' own dependencies: from the local cache
  // when it can (--offline), else from the registry (--prefer-offline still takes every tarball it has cached).
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{"name": "empty", "private": true}\n');
  const tarball = join(out, packed.filename);
  let install = npm(app, 'install', '--offline', tarball);
  if (install.status !== 0) install = npm(app, 'install', '--prefer-offline', tarball);
  if (install.status !== 0) {
    const reason = `npm cannot install the packed tarball here: ${install.stderr.split('\n').find((l) => /npm error/.test(l)) ?? install.stderr.slice(0, 300)}`;
    if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires it`);
    console.warn(`skipped: ${reason}`);
    skipReason = reason;
  }
}, 600_000);

describe('npm pack', () => {
  it('ships the built CLI, the schema, the example and the docs: no sources, tests, CI scripts or local secrets', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'bin/r53-failover.mjs',
        'dist/cli/main.mjs',
        'failover.schema.json',
        'failover.example.yml',
        'docs/check.md',
      ]),
    );
    expect(paths.some((p) => p.startsWith('dist/cli/chunks/'))).toBe(true);
    const unwanted = paths.filter(
      (p) =>
        /^(test|\.ci|scripts|shared|cli|local|functions|serverless|types|node_modules|\.r53-failover)\//.test(p) ||
        /(^|\/)(\.env|failover\.yml|tsconfig\.json|serverless(\.probe)?\.yml)$/.test(p) ||
        /\.(ts|map)$/.test(p) ||
        /^dist\/(?!cli\/)/.test(p),
    );
    expect(unwanted).toEqual([]);
  });

  it('leaves only dependencies for the bundled CLI to require at run time', () => {
    const meta = JSON.parse(readFileSync(join(src, 'dist', 'cli.meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
    };
    const required = new Set(
      Object.values(meta.outputs)
        .flatMap((o) => o.imports)
        .filter((i) => i.external && !i.path.startsWith('node:'))
        .map((i) =>
          i.path
            .split('/')
            .slice(0, i.path.startsWith('@') ? 2 : 1)
            .join('/'),
        ),
    );
    expect(required.size).toBeGreaterThan(0);
    expect([...required].filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });
});

describe('the packed r53-failover installed into an empty directory', () => {
  it('installs without dev dependencies or the build', ({ skip }) => {
    if (skipReason) skip(skipReason);
    const modules = join(app, 'node_modules');
    for (const dev of ['esbuild', 'typescript', 'vitest', 'osls', '@biomejs/biome'])
      expect(existsSync(join(modules, dev)), dev).toBe(false);
    expect(existsSync(join(modules, 'r53-failover', 'dist', 'cli', 'main.mjs'))).toBe(true);
    expect(existsSync(join(modules, 'r53-failover', 'scripts', 'build.mjs'))).toBe(false);
  });

  it('prints its version', ({ skip }) => {
    if (skipReason) skip(skipReason);
    const res = installed('--version');
    expect(res.stderr).toBe('');
    expect([res.status, res.stdout.trim()]).toEqual([0, pkg.version]);
  });

  it('lints a change batch', ({ skip }) => {
    if (skipReason) skip(skipReason);
    cpSync(join(ROOT, 'test', 'events', 'change-batches', 'correct.json'), join(app, 'batch.json'));
    const res = installed('check', '--change-batch', 'batch.json', '--zone-name', 'example.com.');
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('r53-failover check: change batch batch.json');
    expect(res.stdout).toContain('0 error(s), 0 warning(s)');
    expect(res.status).toBe(0);
  });

  it('runs the primary-down drill', ({ skip }) => {
    if (skipReason) skip(skipReason);
    const res = installed('drill', '--scenario', 'primary-down', '--speed', 'fast');
    expect(res.stdout).toContain('Drill passed: 1 of 1 scenario(s) behaved as expected.');
    expect(res.stdout).toMatch(/✔ primary-down/);
    expect(res.status).toBe(0);
  });

  it('prints the same schema as the package\u2019s failover.schema.json', ({ skip }) => {
    if (skipReason) skip(skipReason);
    const res = installed('schema');
    expect(res.status).toBe(0);
    expect(res.stdout).toBe(readFileSync(join(app, 'node_modules', 'r53-failover', 'failover.schema.json'), 'utf8'));
  });
});
