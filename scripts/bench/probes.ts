// Probe engine vs Prometheus blackbox_exporter against the same local target, and simulated detection time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHttpProbe } from '../../shared/probe/http-probe.js';
import { evaluateQuorum, nextVerdict } from '../../shared/probe/quorum.js';
import { mapLimit } from '../../shared/probe/runner.js';
import type { Quorum, RegionVerdict } from '../../shared/core/probe-verdicts.js';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
};
const f = (n: number, d = 2) => n.toFixed(d);

/** The probe target in its own process, so neither prober shares a thread with it. */
const startTarget = async (): Promise<{ url: string; stop: () => void }> => {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s=require('http').createServer((q,r)=>{r.writeHead(200,{'content-type':'application/json'});r.end('{\"status\":\"ok\",\"db\":\"up\"}')});s.keepAliveTimeout=0;s.listen(0,'127.0.0.1',()=>console.log(s.address().port))",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((res) => child.stdout?.once('data', (b: Buffer) => res(b.toString().trim())));
  return { url: `http://127.0.0.1:${port}/healthz`, stop: () => child.kill() };
};

const blackboxBinary = (): string | undefined => {
  for (const bin of ['prometheus-blackbox-exporter', 'blackbox_exporter']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0) return bin;
  }
  return undefined;
};

const startBlackbox = async (bin: string): Promise<{ base: string; child: ChildProcess }> => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-blackbox-'));
  const cfg = join(dir, 'blackbox.yml');
  writeFileSync(
    cfg,
    'modules:\n  http_2xx:\n    prober: http\n    timeout: 2s\n    http:\n      preferred_ip_protocol: ip4\n      valid_status_codes: []\n      fail_if_body_not_matches_regexp: ["\\"db\\":\\"up\\""]\n',
  );
  const port = 19115 + Math.floor(Math.random() * 500);
  const child = spawn(bin, [`--config.file=${cfg}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/-/healthy`)).ok) return { base, child };
    } catch {
      // not listening yet: the exporter takes a moment to start
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('blackbox_exporter did not start');
};

/** Side by side, same target, same concurrency: per-probe latency as each engine reports it, and probes/s. */
export const probeEngineVsBlackbox = async (): Promise<void> => {
  const N = Number(process.env.BENCH_PROBE_N ?? 1000);
  const C = 8;
  console.log(
    `\n## Probe engine vs Prometheus blackbox_exporter (same local target in its own process, ${N} probes, concurrency ${C})`,
  );
  const target = await startTarget();
  const spec = {
    name: 'bench',
    url: target.url,
    method: 'GET',
    headers: {},
    expectStatus: [[200, 299] as [number, number]],
    bodyContains: '"db":"up"',
    timeoutMs: 2000,
    certExpiryWarningDays: 14,
    followRedirects: false,
    maxRedirects: 5,
    allowPrivateTargets: true,
  };
  const ours = async (c: number, n: number) => {
    const t0 = performance.now();
    const lat = await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      c,
      async () => {
        const r = await runHttpProbe(spec);
        if (!r.ok) throw new Error(`probe failed: ${r.error ?? JSON.stringify(r.assertions)}`);
        return r.latencyMs;
      },
    );
    return { lat, rate: n / ((performance.now() - t0) / 1000) };
  };
  const bin = blackboxBinary();
  const bb = bin ? await startBlackbox(bin) : undefined;
  const theirs = async (c: number, n: number) => {
    if (!bb) throw new Error('unreachable');
    const t0 = performance.now();
    const lat = await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      c,
      async () => {
        const text = await (
          await fetch(`${bb.base}/probe?module=http_2xx&target=${encodeURIComponent(target.url)}`)
        ).text();
        if (!/^probe_success 1$/m.test(text)) throw new Error('blackbox probe failed');
        // Its own measurement of the probe (DNS, connect, request, body), comparable to the engine's latencyMs.
        return Number(/^probe_duration_seconds ([\d.e+-]+)$/m.exec(text)?.[1]) * 1000;
      },
    );
    return { lat, rate: n / ((performance.now() - t0) / 1000) };
  };
  for (const [c, n] of [
    [C, N],
    [1, Math.ceil(N / 3)],
  ] as const) {
    await ours(c, 50); // warm-up
    const mine = await ours(c, n);
    console.log(
      `concurrency ${c}: r53-failover engine   p50 ${f(pct(mine.lat, 50))} ms, p99 ${f(pct(mine.lat, 99))} ms, ${f(mine.rate, 0)} probes/s`,
    );
    if (!bb) {
      console.log(
        `concurrency ${c}: blackbox_exporter     peer not installed (apt-get install prometheus-blackbox-exporter): no ratio`,
      );
      continue;
    }
    await theirs(c, 50);
    const other = await theirs(c, n);
    const r50 = pct(mine.lat, 50) / pct(other.lat, 50);
    console.log(
      `concurrency ${c}: blackbox_exporter     p50 ${f(pct(other.lat, 50))} ms, p99 ${f(pct(other.lat, 99))} ms, ${f(other.rate, 0)} probes/s (incl. its scrape HTTP)`,
    );
    console.log(
      `concurrency ${c}: engine/blackbox       p50 latency ${f(r50)} x [goal <= 1.2: ${r50 <= 1.2 ? 'ok' : 'MISSES GOAL'}], p99 ${f(pct(mine.lat, 99) / pct(other.lat, 99))} x, throughput ${f(mine.rate / other.rate)} x`,
    );
  }
  bb?.child.kill();
  target.stop();
};

