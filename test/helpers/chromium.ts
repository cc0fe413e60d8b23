import { spawnSync } from 'node:child_process';
import { type Browser, chromium } from 'playwright-core';
import { peerSkipReason } from './moto.js';

/**
 * Headless Chromium (Debian's `chromium` package; not on npm: playwright-core drives the system browser and never
 * downloads one). Tests that need it skip with a printed reason, except under `CI=true`, where a missing browser
 * fails the run (.ci/run installs it with apt). `chromium` is found as the shell finds it, with the same
 * `command -v` that .ci/run uses (Debian: /usr/bin/chromium).
 */
const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
export const CHROMIUM = found.status === 0 ? found.stdout.trim() : undefined;

/** Why browser tests are skipped (undefined when they run); throws under CI=true, where skipping is not allowed. */
export const chromiumSkipReason = (): string | undefined =>
  peerSkipReason(Boolean(CHROMIUM), 'chromium is not on PATH (apt-get install chromium to run the browser tests)');

/** A headless browser with nothing in the background that could reach the network. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
