#!/usr/bin/env node
// Thin launcher, plain JavaScript: it runs the CLI bundled into dist/cli/. The npm package ships that bundle (built by
// prepack), so an installed r53-failover needs neither a build nor dev dependencies. A checkout gets it from
// `npm install` (prepare) or `npm run build`, and a fresh one that has not been built yet builds it here.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The SDK's Node 20 end-of-support notice is for maintainers, not for someone reading failover history.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'cli', 'main.mjs');
if (!existsSync(main)) {
  const build = join(root, 'scripts', 'build.mjs');
  if (!existsSync(build)) {
    console.error(
      `r53-failover: ${main} is missing: this package was packed without its build (npm pack runs prepack)`,
    );
    process.exit(1);
  }
  const { buildAll } = await import(pathToFileURL(build).href);
  await buildAll({ quiet: true });
}
// `r53-failover history | head`: a closed pipe ends the output quietly instead of crashing.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { run } = await import(pathToFileURL(main).href);
process.exitCode = await run(process.argv.slice(2));
