import { execFileSync } from 'node:child_process';

// Bundle tests load dist/<fn>/index.js: build once per run so they never test a stale bundle.
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
