import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedHealthCheck } from '../../local/drill/health-checker.js';
import { ROUTE53_HTTP_LIMITS } from '../../local/drill/regional-app.js';

/**
 * The drill's Route 53 health checker against real HTTP peers on 127.0.0.1: Route 53's timeouts (a TCP connection
 * within 4 s, a status within 2 s of connecting) and HTTP_STR_MATCH searching only the body's first 5,120 bytes.
 * Each target is checked by one checker location with a failure threshold of 1, so one request decides its status.
 */

const START = Date.parse('2025-06-12T14:00:00.000Z');
const SEARCH = '"db":"up"';

/** One request to `url` by one checker; its verdict and what it saw. */
const checkOnce = async (url: string, searchString?: string) => {
  const check = new SimulatedHealthCheck(
    { url, requestIntervalSeconds: 30, failureThreshold: 1, ...(searchString !== undefined ? { searchString } : {}) },
    START,
    ['us-east-1'],
  );
  const p = await check.advance(START - 1, START);
  return { healthy: p.healthy, lastResult: p.lastResult };
};

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/**
 * A listener that never completes a handshake in time: its accept queue (backlog 1) is full and its thread is blocked,
 * so Linux drops further SYNs and a client's connect waits for SYN retransmissions (1 s, 3 s, 7 s…).
 */
const startUnacceptingListener = async () => {
  const unblock = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const net = require('node:net');
     const { parentPort, workerData } = require('node:worker_threads');
     const server = net.createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       setImmediate(() => Atomics.wait(workerData, 0, 0, 30000));
     });`,
    { eval: true, workerData: unblock },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  // Two connections fill the queue (backlog 1 admits two); nobody accepts them.
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const s = connect(port, '127.0.0.1');
    fillers.push(s);
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  }
  return {
    url: `http://127.0.0.1:${port}/healthz`,
    close: async () => {
      Atomics.store(unblock, 0, 1);
      Atomics.notify(unblock, 0);
      for (const s of fillers) s.destroy();
      await worker.terminate();
    },
  };
};

const servers: Server[] = [];
const urls = { prompt: '', silent: '', late: '', early: '' };
let unaccepting: Awaited<ReturnType<typeof startUnacceptingListener>>;

beforeAll(async () => {
  const padding = (n: number) => 'x'.repeat(n);
  const routes: Record<string, string> = {
    // The string ends exactly at byte 5,120: Route 53 finds it.
    '/early': `${padding(ROUTE53_HTTP_LIMITS.searchBytes - SEARCH.length)}${SEARCH}`,
    // The string starts one byte later, ending at byte 5,121: Route 53 never sees it.
    '/late': `${padding(ROUTE53_HTTP_LIMITS.searchBytes - SEARCH.length + 1)}${SEARCH}`,
    '/prompt': `{"status":"ok",${SEARCH}}`,
  };
  const answering = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(routes[req.url ?? ''] ?? '');
  });
  // Accepts the connection and reads the request, but never sends a byte back.
  const silent = createServer(() => {});
  servers.push(answering, silent);
  const base = await listen(answering);
  Object.assign(urls, {
    prompt: `${base}/prompt`,
    early: `${base}/early`,
    late: `${base}/late`,
    silent: `${await listen(silent)}/healthz`,
  });
  unaccepting = await startUnacceptingListener();
});

afterAll(async () => {
  await unaccepting?.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe("the drill's Route 53 health checker", () => {
  it('counts a prompt 200 as healthy (the control for the failures below)', async () => {
    expect(await checkOnce(urls.prompt)).toEqual({ healthy: true, lastResult: '200' });
  });

  it('counts a target that does not complete the TCP connection within 4 s as a failure', async () => {
    expect(await checkOnce(unaccepting.url)).toEqual({
      healthy: false,
      lastResult: 'no TCP connection within 4 s',
    });
  });

  it('counts a target that connects but sends no status within 2 s of connecting as a failure', async () => {
    expect(await checkOnce(urls.silent)).toEqual({
      healthy: false,
      lastResult: 'no answer within 2 s of connecting',
    });
  });

  it('HTTP_STR_MATCH: finds the string when it ends at byte 5,120', async () => {
    expect(await checkOnce(urls.early, SEARCH)).toEqual({ healthy: true, lastResult: '200' });
  });

  it('HTTP_STR_MATCH: does not find the string when it ends after byte 5,120, so the 200 is a failure', async () => {
    expect(await checkOnce(urls.late, SEARCH)).toEqual({
      healthy: false,
      lastResult: '200 without "\\"db\\":\\"up\\"" in the first 5,120 bytes',
    });
  });

  it('without a search string the body does not matter', async () => {
    expect(await checkOnce(urls.late)).toEqual({ healthy: true, lastResult: '200' });
  });
});
