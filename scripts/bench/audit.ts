// Audit queries at 10k and 100k ledger items, export of 100k items (time, peak RSS), report generation.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { buildReport } from '../../shared/audit/report.js';
import { historyPage } from '../../shared/audit/queries.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { parseConfig } from '../../shared/config/schema.js';
import { DynamoDbLedgerStore, toItem } from '../../shared/ledger/dynamodb-store.js';
import { ensureLedgerTable, localClient } from '../../local/embedded-ledger.js';
import { seal } from '../../shared/ledger/hash.js';
import type { LedgerEntry } from '../../shared/ledger/store.js';
import { renderHtml } from '../../shared/audit/report-render.js';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
};

const GROUPS = 10;
const GROUP_NAMES = Array.from({ length: GROUPS }, (_, i) => `g${i}`);

/**
 * A realistic chain per group (`groups`, round robin): alternating failover/recovery transitions a few minutes
 * apart from 2024-01-01, sealed like the recorder does.
 */
const chainEntries = function* (n: number, groups: string[]): Generator<LedgerEntry> {
  const prev = new Map<string, string | undefined>();
  for (let i = 0; i < n; i++) {
    const g = groups[i % groups.length] as string;
    const k = Math.floor(i / groups.length);
    const down = k % 2 === 0;
    const at = new Date(Date.UTC(2024, 0, 1) + k * 7 * 60_000).toISOString();
    const e = seal(
      {
        kind: 'transition',
        group: g,
        seq: k + 1,
        transitionId: randomUUID().replace(/-/g, ''),
        role: 'primary',
        healthCheckId: '00000000-0000-4000-8000-000000000001',
        healthCheckIds: ['00000000-0000-4000-8000-000000000001'],
        alarmName: `r53-failover-bench-${g}-primary-health`,
        alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:r53-failover-bench-${g}-primary-health`,
        region: 'us-east-1',
        accountId: '123456789012',
        state: down ? 'ALARM' : 'OK',
        previousState: down ? 'OK' : 'ALARM',
        stateChangedAt: at,
        recordedAt: new Date(Date.parse(at) + 1500).toISOString(),
        sources: ['eventbridge', 'sns'],
        event: down ? 'FAILED_OVER' : 'RECOVERED',
        stale: false,
        serving: down ? 'secondary' : 'primary',
        reason: 'Threshold Crossed: 1 out of the last 1 datapoints [0.0] was less than the threshold (1.0).',
        reasonTruncated: false,
        metricMath: false,
        snapshot: {
          primary: {
            state: down ? 'ALARM' : 'OK',
            stateChangedAt: at,
            transitionId: 'x',
            seq: k + 1,
            healthCheckId: 'h',
            alarmArn: 'a',
            event: down ? 'FAILED_OVER' : 'RECOVERED',
          },
        },
        episode: down ? k + 1 : k,
        openEpisode: down ? k + 1 : null,
      } as LedgerEntry,
      prev.get(g),
    );
    prev.set(g, e.hash);
    yield e;
  }
};

/** Writes `n` chained entries over `groups` (and the groups registry) with BatchWriteItem. */
export const loadLedger = async (
  doc: ReturnType<typeof makeDocumentClient>,
  table: string,
  n: number,
  groups: string[] = GROUP_NAMES,
) => {
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    let items = batch;
    batch = [];
    while (items.length) {
      const res = await doc.send(
        new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }),
      );
      items = (res.UnprocessedItems?.[table] ?? []).map((r) => r.PutRequest?.Item as Record<string, unknown>);
    }
  };
  for (const g of groups) {
    batch.push({ pk: 'GROUPS', sk: g });
    if (batch.length === 25) await flush();
  }
  for (const e of chainEntries(n, groups)) {
    batch.push(toItem(e));
    if (batch.length === 25) await flush();
  }
  await flush();
};

export const auditBench = async (
  startDynalite: () => Promise<{ endpoint: string; stop: () => void }>,
): Promise<void> => {
  const big = Number(process.env.BENCH_AUDIT_N ?? 100_000);
  const small = Math.round(big / 10);
  console.log(
    `\n## Audit: history query at ${small} vs ${big} ledger items, export of ${big}, report (dynalite in its own process)`,
  );
  const server = await startDynalite();
  try {
    await run(server.endpoint, small, big);
  } finally {
    server.stop();
  }
};

const run = async (endpoint: string, small: number, big: number): Promise<void> => {
  const server = { endpoint };
  const client = localClient(server.endpoint);
  const doc = makeDocumentClient(client);
  const tables: Record<number, string> = {};
  for (const n of [small, big]) {
    const table = `audit-${n}-${randomUUID().slice(0, 6)}`;
    await ensureLedgerTable(client, table);
    const t0 = performance.now();
    await loadLedger(doc, table, n);
    console.log(`loaded ${n} sealed entries in ${((performance.now() - t0) / 1000).toFixed(1)} s (BatchWriteItem)`);
    tables[n] = table;
  }
  const p50: Record<number, number> = {};
  for (const n of [small, big]) {
    const ledger = new DynamoDbLedgerStore(doc, tables[n] as string);
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = performance.now();
      const page = await historyPage(ledger, { group: `g${i % GROUPS}`, limit: 50 });
      lat.push(performance.now() - t0);
      if (page.items.length === 0) throw new Error('empty history page');
    }
    p50[n] = pct(lat.slice(10), 50);
    console.log(
      `history page (50 newest of a group) at ${String(n).padStart(6)} items: p50 ${p50[n]?.toFixed(2)} ms, p99 ${pct(lat.slice(10), 99).toFixed(2)} ms`,
    );
  }
  const ratio = (p50[big] as number) / (p50[small] as number);
  console.log(`ratio ${big}/${small}: ${ratio.toFixed(2)} x [target <= 1.5: ${ratio <= 1.5 ? 'ok' : 'MISSES TARGET'}]`);

  // Export of the big ledger in a fresh process (so its peak RSS is the export's own), NDJSON to a counting sink.
  // (import.meta.url is dist/scripts/bench.mjs once bundled: the CLI bundle sits beside it in dist/cli.)
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    import { run } from ${JSON.stringify(new URL('../cli/main.mjs', import.meta.url).pathname)};
    let bytes = 0;
    const t0 = performance.now();
    const code = await run(['export', '--format', 'ndjson', '--table', ${JSON.stringify(tables[big])}], { out: (t) => { bytes += t.length + 1; }, err: (t) => process.stderr.write(t + '\\n'), env: process.env, cwd: process.cwd(), now: () => new Date() });
    process.stdout.write(JSON.stringify({ code, bytes, ms: performance.now() - t0, maxRssKb: process.resourceUsage().maxRSS }));
  `,
    ],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_DYNAMODB: server.endpoint,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      maxBuffer: 1 << 20,
    },
  );
  try {
    const r = JSON.parse(child.stdout) as { code: number; bytes: number; ms: number; maxRssKb: number };
    console.log(
      `export ${big} items as NDJSON: ${(r.ms / 1000).toFixed(1)} s, ${(r.bytes / 1e6).toFixed(1)} MB written, peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB (whole process) [exit ${r.code}]`,
    );
  } catch {
    console.log(`export run failed: ${child.stderr.slice(0, 400)}`);
  }

  // Report over the small ledger (10 groups).
  const config = parseConfig({ version: 1, groups: {} });
  const ledger = new DynamoDbLedgerStore(doc, tables[small] as string);
  const t0 = performance.now();
  const report = await buildReport(ledger, undefined, config, {
    since: '2024-01-01T00:00:00.000Z',
    until: '2024-12-31T00:00:00.000Z',
    generatedAt: new Date().toISOString(),
  });
  const html = renderHtml(report);
  console.log(
    `HTML report over ${small} items, ${GROUPS} groups: ${((performance.now() - t0) / 1000).toFixed(2)} s, ${(html.length / 1024).toFixed(0)} KB self-contained`,
  );
  client.destroy();
};
