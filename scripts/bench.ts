// npm run bench: bundle sizes, cold require times, recorder and CLI ingest throughput against dynalite, with ratios to
// baselines measured in the same run. Prints figures; asserts nothing (targets are shown next to each figure).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { lambdaBuildOptions } from './lambda-build.mjs';
import { makeDocumentClient } from '../shared/support/clients.js';
import { parseConfig, type FailoverConfig } from '../shared/config/schema.js';
import { sealConfig } from '../shared/config/deployed.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { ensureLedgerTable, localClient } from '../local/embedded-ledger.js';
import { ALL_GROUPS_PK, groupPk, seqSk } from '../shared/ledger/schema.js';
import { silentLog } from '../shared/support/logger.js';
import { startReceiver } from '../local/receiver.js';
import { auditBench } from './bench/audit.js';
import { detectionTime, probeEngineVsBlackbox } from './bench/probes.js';
import { ingestBench } from './bench/ingest.js';
import { scaleBench } from './bench/scale.js';
import { buildChannels } from '../shared/notify/channels/index.js';
import { DynamoDbDeliveryStore } from '../shared/notify/delivery-store.js';
import { notifyGroupEvent, type NotifierDeps } from '../shared/notify/notifier.js';
import { recordEvent } from '../shared/record/recorder.js';
import { eventBridgeEvent } from '../local/sample-events.js';
import { indexHealthChecks, indexTargetGroups } from '../shared/config/lookups.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const fmt = (n: number, d = 1) => n.toFixed(d);
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSES TARGET');

const hc = (i: number, role: number) =>
  `${String(i).padStart(8, '0')}-0000-4000-8000-${String(role).padStart(12, '0')}`;
const benchConfig = (groups: number): FailoverConfig =>
  parseConfig({
    version: 1,
    groups: Object.fromEntries(
      Array.from({ length: groups }, (_, i) => [
        `g${i}`,
        {
          hostedZoneId: 'Z0123456789ABCDEFGHIJ',
          recordName: `g${i}.example.com.`,
          primary: { region: 'us-east-1', healthCheckId: hc(i, 1) },
          secondary: { region: 'us-west-2', healthCheckId: hc(i, 2) },
        },
      ]),
    ),
  });

/**
 * One fresh process timing `require(file)`: the cold-start work the bundle itself adds. `preload` first loads what
 * the Lambda Node.js runtime has already loaded when it requires a handler (its RAPID client requires node:http
 * before UserFunction.load), so the "as Lambda loads it" figure does not charge the bundle for the runtime's modules.
 */
const requireOnce = (file: string, env: NodeJS.ProcessEnv, preload: string[] = []): number => {
  const pre = preload.map((m) => `require(${JSON.stringify(m)});`).join('');
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `${pre}const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
    ],
    { encoding: 'utf8', env },
  );
  if (r.status !== 0) throw new Error(`require ${file} failed: ${r.stderr.slice(0, 500)}`);
  return Number(r.stdout);
};

/** 10 fresh processes each for the bundle and the floor, alternating, so a drift in machine speed hits both alike. */
const coldRequire = (file: string, floor: string, env: NodeJS.ProcessEnv, preload: string[] = []) => {
  const bundle: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < 10; i++) {
    bundle.push(requireOnce(file, env, preload));
    base.push(requireOnce(floor, env, preload));
  }
  return { bundle, base };
};

/** The modules the Lambda Node.js runtime interface client has loaded before it requires the handler. */
const LAMBDA_RUNTIME_PRELOADED = ['node:http'];

const bundles = async () => {
  console.log('## Bundles (target: each <= 300 KB minified, cold require <= 40 ms median of 10 fresh processes)');
  const dir = mkdtempSync(join(tmpdir(), 'r53f-bench-'));
  const configFile = join(dir, 'failover.json');
  // Sealed, as `serverless package` ships it (shared/config/deployed.ts).
  writeFileSync(configFile, JSON.stringify(sealConfig(benchConfig(2))));
  const env = {
    ...process.env,
    LEDGER_TABLE: 'bench-ledger',
    DIGEST_BUCKET: 'bench-digests',
    R53F_CONFIG_FILE: configFile,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // Baseline in the same run: a bundle holding nothing but the DynamoDB document client, built the same way.
  // It is the floor any Lambda that writes to DynamoDB pays on this machine; the ratio is what our code adds.
  const floor = join(dir, 'sdk-floor.cjs');
  await build({
    stdin: {
      contents:
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; export const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));",
      resolveDir: process.cwd(),
      loader: 'js',
    },
    outfile: floor,
    ...lambdaBuildOptions,
  });
  console.log(
    `SDK-only floor: ${fmt(statSync(floor).size / 1024)} KB (DynamoDB document client alone, same build options)`,
  );
  const fns = readdirSync('dist').filter((d) => {
    try {
      return statSync(join('dist', d, 'index.js')).isFile();
    } catch {
      return false;
    }
  });
  const stats = (xs: number[]) =>
    `median ${fmt(median(xs))} ms (min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))})`;
  for (const fn of fns) {
    const file = join(process.cwd(), 'dist', fn, 'index.js');
    const kb = statSync(file).size / 1024;
    const fresh = coldRequire(file, floor, env);
    const lambda = coldRequire(file, floor, env, LAMBDA_RUNTIME_PRELOADED);
    const [med, lmed] = [median(fresh.bundle), median(lambda.bundle)];
    console.log(`${fn.padEnd(20)} ${fmt(kb)} KB [${verdict(kb <= 300)}]`);
    console.log(
      `  cold require, fresh node       ${stats(fresh.bundle)} [${verdict(med <= 40)}]   SDK-only floor ${fmt(median(fresh.base))} ms, ratio ${fmt(med / median(fresh.base), 2)} x`,
    );
    console.log(
      `  cold require, as Lambda does   ${stats(lambda.bundle)} [${verdict(lmed <= 40)}]   SDK-only floor ${fmt(median(lambda.base))} ms, ratio ${fmt(lmed / median(lambda.base), 2)} x   (${LAMBDA_RUNTIME_PRELOADED.join(', ')} loaded first, as the runtime client has)`,
    );
  }
};

/** dynalite in its own process, as a real DynamoDB endpoint would be: client CPU and server CPU do not share a thread. */
const startDynaliteProcess = async (): Promise<{ endpoint: string; stop: () => void }> => {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import d from 'dynalite'; const s=d({createTableMs:0}); s.listen(0,'127.0.0.1',()=>console.log(s.address().port));",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((res, rej) => {
    child.stdout.once('data', (b: Buffer) => res(b.toString().trim()));
    child.once('exit', (c) => rej(new Error(`dynalite exited ${c}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() };
};

