import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runHttpProbe } from '../../shared/probe/http-probe.js';
import type { HttpProbeSpec } from '../../shared/probe/types.js';
import { HANG, refusedUrl, startReceiver, type Receiver, type Responder } from '../helpers/http-receiver.js';
import { answering } from '../helpers/resolver.js';
import {
  expiredDaysAgo,
  makeCa,
  makeServerCert,
  startTlsServer,
  validFor,
  type Pem,
  type TlsTarget,
} from '../helpers/tls-certs.js';

const spec = (over: Partial<HttpProbeSpec> & { url: string }): HttpProbeSpec => ({
  name: 'api-health',
  method: 'GET',
  headers: {},
  expectStatus: [[200, 299]],
  timeoutMs: 2000,
  followRedirects: false,
  maxRedirects: 5,
  allowPrivateTargets: true,
  ...over,
});

const receivers: Receiver[] = [];
const receiver = async (responder: Responder): Promise<Receiver> => {
  const rx = await startReceiver(responder);
  receivers.push(rx);
  return rx;
};
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((rx) => rx.close()));
});

const HEALTHY = JSON.stringify({ status: 'ok', checks: [{ name: 'db', state: 'up' }] });

describe('runHttpProbe against a plain HTTP target', () => {
  it('passes every assertion on a healthy answer', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: HEALTHY }));
    // Act
    const result = await runHttpProbe(
      spec({
        url: `${rx.url}/healthz?deep=1`,
        method: 'POST',
        headers: { 'x-probe': 'r53' },
        body: '{"ping":true}',
        bodyContains: '"ok"',
        bodyMatches: '"state":\\s*"up"',
        jsonPath: { path: '$.checks[0].state', equals: 'up' },
        maxLatencyMs: 60_000,
      }),
    );
    // Assert
    expect(result).toMatchObject({ ok: true, type: 'http', status: 200, address: '127.0.0.1', warnings: [] });
    expect(result.assertions.map((a) => [a.name, a.ok])).toEqual([
      ['status', true],
      ['bodyContains', true],
      ['bodyMatches', true],
      ['jsonPath', true],
      ['maxLatency', true],
    ]);
    expect(result.bodySnippet).toBeUndefined();
    expect(result.error).toBeUndefined();
    expect(rx.requests[0]).toMatchObject({
      method: 'POST',
      path: '/healthz?deep=1',
      body: '{"ping":true}',
      headers: { 'x-probe': 'r53' },
    });
  });

  it('fails on a status outside the expected set and keeps a body snippet', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 503, body: 'maintenance'.repeat(100) }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, expectStatus: [200, [204, 206]] }));
    // Assert
    expect(result).toMatchObject({ ok: false, status: 503 });
    expect(result.assertions).toEqual([{ name: 'status', ok: false, expected: '200, 204-206', actual: '503' }]);
    expect(result.bodySnippet).toHaveLength(512);
  });

  it('fails when the body lacks the expected text', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200, body: 'degraded' }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, bodyContains: 'healthy' }));
    // Assert
    expect(result.ok).toBe(false);
    expect(result.assertions[1]).toEqual({
      name: 'bodyContains',
      ok: false,
      expected: 'contains "healthy"',
      actual: 'not found',
    });
    expect(result.bodySnippet).toBe('degraded');
  });

  it.each([
    ['version: \\d+\\.\\d+', true],
    ['^ready$', false],
  ])('checks the body against /%s/', async (pattern, ok) => {
    // Arrange
    const rx = await receiver(() => ({ status: 200, body: 'version: 4.2 ready' }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, bodyMatches: pattern }));
    // Assert
    expect(result.ok).toBe(ok);
    expect(result.assertions.find((a) => a.name === 'bodyMatches')?.ok).toBe(ok);
  });

  it('fails the JSON path assertion when the body is not JSON', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200, body: '{"status": "ok",' }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, jsonPath: { path: '$.status', equals: 'ok' } }));
    // Assert
    expect(result.ok).toBe(false);
    expect(result.assertions[1]).toEqual({
      name: 'jsonPath',
      ok: false,
      expected: '$.status == "ok"',
      actual: 'body is not JSON',
    });
  });

  it('fails on a JSON path mismatch, naming the value found', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200, body: HEALTHY }));
    // Act
    const result = await runHttpProbe(
      spec({ url: rx.url, jsonPath: { path: "$['checks'][0].state", equals: 'down' } }),
    );
    // Assert
    expect(result.assertions[1]).toEqual({
      name: 'jsonPath',
      ok: false,
      expected: `$['checks'][0].state == "down"`,
      actual: `$['checks'][0].state == "up"`,
    });
  });

  it('passes on a JSON path match of a structured value', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200, body: HEALTHY }));
    // Act
    const result = await runHttpProbe(
      spec({ url: rx.url, jsonPath: { path: '$.checks[0]', equals: { name: 'db', state: 'up' } } }),
    );
    // Assert
    expect(result.ok).toBe(true);
  });

  it('fails the latency assertion when the answer comes after maxLatencyMs but within the timeout', async () => {
    // Arrange: the answer is held 150 ms, so the latency is at least that.
    const rx = await receiver(
      () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, body: 'ok' }), 150)),
    );
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, maxLatencyMs: 50 }));
    // Assert
    expect(result.ok).toBe(false);
    expect(result.error).toBeUndefined();
    expect(result.assertions.find((a) => a.name === 'maxLatency')).toMatchObject({ ok: false, expected: '<= 50 ms' });
  });

  it('reports latency from the injected clock', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200 }));
    const ticks = [1_000, 1_250];
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, maxLatencyMs: 200 }), { now: () => ticks.shift() ?? 1_250 });
    // Assert
    expect(result).toMatchObject({ latencyMs: 250, startedAt: '1970-01-01T00:00:01.000Z', ok: false });
  });

  it('times out when the server never answers', async () => {
    // Arrange
    const rx = await receiver(() => HANG);
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, timeoutMs: 300 }));
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'timed out after 300 ms', assertions: [] });
  });

  it('classifies a dropped connection as connection reset', async () => {
    // Arrange
    const server: Server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Act
    const result = await runHttpProbe(spec({ url: `http://127.0.0.1:${port}/` }));
    await new Promise((resolve) => server.close(resolve));
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'connection reset' });
  });

  it('classifies a closed port as connection refused', async () => {
    // Act
    const result = await runHttpProbe(spec({ url: await refusedUrl('/healthz') }));
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'connection refused', address: '127.0.0.1' });
  });

  it('reads at most 1 MiB of a 3 MiB body and says so', async () => {
    // Arrange: the marker sits past the cap.
    const rx = await receiver(() => ({
      status: 200,
      body: `${'a'.repeat(2 * 1024 * 1024)}END-MARKER${'b'.repeat(1024 * 1024)}`,
    }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, bodyContains: 'END-MARKER' }));
    // Assert
    expect(result.status).toBe(200);
    expect(result.warnings).toEqual(['body truncated: read the first 1048576 bytes']);
    expect(result.assertions[1]).toMatchObject({ name: 'bodyContains', ok: false });
  });
});

