import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImports } from '../../scripts/check-imports.mjs';

// Dependency hygiene (docs/STYLE §13): exact pins, one release per package family, one installed copy of every
// SDK/Powertools package (a second copy is bundled twice), and every imported package declared, not only present
// because something else depends on it.
interface LockPackage {
  version?: string;
  dev?: boolean;
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockPackage> };

const declared = (filter: RegExp) => Object.entries(pkg.dependencies).filter(([name]) => filter.test(name));
/** The package a lock path installs: `node_modules/a/node_modules/@s/b` → `@s/b`. */
const packageAt = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path)?.[1];
/** The package a bare specifier names: `@aws-lambda-powertools/logger/middleware` → `@aws-lambda-powertools/logger`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const BUILTINS = new Set(builtinModules);
const isBare = (s: string) => !/^(?:\.{1,2}(?:\/|$)|\/|node:|file:)/.test(s) && !BUILTINS.has(packageOf(s));

const sourceFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(?:[cm]?ts|[cm]?js)$/.test(f) && !f.split('/').includes('node_modules'))
    .map((f) => join(dir, f));
/** Bare packages imported anywhere under `dirs`, each with the first file that imports it. */
const importedPackages = (dirs: string[]) => {
  const found = new Map<string, string>();
  for (const file of dirs.flatMap(sourceFiles))
    for (const { specifier, partial } of findImports(readFileSync(file, 'utf8')))
      if (!partial && isBare(specifier) && !found.has(packageOf(specifier))) found.set(packageOf(specifier), file);
  return found;
};

describe('package.json and package-lock.json', () => {
  it('pins every dependency to an exact version', () => {
    const loose = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
      ([, v]) => !/^\d+\.\d+\.\d+$/.test(v),
    );
    expect(loose).toEqual([]);
  });

  // AWS publishes a client only when it changes: a client with no release on the others' line stays at its newest,
  // named here, and still shares @aws-sdk/core and @smithy with the rest (one installed copy each, below).
  const NEWEST_RELEASE: Record<string, string> = { '@aws-sdk/client-elastic-load-balancing-v2': '3.1142.0' };

  it('keeps every @aws-sdk client and lib-dynamodb on one release', () => {
    const sdk = declared(/^@aws-sdk\/(?:client-|lib-dynamodb$)/);
    expect(sdk.length).toBeGreaterThan(1);
    expect(new Set(sdk.filter(([name]) => !(name in NEWEST_RELEASE)).map(([, v]) => v))).toHaveProperty('size', 1);
    for (const [name, v] of sdk) if (name in NEWEST_RELEASE) expect(v).toBe(NEWEST_RELEASE[name]);
  });

  it('keeps every Powertools package on one release', () => {
    const powertools = declared(/^@aws-lambda-powertools\//);
    expect(powertools.length).toBeGreaterThan(1);
    expect(new Set(powertools.map(([, v]) => v))).toHaveProperty('size', 1);
  });

  it('installs one copy of each @aws-sdk, @smithy and Powertools package the runtime uses', () => {
    const copies = new Map<string, string[]>();
    for (const [path, entry] of Object.entries(lock.packages)) {
      const name = packageAt(path);
      if (!entry.dev && name && /^@(?:aws-sdk|smithy|aws-lambda-powertools)\//.test(name))
        copies.set(name, [...(copies.get(name) ?? []), `${path}@${entry.version}`]);
    }
    expect(copies.get('@aws-lambda-powertools/commons')).toHaveLength(1);
    expect([...copies.values()].filter((paths) => paths.length > 1)).toEqual([]);
  });

  it('installs each declared runtime dependency at the version package.json pins', () => {
    const drift = Object.entries(pkg.dependencies)
      .map(([name, want]) => [name, want, lock.packages[`node_modules/${name}`]?.version])
      .filter(([, want, got]) => want !== got);
    expect(drift).toEqual([]);
  });

  it('declares every package the Lambdas, the CLI and local tooling import in dependencies', () => {
    const missing = [...importedPackages(['functions', 'shared', 'local', 'cli'])]
      // A type-only package (`aws-lambda`) is provided by its @types twin.
      .filter(([name]) => !(name in pkg.dependencies) && !(`@types/${name}` in pkg.devDependencies))
      .map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
  });

  it('declares every package tests and scripts import', () => {
    const all = { ...pkg.dependencies, ...pkg.devDependencies };
    const missing = [...importedPackages(['test', 'scripts', 'serverless'])]
      .filter(([name]) => !(name in all) && !(`@types/${name}` in all))
      .map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
  });
});