const recorderThroughput = async () => {
  const N = Number(process.env.BENCH_N ?? 1000);
  const GROUPS = 10;
  console.log(`\n## Recorder throughput against dynalite (target: >= 0.7 x raw sequential PutItem; N=${N})`);
  const server = await startDynaliteProcess();
  const client = localClient(server.endpoint);
  const doc = makeDocumentClient(client);
  const config = benchConfig(GROUPS);
  const placements = indexHealthChecks(config);
  const targetGroups = indexTargetGroups(config);

  // Events prepared up front: the figure is the recorder (parse, classify, derive, conditional write), not JSON building.
  const events = Array.from({ length: N }, (_, i) => {
    const g = i % GROUPS;
    const k = Math.floor(i / GROUPS);
    const state = k % 2 === 0 ? 'ALARM' : 'OK';
    return eventBridgeEvent({
      alarmName: `r53-failover-bench-g${g}-primary-health`,
      healthCheckId: hc(g, 1),
      state,
      previousState: state === 'ALARM' ? 'OK' : 'ALARM',
      at: new Date(Date.UTC(2025, 0, 1) + k * 60_000).toISOString(),
    });
  });

  const raw = async () => {
    const table = `raw-${randomUUID().slice(0, 8)}`;
    await ensureLedgerTable(client, table);
    // Same table shape, same item size and index attributes as a ledger entry: only the recorder's logic differs.
    const sample = events[0];
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const at = new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: groupPk(`g${i % GROUPS}`),
            sk: seqSk(i),
            gsi1pk: ALL_GROUPS_PK,
            gsi1sk: `${at}#g#${i}`,
            gsi2pk: groupPk(`g${i % GROUPS}`),
            gsi2sk: `${at}#${i}`,
            payload: JSON.stringify(sample).slice(0, 900),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    }
    return N / ((performance.now() - t0) / 1000);
  };
  const recorder = async (concurrency: number) => {
    const table = `rec-${randomUUID().slice(0, 8)}`;
    await ensureLedgerTable(client, table);
    const deps = {
      ledger: new DynamoDbLedgerStore(doc, table),
      placements,
      targetGroups,
      log: silentLog,
      now: () => new Date(),
    };
    const t0 = performance.now();
    // With concurrency, each lane takes whole groups so per-group order (and state) matches the sequential run.
    await Promise.all(
      Array.from({ length: concurrency }, async (_, lane) => {
        for (let i = 0; i < N; i++)
          if ((i % GROUPS) % concurrency === lane) await recordEvent(events[i], deps, `b-${i}`);
      }),
    );
    return N / ((performance.now() - t0) / 1000);
  };

  await raw(); // warm-up: JIT, sockets, dynalite
  await recorder(1);
  const raws: number[] = [];
  const recs: number[] = [];
  for (let r = 0; r < 3; r++) {
    raws.push(await raw());
    recs.push(await recorder(1));
  }
  const conc = await recorder(5);
  const rawMed = median(raws);
  const recMed = median(recs);
  console.log(`raw sequential PutItem         ${fmt(rawMed, 0)} items/s (median of 3)`);
  console.log(
    `recorder, sequential           ${fmt(recMed, 0)} events/s (median of 3)  ratio ${fmt(recMed / rawMed, 2)} x raw [${verdict(recMed / rawMed >= 0.7)}]`,
  );
  console.log(
    `recorder, 5 groups in parallel ${fmt(conc, 0)} events/s  ratio ${fmt(conc / rawMed, 2)} x raw sequential (informational)`,
  );
  client.destroy();
  server.stop();
};

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

