import { createServer as createNetServer } from 'node:net';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/main.js';
import { cliIn, runBin } from '../helpers/cli.js';
import { startLocalDynamo } from '../helpers/ledger.js';

// docs/failure-modes.md ("DynamoDB unreachable from the CLI"): any command against an unreachable table or endpoint
// prints one line `r53-failover <cmd>: <what> failed: <cause>` and exits 1, never a stack trace; R53F_DEBUG=1 adds it.

const bin = (args: string[], env: Record<string, string>) =>
  runBin(args, {
    cwd: mkdtempSync(join(tmpdir(), 'r53f-unreachable-')),
    env: { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', ...env },
  });

/** A port nothing listens on: bound, then released. */
const deadEndpoint = async () => {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
};

const STACK_LINE = /^\s+at /m;

describe('the CLI against an unreachable ledger', () => {
  let dead = '';
  beforeAll(async () => {
    dead = await deadEndpoint();
  });

  it.each([
    ['history'],
    ['status', '--json'],
    ['stats'],
    ['report'],
    ['export'],
    ['verify'],
    ['digest'],
    ['promote', 'list'],
    ['notify', '--status'],
  ])('%s --table at a dead endpoint: one line naming what failed and why, exit 1', async (...args) => {
    const res = await bin([...args, '--table', 'ledger'], { AWS_ENDPOINT_URL_DYNAMODB: dead });
    expect(res.code).toBe(1);
    expect(res.err).not.toMatch(STACK_LINE);
    expect(res.err.trim().split('\n')).toEqual([
      `r53-failover ${args[0]}: opening table ledger at ${dead} failed: connect ECONNREFUSED ${dead.slice(7)}`,
    ]);
  });

  it('R53F_DEBUG=1 adds the stack trace', async () => {
    const res = await bin(['history', '--table', 'ledger'], { AWS_ENDPOINT_URL_DYNAMODB: dead, R53F_DEBUG: '1' });
    expect(res.code).toBe(1);
    expect(res.err).toContain(`r53-failover history: opening table ledger at ${dead} failed`);
    expect(res.err).toMatch(STACK_LINE);
  });
});

describe('the CLI when the ledger goes away after it was opened', () => {
  // A proxy in front of dynalite that lets the table be opened (DescribeTable, CreateTable) and then drops every
  // connection: the failure surfaces in the middle of the command, from the SDK, not from our opening check.
  let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
  let proxy: ReturnType<typeof createServer>;
  let endpoint = '';
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    proxy = createServer((req, res) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!/DescribeTable|CreateTable/.test(target)) {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const up = request(`${dynamo.endpoint}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => proxy.close(() => r()));
    await dynamo.stop();
  });

  it.each([['history'], ['status']])('%s: one line, what failed and the cause, exit 1, no trace', async (cmd) => {
    const res = await bin([cmd, '--table', 'ledger'], { AWS_ENDPOINT_URL_DYNAMODB: endpoint });
    expect(res.code).toBe(1);
    expect(res.err).not.toMatch(STACK_LINE);
    const lines = res.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^r53-failover ${cmd}: [^:]+ failed: .*(socket hang up|ECONNRESET)`));
  });
});

describe('an error the command did not word itself', () => {
  // Whatever escapes a command (an SDK error from a call no store wraps, a bug) still ends as one line and exit 1.
  const boom = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND dynamodb.us-east-1.amazonaws.com'), { code: 'ENOTFOUND' });
  };
  const withCommand = async (env: Record<string, string>) => {
    const saved = COMMANDS.history;
    COMMANDS.history = async () => boom;
    try {
      return await cliIn({ env })(tmpdir(), 'history');
    } finally {
      if (saved) COMMANDS.history = saved;
    }
  };

  it('prints `<cmd>: <cmd> failed: <cause>` and the way to the trace, exit 1', async () => {
    const res = await withCommand({});
    expect(res.code).toBe(1);
    expect(res.err).toBe(
      'r53-failover history: history failed: getaddrinfo ENOTFOUND dynamodb.us-east-1.amazonaws.com (R53F_DEBUG=1 shows the trace)',
    );
  });

  it('with R53F_DEBUG=1, the stack trace follows the line', async () => {
    const res = await withCommand({ R53F_DEBUG: '1' });
    expect(res.code).toBe(1);
    expect(res.err.split('\n')[0]).toBe(
      'r53-failover history: history failed: getaddrinfo ENOTFOUND dynamodb.us-east-1.amazonaws.com',
    );
    expect(res.err).toMatch(STACK_LINE);
  });
});
