import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runBin } from './cli.js';
import { freePort } from './http-receiver.js';

/**
 * moto_server (Python moto 5): a real AWS-protocol peer for CloudWatch, Route 53, S3, SSM, ELBv2 and more, on one
 * port. Not on npm: a user's machine may not have it. Tests that need it skip with a printed reason, except under
 * `CI=true`, where a missing peer fails the run (CI must not pass by skipping).
 */

const onPath = (name: string): boolean =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

export const motoAvailable = onPath('moto_server');

/**
 * Why tests needing a peer are skipped (undefined when it is there): prints `reason`, except under CI=true, where
 * skipping is not allowed and it throws.
 */
export const peerSkipReason = (available: boolean, reason: string): string | undefined => {
  if (available) return undefined;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires it`);
  console.warn(`skipped: ${reason}`);
  return reason;
};

/** Why moto tests are skipped (undefined when they run); throws under CI=true, where skipping is not allowed. */
export const motoSkipReason = (): string | undefined =>
  peerSkipReason(motoAvailable, 'moto_server is not on PATH (pip install "moto[server]" to run these tests)');

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: give it to a client as `endpoint`, or as AWS_ENDPOINT_URL(_<SERVICE>). */
  endpoint: string;
  /** Clears every service's state (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a moto_server on a free loopback port and waits until it answers. */
export const startMoto = async (timeoutMs = 30_000): Promise<MotoServer> => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
};

/** Dummy credentials and region for SDK clients pointed at moto. */
export const motoClientConfig = (moto: MotoServer, region = 'us-east-1') => ({
  region,
  endpoint: moto.endpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

/**
 * Runs the real binary in `cwd` with every SDK client pointed at `moto` (AWS_ENDPOINT_URL, dummy credentials, no
 * instance metadata), as an operator's shell would: the wire calls are the ones a real account would see.
 */
export const binOnMoto = (moto: MotoServer, cwd: string, args: string[]) =>
  runBin(args, {
    cwd,
    env: {
      HOME: cwd,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL: moto.endpoint,
    },
  });