/** Alarm event in → Slack receiver has the message, through the real recorder, ledger and notifier (in process). */
const notifyLatency = async () => {
  const N = Number(process.env.BENCH_NOTIFY_N ?? 200);
  const GROUPS = 20;
  console.log(
    `\n## Alert latency: ingest of an alarm event → Slack receiver has the message (N=${N}, loopback receiver, dynalite in its own process)`,
  );
  const server = await startDynaliteProcess();
  const client = localClient(server.endpoint);
  const doc = makeDocumentClient(client);
  const arrivals = new Map<string, number>();
  const slack = await startReceiver((req) => {
    arrivals.set(
      String(
        (req.json as { blocks?: { elements?: { text: string }[] }[] })?.blocks
          ?.find((b) => b.elements)
          ?.elements?.find((e) => e.text.startsWith('Notification'))?.text ?? req.path,
      ),
      performance.now(),
    );
    return { status: 200, body: 'ok' };
  });
  const config = parseConfig({
    ...benchConfig(GROUPS),
    notify: { slack: { webhookUrl: `${slack.url}/services/T/B/BENCH`, allowPrivateTargets: true } },
  });
  const table = `notify-${randomUUID().slice(0, 8)}`;
  await ensureLedgerTable(client, table);
  const ledger = new DynamoDbLedgerStore(doc, table);
  const notifier: NotifierDeps = {
    ledger,
    deliveries: new DynamoDbDeliveryStore(doc, table),
    config,
    channels: buildChannels(config),
    log: silentLog,
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    budgetMs: () => 15_000,
    owner: 'bench',
  };
  const recorder = {
    ledger,
    placements: indexHealthChecks(config),
    targetGroups: indexTargetGroups(config),
    log: silentLog,
    now: () => new Date(),
    publisher: {
      publish: async (e: { group: string; seq: number }) =>
        void (await notifyGroupEvent({ group: e.group, seq: e.seq }, notifier)),
    },
    acks: notifier.deliveries,
  };
  // 11 minutes apart per group: never flapping, so every event is one message (what the figure is about).
  const events = Array.from({ length: N }, (_, i) => {
    const g = i % GROUPS;
    const k = Math.floor(i / GROUPS);
    const state = k % 2 === 0 ? 'ALARM' : 'OK';
    return {
      g,
      seq: k + 1,
      payload: eventBridgeEvent({
        alarmName: `r53-failover-bench-g${g}-primary-health`,
        healthCheckId: hc(g, 1),
        state,
        previousState: state === 'ALARM' ? 'OK' : 'ALARM',
        at: new Date(Date.UTC(2025, 0, 1) + k * 11 * 60_000).toISOString(),
      }),
    };
  });
  // Baseline in the same run: one bare HTTP POST of a Slack-sized body to the same receiver.
  const raw: number[] = [];
  const body = JSON.stringify({ text: 'x'.repeat(1500) });
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await (
      await fetch(`${slack.url}/raw`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    ).text();
    raw.push(performance.now() - t0);
  }
  const lat: number[] = [];
  const t0all = performance.now();
  for (const e of events) {
    const t0 = performance.now();
    await recordEvent(e.payload, recorder, `bench-${e.g}-${e.seq}`);
    const arrived = arrivals.get(`Notification g${e.g}#${e.seq}#transition`);
    if (arrived === undefined) throw new Error(`no Slack message for g${e.g}#${e.seq}`);
    lat.push(arrived - t0);
  }
  const total = (performance.now() - t0all) / 1000;
  const [p50, p99, r50] = [percentile(lat, 50), percentile(lat, 99), percentile(raw, 50)];
  console.log(`bare HTTP POST to the receiver          p50 ${fmt(r50, 2)} ms, p99 ${fmt(percentile(raw, 99), 2)} ms`);
  console.log(
    `alarm event → Slack message             p50 ${fmt(p50, 2)} ms, p99 ${fmt(p99, 2)} ms  (p50 ratio ${fmt(p50 / r50, 1)} x bare POST: parse, ledger append, flap check, claim, post, mark sent)`,
  );
  console.log(`notify throughput (record + notify)     ${fmt(N / total, 0)} events/s, each one Slack message`);
  await slack.close();
  client.destroy();
  server.stop();
};

// BENCH_ONLY=probes,detection (comma-separated) runs a subset: bundles, recorder, ingest, notify, probes, detection, audit,
// scale.
const only = process.env.BENCH_ONLY?.split(',');
const want = (name: string) => !only || only.includes(name);
if (want('bundles')) await bundles();
if (want('recorder')) await recorderThroughput();
if (want('ingest')) await ingestBench();
if (want('notify')) await notifyLatency();
if (want('probes')) await probeEngineVsBlackbox();
if (want('detection')) detectionTime();
if (want('audit')) await auditBench(startDynaliteProcess);
if (want('scale')) await scaleBench();