/**
 * Detection time, simulated with the real quorum code: 3 probe regions at a 10 s interval with random phases,
 * 3 consecutive failures in 2 regions; against Route 53's defaults (30 s checks, failure threshold 3, then the
 * 1-minute HealthCheckStatus alarm, which evaluates when the minute the check turned unhealthy has closed).
 */
export const detectionTime = (): void => {
  const RUNS = 2000;
  const interval = 10;
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const probes: number[] = [];
  const r53: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const breakAt = 1000 + rand() * 60;
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1'].map((region) => ({ region, phase: rand() * interval }));
    const verdicts = new Map<string, RegionVerdict>();
    let quorum: Quorum = 'UP';
    const ticks = regions
      .flatMap((r) => Array.from({ length: 40 }, (_, k) => ({ region: r.region, t: 900 + r.phase + k * interval })))
      .sort((a, b) => a.t - b.t);
    for (const tick of ticks) {
      const v = nextVerdict(
        verdicts.get(tick.region),
        tick.region,
        tick.t < breakAt,
        new Date(tick.t * 1000).toISOString(),
      );
      verdicts.set(tick.region, v);
      quorum = evaluateQuorum(
        [...verdicts.values()],
        { regions: regions.map((r) => r.region), required: 2, consecutive: 3, staleAfterMs: 90_000 },
        tick.t * 1000,
        quorum,
      ).quorum;
      if (quorum === 'DOWN') {
        probes.push(tick.t - breakAt);
        break;
      }
    }
    const checkPhase = rand() * 30;
    const firstFail = breakAt + ((checkPhase - (breakAt % 30) + 30) % 30);
    const unhealthyAt = firstFail + 2 * 30; // the 3rd consecutive failed check
    const alarmAt = Math.ceil(unhealthyAt / 60) * 60; // the minute holding a 0 closes; the alarm evaluates then
    r53.push(alarmAt - breakAt);
  }
  console.log('\n## Detection time: target breaks → event (simulated, 2,000 random break times and phases)');
  console.log(
    `probes 10 s x 3, 2 of 3 regions    p50 ${f(pct(probes, 50), 1)} s, p99 ${f(pct(probes, 99), 1)} s, max ${f(Math.max(...probes), 1)} s [goal <= 40 s: ${pct(probes, 99) <= 40 ? 'ok' : 'MISSES GOAL'}]`,
  );
  console.log(
    `Route 53 30 s x 3 + 1-min alarm    p50 ${f(pct(r53, 50), 1)} s, p99 ${f(pct(r53, 99), 1)} s  (probes detect ${f(pct(r53, 50) / pct(probes, 50), 1)} x sooner at p50)`,
  );
};