describe('runHttpProbe target guard', () => {
  it('refuses loopback without allowPrivateTargets and sends nothing', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200 }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, allowPrivateTargets: false }));
    // Assert
    expect(result.error).toMatch(/^refused: loopback address 127\.0\.0\.1 /);
    expect(rx.requests).toEqual([]);
  });

  it.each(['file:///etc/passwd', 'http://admin:pw@127.0.0.1/'])('refuses %s', async (url) => {
    // Act
    const result = await runHttpProbe(spec({ url }));
    // Assert
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^refused: (scheme|URL carries credentials)/),
    });
  });

  it('refuses the Lambda runtime API even with allowPrivateTargets', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200 }));
    const port = new URL(rx.url).port;
    // Act
    const result = await runHttpProbe(spec({ url: `${rx.url}/2018-06-01/runtime/invocation/next` }), {
      runtimeApi: `127.0.0.1:${port}`,
    });
    // Assert
    expect(result.error).toBe(`refused: Lambda runtime API 127.0.0.1:${port}`);
    expect(rx.requests).toEqual([]);
  });

  it('refuses a host whose answer mixes a public and a loopback address', async () => {
    // Arrange
    const rx = await receiver(() => ({ status: 200 }));
    const port = new URL(rx.url).port;
    // Act
    const result = await runHttpProbe(spec({ url: `http://rebind.test:${port}/`, allowPrivateTargets: false }), {
      resolve: answering(['93.184.215.14', '127.0.0.1']),
    });
    // Assert
    expect(result.error).toMatch(/^refused: loopback address 127\.0\.0\.1 .*one of 2 addresses/);
    expect(rx.requests).toEqual([]);
  });

  it('connects to the checked address when DNS rebinds after the check', async () => {
    // Arrange: the name resolves to 127.0.0.1 first and 127.0.0.2 next; both listen on one port.
    const checked = await receiver(() => ({ status: 200, body: 'checked' }));
    const port = Number(new URL(checked.url).port);
    const rebound = createServer((_req, res) => res.end('rebound'));
    await new Promise<void>((resolve) => rebound.listen(port, '127.0.0.2', resolve));
    const resolve = answering(['127.0.0.1'], ['127.0.0.2']);
    // Act
    const result = await runHttpProbe(spec({ url: `http://rebind.test:${port}/`, bodyContains: 'checked' }), {
      resolve,
    });
    rebound.closeAllConnections();
    await new Promise((done) => rebound.close(done));
    // Assert
    expect(result).toMatchObject({ ok: true, address: '127.0.0.1' });
    expect(resolve.calls).toEqual(['rebind.test']);
    expect(checked.requests[0]?.headers.host).toBe(`rebind.test:${port}`);
  });

  it('does not follow a redirect by default: the 3xx is the status asserted on', async () => {
    // Arrange
    const rx = await receiver(() => ({
      status: 302,
      headers: { location: 'http://169.254.169.254/latest/meta-data/' },
    }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, expectStatus: [302] }));
    // Assert
    expect(result).toMatchObject({ ok: true, status: 302 });
    expect(result.error).toBeUndefined();
  });

  it('refuses a followed redirect to the metadata address', async () => {
    // Arrange
    const rx = await receiver(() => ({
      status: 302,
      headers: { location: 'http://169.254.169.254/latest/meta-data/' },
    }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, followRedirects: true }));
    // Assert
    expect(result).toMatchObject({
      ok: false,
      status: 302,
      error: 'refused: link-local address 169.254.169.254 (instance metadata)',
    });
  });

  it('follows redirects within maxRedirects and drops credentials on a change of origin', async () => {
    // Arrange
    const other = await receiver(() => ({ status: 200, body: 'landed' }));
    const rx = await receiver((req) =>
      req.path === '/a'
        ? { status: 307, headers: { location: '/b' } }
        : { status: 301, headers: { location: `${other.url}/c` } },
    );
    // Act
    const result = await runHttpProbe(
      spec({
        url: `${rx.url}/a`,
        followRedirects: true,
        headers: { authorization: 'Bearer t0k3n' },
        bodyContains: 'landed',
      }),
    );
    // Assert
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(rx.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/a', 'Bearer t0k3n'],
      ['/b', 'Bearer t0k3n'],
    ]);
    expect(other.requests[0]).toMatchObject({ path: '/c' });
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('stops after maxRedirects', async () => {
    // Arrange
    const rx = await receiver((_req, i) => ({ status: 302, headers: { location: `/hop-${i + 1}` } }));
    // Act
    const result = await runHttpProbe(spec({ url: rx.url, followRedirects: true, maxRedirects: 2 }));
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'too many redirects (more than 2)' });
    expect(rx.requests).toHaveLength(3);
  });
});

