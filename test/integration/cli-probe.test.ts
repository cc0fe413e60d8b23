import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsServer } from '../../local/dns-server.js';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import { cliIn } from '../helpers/cli.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
const target = async (...args: Parameters<typeof startReceiver>) => {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
};
const cli = cliIn();
const dir = () => mkdtempSync(join(tmpdir(), 'r53f-cli-probe-'));

describe('r53-failover probe', () => {
  it('--url lists every assertion with pass/fail and exits 0 when all pass', async () => {
    const t = await target(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"status":"ok","db":"up"}',
    }));
    const res = await cli(
      dir(),
      'probe',
      '--url',
      `${t.url}/healthz`,
      '--expect-status',
      '200',
      '--expect-body',
      '"db":"up"',
      '--max-latency',
      '5000',
      '--allow-private',
    );
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^✔ url http:\/\/127\.0\.0\.1:\d+\/healthz {2}200 in [\d.]+ ms \(127\.0\.0\.1\)/m);
    expect(res.out).toContain('✔ status: expected 200, got 200');
    expect(res.out).toContain('✔ bodyContains: expected contains "\\"db\\":\\"up\\"", got found');
  });

  it('--url exits 1 naming the failing assertion (200 but the database is down)', async () => {
    const t = await target(() => ({ status: 200, body: '{"status":"ok","db":"down"}' }));
    const res = await cli(
      dir(),
      'probe',
      '--url',
      `${t.url}/healthz`,
      '--expect-body',
      '"db":"up"',
      '--allow-private',
      '--json',
    );
    expect(res.code).toBe(1);
    const json = JSON.parse(res.out) as {
      ok: boolean;
      results: { ok: boolean; assertions: { name: string; ok: boolean }[]; bodySnippet?: string }[];
    };
    expect(json.ok).toBe(false);
    expect(json.results[0]?.assertions.filter((a) => !a.ok).map((a) => a.name)).toEqual(['bodyContains']);
    expect(json.results[0]?.bodySnippet).toContain('"db":"down"');
  });

  it('refuses loopback without --allow-private and the metadata address even with it', async () => {
    const t = await target(() => ({ status: 200 }));
    const local = await cli(dir(), 'probe', '--url', `${t.url}/`);
    expect(local.code).toBe(1);
    expect(local.out).toContain('refused: loopback address 127.0.0.1');
    expect(t.requests).toHaveLength(0);
    const meta = await cli(dir(), 'probe', '--url', 'http://169.254.169.254/latest/meta-data/', '--allow-private');
    expect(meta.code).toBe(1);
    expect(meta.out).toContain('refused: link-local address 169.254.169.254 (instance metadata)');
  });

  it('runs the configured probes of every member, with the DNS probe saying where the record points', async () => {
    const use1 = await target(() => ({ status: 200, body: 'ok' }));
    const usw2 = await target(() => ({ status: 503, body: 'maintenance' }));
    const dns = await startDnsServer('example.com');
    try {
      dns.setRecords('api.example.com', 'A', ['192.0.2.10']);
      const cwd = dir();
      writeFileSync(
        join(cwd, 'failover.yml'),
        `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.example.com.
    primary: { region: us-east-1, healthCheckId: 4dd370d3-b015-4e3f-a866-db054eabfffb, endpoint: "${use1.url}/healthz", dnsAnswers: [192.0.2.10] }
    secondary:
      region: us-west-2
      healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4
      dnsAnswers: [198.51.100.20]
      probes:
        - { type: http, name: healthz, url: "${usw2.url}/healthz", expectStatus: ["2xx"], maxLatencyMs: 5000 }
        - { type: tcp, host: 127.0.0.1, port: ${Number(new URL(usw2.url).port)} }
probes:
  allowPrivateTargets: true
  dnsResolvers: ["127.0.0.1:${dns.port}"]
`,
      );
      const res = await cli(cwd, 'probe', '--json');
      expect(res.code).toBe(1);
      const rows = (
        JSON.parse(res.out) as {
          results: { group: string; member?: string; probe: string; ok: boolean; pointsTo?: string }[];
        }
      ).results;
      expect(rows.map((r) => [r.member ?? 'dns', r.probe, r.ok])).toEqual([
        ['primary', 'http', true],
        ['secondary', 'healthz', false],
        ['secondary', `tcp-${new URL(usw2.url).port}`, true],
        ['dns', 'dns', true],
      ]);
      expect(rows[3]?.pointsTo).toBe('primary');
    } finally {
      await dns.close();
    }
  });

  it.each([
    [['probe', '--url', 'http://x', '--expect-status', 'abc'], '--expect-status'],
    [['probe', '--url', 'http://x', '--max-latency', '-5'], '--max-latency'],
    [['probe', '--url', 'http://x', '--header', 'nocolon'], '--header'],
  ])('exits 2 on %j', async (argv, flag) => {
    const res = await cli(dir(), ...argv);
    expect(res.code).toBe(2);
    expect(res.err).toContain(flag);
  });
});