describe('runHttpProbe against HTTPS targets', () => {
  const HOST = 'probe.test';
  const toLoopback = () => answering(['127.0.0.1']);
  let ca: Pem;
  let servers: Record<'selfSigned' | 'expired' | 'valid', TlsTarget>;

  beforeAll(async () => {
    ca = await makeCa();
    servers = {
      selfSigned: await startTlsServer(await makeServerCert(HOST, validFor(90))),
      expired: await startTlsServer(await makeServerCert(HOST, expiredDaysAgo(3), ca)),
      valid: await startTlsServer(await makeServerCert(HOST, validFor(10), ca)),
    };
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  it('fails on a self-signed certificate, classified', async () => {
    // Act
    const result = await runHttpProbe(spec({ url: `https://${HOST}:${servers.selfSigned.port}/` }), {
      resolve: toLoopback(),
      ca: ca.cert,
    });
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'TLS: self-signed certificate' });
  });

  it('fails on an expired certificate from a trusted CA', async () => {
    // Act
    const result = await runHttpProbe(spec({ url: `https://${HOST}:${servers.expired.port}/` }), {
      resolve: toLoopback(),
      ca: ca.cert,
    });
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'TLS: certificate has expired' });
  });

  it('fails when the certificate names another host', async () => {
    // Act
    const result = await runHttpProbe(spec({ url: `https://other.test:${servers.valid.port}/` }), {
      resolve: toLoopback(),
      ca: ca.cert,
    });
    // Assert
    expect(result).toMatchObject({ ok: false, error: 'TLS: certificate does not match the host name' });
  });

  it('passes on a valid chain and warns, without failing, when expiry is near', async () => {
    // Act
    const result = await runHttpProbe(
      spec({ url: `https://${HOST}:${servers.valid.port}/`, certExpiryWarningDays: 30 }),
      { resolve: toLoopback(), ca: ca.cert },
    );
    // Assert
    expect(result).toMatchObject({ ok: true, status: 200, tls: { subject: HOST, issuer: 'r53-failover test CA' } });
    expect(result.tls?.daysLeft).toBeLessThan(30);
    expect(result.warnings).toEqual([expect.stringMatching(/^TLS certificate expires in \d+ days/)]);
  });

  it('does not warn when expiry is further away than certExpiryWarningDays', async () => {
    // Act
    const result = await runHttpProbe(
      spec({ url: `https://${HOST}:${servers.valid.port}/`, certExpiryWarningDays: 5 }),
      { resolve: toLoopback(), ca: ca.cert },
    );
    // Assert
    expect(result).toMatchObject({ ok: true, warnings: [] });
  });
});
