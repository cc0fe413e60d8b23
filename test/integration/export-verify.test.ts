import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.js';
import type { Io } from '../../cli/context.js';
import { exportLedger, type EvidenceBundle } from '../../shared/audit/export.js';
import { verifyEntries, verifyLedger } from '../../shared/audit/verify.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { parseConfigText } from '../../shared/config/file.js';
import { entryHash, seal } from '../../shared/ledger/hash.js';
import { toItem } from '../../shared/ledger/dynamodb-store.js';
import { groupPk, seqSk } from '../../shared/ledger/schema.js';
import type { LedgerEntry, LedgerStore } from '../../shared/ledger/store.js';
import { composeNotification } from '../../shared/notify/compose.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { eventBridgeEvent, type SampleTransition } from '../../local/sample-events.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { NOW, recorderDeps, startLocalDynamo } from '../helpers/ledger.js';

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
const savedEnv: Record<string, string | undefined> = {};
// The CLI's `--table` opens the table through the SDK's own configuration (process.env): point it at dynalite.
const ENV = { AWS_ENDPOINT_URL_DYNAMODB: '', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  ENV.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  for (const [k, v] of Object.entries(ENV)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await dynamo.stop();
});

const primary = (
  state: SampleTransition['state'],
  previousState: SampleTransition['state'],
  at: string,
  reason?: string,
): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  healthCheckId: PRIMARY_HC,
  state,
  previousState,
  at,
  ...(reason ? { reason } : {}),
});
const secondary = (
  state: SampleTransition['state'],
  previousState: SampleTransition['state'],
  at: string,
): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-secondary-health',
  healthCheckId: SECONDARY_HC,
  state,
  previousState,
  at,
});

/** orders-api #1–#6 (two failover episodes, #1 and #5) and unassigned #1, recorded through the real recorder. */
const seedLedger = async () => {
  const { table, store } = await dynamo.freshTable();
  const deps = recorderDeps(store());
  const events = [
    primary('ALARM', 'OK', '2025-06-12T10:00:00.000Z', 'Threshold Crossed: "0.0", below 1.0\r\nsecond line'),
    secondary('ALARM', 'OK', '2025-06-12T10:05:00.000Z'),
    secondary('OK', 'ALARM', '2025-06-12T10:10:00.000Z'),
    primary('OK', 'ALARM', '2025-06-12T10:20:00.000Z'),
    {
      alarmName: 'stray-health',
      healthCheckId: '00000000-0000-0000-0000-000000000000',
      state: 'ALARM',
      previousState: 'OK',
      at: '2025-06-12T10:30:00.000Z',
    } as SampleTransition,
    primary('ALARM', 'OK', '2025-06-12T11:00:00.000Z'),
    primary('OK', 'ALARM', '2025-06-12T11:30:00.000Z'),
  ];
  for (const [i, e] of events.entries()) {
    expect((await recordEvent(eventBridgeEvent(e), deps, `seed-${i}`)).map((o) => o.outcome)).toEqual(['recorded']);
  }
  return { table, store: store() };
};

/** Runs the CLI in process against the seeded table; stdout chunks are kept as written. */
const cli = async (table: string, cwd: string, ...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => err.push(t),
    env: { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
    cwd,
    now: () => NOW,
  };
  const code = await run([...argv, '--table', table], io);
  return { code, out: out.join(''), err: err.join('\n') };
};

const workdir = () => mkdtempSync(join(tmpdir(), 'r53f-export-'));
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('verify and export against dynalite', () => {
  it("verifies a clean ledger and prints each group's head hash", async () => {
    // Arrange
    const { table, store } = await seedLedger();
    const head = (await store.head('orders-api')).entry?.hash;
    // Act
    const res = await cli(table, workdir(), 'verify');
    const asJson = await cli(table, workdir(), 'verify', '--json');
    // Assert
    expect(res.code).toBe(0);
    expect(res.out).toContain(`6 entries, head #6 ${head}`);
    expect(res.out).toMatch(/unassigned\s+ok\s+1 entries, head #1 [0-9a-f]{64}/);
    expect(JSON.parse(asJson.out)).toEqual({
      ok: true,
      groups: [
        { group: 'orders-api', entries: 6, headSeq: 6, headHash: head },
        expect.objectContaining({ group: 'unassigned', entries: 1, headSeq: 1 }),
      ],
    });
  });

  it('exports ndjson and json that verify with the same head hash as the table', async () => {
    const { table, store } = await seedLedger();
    const cwd = workdir();
    const head = (await store.head('orders-api')).entry?.hash;
    expect((await cli(table, cwd, 'export', '--format', 'ndjson', '--out', 'ledger.ndjson')).out).toContain(
      '7 entries (ndjson, chain order) written to',
    );
    expect((await cli(table, cwd, 'export', '--format', 'json', '--out', 'ledger.json')).code).toBe(0);
    const doc = JSON.parse(readFileSync(join(cwd, 'ledger.json'), 'utf8')) as {
      version: number;
      exportedAt: string;
      order: string;
      entries: LedgerEntry[];
    };
    expect(doc).toMatchObject({ version: 1, exportedAt: NOW.toISOString(), order: 'chain' });
    expect(doc.entries.map((e) => `${e.group}#${e.seq}`)).toEqual([
      'orders-api#1',
      'orders-api#2',
      'orders-api#3',
      'orders-api#4',
      'orders-api#5',
      'orders-api#6',
      'unassigned#1',
    ]);
    expect(doc.entries[0]).toHaveProperty('snapshot');
    for (const file of ['ledger.ndjson', 'ledger.json']) {
      const res = await cli(table, cwd, 'verify', '--file', file);
      expect(res.code, file).toBe(0);
      expect(res.out).toContain(`head #6 ${head}`);
    }
  });

  it('writes a json document to stdout when no --out is given', async () => {
    const { table } = await seedLedger();
    const res = await cli(table, workdir(), 'export', '--group', 'orders-api');
    const doc = JSON.parse(res.out) as { group: string; entries: LedgerEntry[] };
    expect(doc.group).toBe('orders-api');
    expect((await verifyEntries(doc.entries)).ok).toBe(true);
  });

  describe('catches tampering with an export file, naming the item', () => {
    const tampered = async (edit: (rows: string[]) => string[], format: 'ndjson' | 'json' = 'ndjson') => {
      const { table } = await seedLedger();
      const cwd = workdir();
      await cli(table, cwd, 'export', '--format', format, '--out', `ledger.${format}`);
      const path = join(cwd, `ledger.${format}`);
      writeFileSync(path, `${edit(lines(path)).join('\n')}\n`);
      return cli(table, cwd, 'verify', '--file', path);
    };
    const setReason = (line: string, reason: string) => {
      const trailing = line.endsWith(',') ? ',' : '';
      return `${JSON.stringify({ ...(JSON.parse(trailing ? line.slice(0, -1) : line) as LedgerEntry), reason })}${trailing}`;
    };

    it('one field edited', async () => {
      const res = await tampered((rows) => rows.map((r, i) => (i === 2 ? setReason(r, 'nothing happened') : r)));
      expect(res.code).toBe(1);
      expect(res.out).toContain('orders-api #3: hash mismatch (edited?)');
      expect(res.out).toMatch(/unassigned\s+ok/);
    });

    it('one field edited in the json document', async () => {
      // Line 0 is the header: entry #3 of orders-api is on line 3.
      const res = await tampered(
        (rows) => rows.map((r, i) => (i === 3 ? setReason(r, 'nothing happened') : r)),
        'json',
      );
      expect(res.code).toBe(1);
      expect(res.out).toContain('orders-api #3: hash mismatch (edited?)');
    });

    it('a line deleted', async () => {
      const res = await tampered((rows) => rows.filter((_, i) => i !== 3));
      expect(res.code).toBe(1);
      expect(res.out).toContain('missing #4 in orders-api');
    });

    it('two lines swapped', async () => {
      const res = await tampered((rows) => [rows[0], rows[1], rows[3], rows[2], ...rows.slice(4)] as string[]);
      expect(res.code).toBe(1);
      expect(res.out).toContain('orders-api #3: out of order (found after #4)');
    });

    it("a hash forged to match an edit (the next entry's link breaks)", async () => {
      const res = await tampered((rows) =>
        rows.map((r, i) => {
          if (i !== 2) return r;
          const edited = { ...(JSON.parse(r) as LedgerEntry), reason: 'nothing happened' };
          return JSON.stringify({ ...edited, hash: entryHash(edited) });
        }),
      );
      expect(res.code).toBe(1);
      expect(res.out).toContain('orders-api #4: prevHash does not match the hash of #3');
    });
  });

  it('catches an item edited in the table itself (UpdateItem)', async () => {
    // Arrange
    const { table, store } = await seedLedger();
    await dynamo.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: groupPk('orders-api') }, sk: { S: seqSk(2) } },
        // #2 was BOTH_UNHEALTHY: rewrite history so the outage looks milder.
        UpdateExpression: 'SET #e = :e',
        ExpressionAttributeNames: { '#e': 'event' },
        ExpressionAttributeValues: { ':e': { S: 'STANDBY_UNHEALTHY' } },
      }),
    );
    // Act
    const res = await cli(table, workdir(), 'verify', '--group', 'orders-api');
    // Assert
    expect(res.code).toBe(1);
    expect(res.out).toContain('orders-api #2: hash mismatch (edited?)');
    expect((await verifyLedger(store)).groups.map((g) => g.problemSeq)).toEqual([2, undefined]);
  });

  it('catches an item deleted from the table', async () => {
    const { table } = await seedLedger();
    await dynamo.client.send(
      new DeleteItemCommand({ TableName: table, Key: { pk: { S: groupPk('orders-api') }, sk: { S: seqSk(3) } } }),
    );
    const res = await cli(table, workdir(), 'verify');
    expect(res.code).toBe(1);
    expect(res.out).toContain('missing #3 in orders-api');
  });

  it('reads the ledger a page at a time', async () => {
    // Arrange
    const { store } = await seedLedger();
    let calls = 0;
    const counting = new Proxy<LedgerStore>(store, {
      get(target, prop) {
        if (prop === 'chain')
          return (group: string, cursor?: string, limit?: number) => (calls++, target.chain(group, cursor, limit));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const chunks: string[] = [];
    const sink = new Writable({
      write: (c: Buffer, _e, cb) => {
        chunks.push(c.toString());
        cb();
      },
    });
    // Act
    const summary = await exportLedger(counting, sink, { format: 'ndjson', pageSize: 2 });
    // Assert
    expect(summary.entries).toBe(7);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(
      (
        await verifyEntries(
          chunks
            .join('')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as LedgerEntry),
        )
      ).ok,
    ).toBe(true);
  });

  it('waits for a slow output to drain instead of buffering ahead of it', async () => {
    // Arrange: a sink that takes a turn of the event loop per chunk and holds at most 64 bytes before pushing back
    const { store } = await seedLedger();
    let queuedBehind = 0;
    let writes = 0;
    let drains = 0;
    const slow = new Writable({
      highWaterMark: 64,
      write(chunk: Buffer, _e, cb) {
        writes++;
        queuedBehind = Math.max(queuedBehind, this.writableLength - chunk.length);
        setImmediate(cb);
      },
    });
    slow.on('drain', () => drains++);
    // Act
    await exportLedger(store, slow, { format: 'json' });
    // Assert: every chunk found the sink empty, so the exporter never got ahead of it
    expect(writes).toBe(9);
    expect(queuedBehind).toBe(0);
    expect(drains).toBeGreaterThan(0);
  });

  it('exports a time window in state-change order across groups, which verify refuses as a chain', async () => {
    const { table } = await seedLedger();
    const cwd = workdir();
    const res = await cli(
      table,
      cwd,
      'export',
      '--format',
      'ndjson',
      '--since',
      '2025-06-12T10:05:00Z',
      '--until',
      '2025-06-12T11:00:00Z',
    );
    const rows = res.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LedgerEntry);
    expect(rows.map((e) => `${e.group}#${e.seq}`)).toEqual([
      'orders-api#2',
      'orders-api#3',
      'orders-api#4',
      'unassigned#1',
      'orders-api#5',
    ]);
    await cli(table, cwd, 'export', '--since', '2025-06-12T10:05:00Z', '--out', 'window.json');
    const verified = await cli(table, cwd, 'verify', '--file', 'window.json');
    expect(verified.code).toBe(1);
    expect(verified.err).toContain('a --since/--until export is a time window');
  });

  it('exports CSV with the header first and CRLF records', async () => {
    const { table } = await seedLedger();
    const res = await cli(table, workdir(), 'export', '--format', 'csv', '--group', 'orders-api');
    expect(res.out.startsWith('group,seq,kind,event,role,state,previousState,stateChangedAt,recordedAt,sources,')).toBe(
      true,
    );
    expect(res.out).toContain('"Threshold Crossed: ""0.0"", below 1.0\r\nsecond line"');
    expect(res.out.split('\r\n').filter((l) => l.startsWith('orders-api,'))).toHaveLength(6);
  });

  it('exports an episode as an evidence bundle that verifies, and catches an edit in it', async () => {
    // Arrange: a delivered notification and a probe result inside episode #1
    const { table, store } = await seedLedger();
    const cwd = workdir();
    const doc = makeDocumentClient(dynamo.client);
    const config = parseConfigText(FIXTURE_CONFIG_YAML, 'test.yml');
    const opener = await store.get('orders-api', 1);
    if (!opener) throw new Error('seed failed');
    const deliveries = new DynamoDbDeliveryStore(doc, table);
    const n = composeNotification(opener, config, NOW);
    await deliveries.claim(n, 'slack', { owner: 'test', now: NOW, leaseMs: 60_000 });
    await deliveries.complete(n, 'slack', 'test', { status: 'sent' }, NOW);
    await new DynamoDbProbeStore(doc, table).putResult(
      {
        group: 'orders-api',
        member: 'primary',
        region: 'us-east-1',
        probe: 'healthz',
        type: 'http',
        target: 'https://api.example.com/healthz',
        ok: false,
        latencyMs: 2000,
        startedAt: '2025-06-12T10:01:00.000Z',
        error: 'timed out after 2000 ms',
        assertions: [],
        warnings: [],
      },
      30,
    );
    // Act
    const res = await cli(table, cwd, 'export', '--evidence', 'orders-api#1', '--out', 'evidence.json');
    // Assert
    expect(res.code).toBe(0);
    const bundle = JSON.parse(readFileSync(join(cwd, 'evidence.json'), 'utf8')) as EvidenceBundle;
    expect(bundle.timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(bundle.window).toEqual({ start: '2025-06-12T10:00:00.000Z', end: '2025-06-12T10:20:00.000Z' });
    expect(bundle.alarms.map((a) => a.event)).toEqual(['FAILED_OVER', 'BOTH_UNHEALTHY', 'FAILED_OVER', 'RECOVERED']);
    expect(bundle.notifications).toEqual([
      expect.objectContaining({
        id: 'orders-api#1#transition',
        channels: [expect.objectContaining({ channel: 'slack', status: 'sent' })],
      }),
    ]);
    expect(bundle.probes.results).toEqual([expect.objectContaining({ probe: 'healthz', ok: false })]);
    expect(bundle.chain.links.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(bundle.chain.head).toEqual({ seq: 6, hash: (await store.head('orders-api')).entry?.hash });
    expect((await cli(table, cwd, 'verify', '--file', 'evidence.json')).code).toBe(0);
    const timeline = bundle.timeline.map((e) => (e.seq === 2 ? { ...e, reason: 'nothing happened' } : e));
    writeFileSync(join(cwd, 'evidence.json'), JSON.stringify({ ...bundle, timeline }, null, 2));
    const edited = await cli(table, cwd, 'verify', '--file', 'evidence.json');
    expect(edited.code).toBe(1);
    expect(edited.out).toContain('orders-api #2: hash mismatch (edited?)');
  });

  it('names an episode that does not exist', async () => {
    const { table } = await seedLedger();
    const res = await cli(table, workdir(), 'export', '--evidence', 'orders-api#2');
    expect(res.code).toBe(1);
    expect(res.err).toContain('no episode #2 in orders-api');
  });
});

describe('digest and verify --digest: a ledger that proves its completeness', () => {
  const deleteItem = (table: string, pk: string, sk: string) =>
    dynamo.client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }));
  /** Writes `digest --out digest.json` for the seeded ledger and returns the workdir and the digest. */
  const digestOfSeed = async () => {
    const seeded = await seedLedger();
    const cwd = workdir();
    const res = await cli(seeded.table, cwd, 'digest', '--out', 'digest.json');
    expect(res.code).toBe(0);
    expect(res.out).toContain(`digest of 2 groups (${NOW.toISOString()}) written to`);
    const digest = JSON.parse(readFileSync(join(cwd, 'digest.json'), 'utf8')) as {
      generatedAt: string;
      groups: Record<string, { seq: number; hash: string }>;
    };
    return { ...seeded, cwd, digest };
  };
  /** The seeded chain of `group` re-sealed from `from` on, with `from`'s reason edited: self-consistent again. */
  const rewriteFrom = async (store: LedgerStore, group: string, from: number, head: number) => {
    const rewritten: LedgerEntry[] = [];
    let prev = (await store.get(group, from - 1))?.hash;
    for (let seq = from; seq <= head; seq++) {
      const e = (await store.get(group, seq)) as LedgerEntry;
      const sealed = seal(seq === from ? { ...e, reason: 'nothing happened' } : e, prev);
      rewritten.push(sealed);
      prev = sealed.hash;
    }
    return rewritten;
  };

  it('writes exactly {generatedAt, groups: {<group>: {seq, hash}}} with the heads verify prints', async () => {
    const { table, cwd, digest } = await digestOfSeed();
    const verified = JSON.parse((await cli(table, cwd, 'verify', '--json')).out) as {
      groups: { group: string; headSeq: number; headHash: string }[];
    };
    expect(Object.keys(digest)).toEqual(['generatedAt', 'groups']);
    expect(digest).toEqual({
      generatedAt: NOW.toISOString(),
      groups: Object.fromEntries(verified.groups.map((g) => [g.group, { seq: g.headSeq, hash: g.headHash }])),
    });
    expect(digest.groups['orders-api']?.seq).toBe(6);
    // To stdout, the same document.
    expect(JSON.parse((await cli(table, cwd, 'digest')).out)).toEqual(digest);
  });

  describe('on the table', () => {
    it('passes an intact ledger, saying which digest it checked against', async () => {
      const { table, cwd } = await digestOfSeed();
      const res = await cli(table, cwd, 'verify', '--digest', 'digest.json');
      expect(res.code).toBe(0);
      expect(res.out).toContain(`against the digest of ${NOW.toISOString()} (2 groups)`);
      expect(res.out).toContain('2 groups verified in');
      const asJson = JSON.parse((await cli(table, cwd, 'verify', '--digest', 'digest.json', '--json')).out) as {
        ok: boolean;
        digest: unknown;
      };
      expect(asJson).toMatchObject({ ok: true, digest: { generatedAt: NOW.toISOString(), groups: 2 } });
    });

    it('fails on the tail of a chain deleted, which verify alone cannot see', async () => {
      const { table, cwd } = await digestOfSeed();
      await deleteItem(table, groupPk('orders-api'), seqSk(6));
      await deleteItem(table, groupPk('orders-api'), seqSk(5));
      expect((await cli(table, cwd, 'verify')).code).toBe(0);
      const res = await cli(table, cwd, 'verify', '--digest', 'digest.json');
      expect(res.code).toBe(1);
      expect(res.out).toContain(
        `orders-api: chain ends at #4, but the digest of ${NOW.toISOString()} has head #6 (entries removed from the end?)`,
      );
      expect(res.out).toMatch(/unassigned\s+ok/);
      expect(res.out).toContain('1 of 2 groups failed verification');
    });

    it('fails on a whole group deleted, registry item included', async () => {
      const { table, cwd } = await digestOfSeed();
      await deleteItem(table, groupPk('unassigned'), seqSk(1));
      await deleteItem(table, 'GROUPS', 'unassigned');
      expect((await cli(table, cwd, 'verify')).out).toContain('1 group verified');
      const res = await cli(table, cwd, 'verify', '--digest', 'digest.json');
      expect(res.code).toBe(1);
      expect(res.out).toContain(`missing unassigned: no entries, but the digest of ${NOW.toISOString()} has head #1`);
    });

    it('fails on a chain rewritten and re-sealed from an entry to its head', async () => {
      const { table, cwd, store } = await digestOfSeed();
      const doc = makeDocumentClient(dynamo.client);
      for (const e of await rewriteFrom(store, 'orders-api', 5, 6))
        await doc.send(new PutCommand({ TableName: table, Item: toItem(e) }));
      expect((await cli(table, cwd, 'verify')).code).toBe(0);
      const res = await cli(table, cwd, 'verify', '--digest', 'digest.json');
      expect(res.code).toBe(1);
      expect(res.out).toContain(
        `orders-api #6: hash differs from the digest of ${NOW.toISOString()} (chain rewritten since?)`,
      );
    });

    it('still finds and verifies a group whose registry item was deleted', async () => {
      const { table, store } = await seedLedger();
      await deleteItem(table, 'GROUPS', 'unassigned');
      expect(await store.groups()).toEqual(['orders-api']);
      const res = await cli(table, workdir(), 'verify');
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/unassigned\s+ok\s+1 entries, head #1/);
      expect(res.out).toContain('2 groups verified');
      // ... and a broken chain there is still reported.
      await dynamo.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: groupPk('unassigned') }, sk: { S: seqSk(1) } },
          UpdateExpression: 'SET reason = :r',
          ExpressionAttributeValues: { ':r': { S: 'nothing happened' } },
        }),
      );
      expect((await verifyLedger(store)).groups.map((g) => [g.group, g.problemSeq])).toEqual([
        ['orders-api', undefined],
        ['unassigned', 1],
      ]);
    });

    it('checks only the named group against its part of the digest', async () => {
      const { table, cwd } = await digestOfSeed();
      await deleteItem(table, groupPk('unassigned'), seqSk(1));
      const res = await cli(table, cwd, 'verify', '--group', 'orders-api', '--digest', 'digest.json');
      expect(res.code).toBe(0);
      expect(res.out).toContain('1 group verified');
    });
  });

  describe('on an export file', () => {
    /** Exports the seeded ledger (after its digest), edits the file's lines and verifies it against the digest. */
    const exported = async (
      edit: (rows: string[], store: LedgerStore) => string[] | Promise<string[]>,
      format: 'ndjson' | 'json' = 'ndjson',
    ) => {
      const { table, cwd, store } = await digestOfSeed();
      await cli(table, cwd, 'export', '--format', format, '--out', `ledger.${format}`);
      const path = join(cwd, `ledger.${format}`);
      writeFileSync(path, `${(await edit(lines(path), store)).join('\n')}\n`);
      return {
        plain: await cli(table, cwd, 'verify', '--file', path),
        res: await cli(table, cwd, 'verify', '--file', path, '--digest', 'digest.json'),
      };
    };
    const groupOf = (row: string) => (JSON.parse(row.endsWith(',') ? row.slice(0, -1) : row) as LedgerEntry).group;
    const seqOf = (row: string) => (JSON.parse(row.endsWith(',') ? row.slice(0, -1) : row) as LedgerEntry).seq;

    it('passes an intact export', async () => {
      const { res } = await exported((rows) => rows);
      expect(res.code).toBe(0);
      expect(res.out).toContain('2 groups verified');
    });

    it('fails on a group\u2019s tail lines dropped, naming the group', async () => {
      const { plain, res } = await exported((rows) =>
        rows.filter((r) => !(groupOf(r) === 'orders-api' && seqOf(r) > 4)),
      );
      expect(plain.code).toBe(0);
      expect(res.code).toBe(1);
      expect(res.out).toContain(`orders-api: chain ends at #4, but the digest of ${NOW.toISOString()} has head #6`);
    });

    it('fails on every line of a group dropped, naming the group', async () => {
      const { plain, res } = await exported((rows) => rows.filter((r) => groupOf(r) !== 'unassigned'));
      expect(plain.code).toBe(0);
      expect(res.code).toBe(1);
      expect(res.out).toContain('missing unassigned: no entries, but the digest');
    });

    it('fails on tail lines dropped from the json document too', async () => {
      // Line 0 is the header and the last line closes the document: entries #5 and #6 of orders-api are lines 5, 6.
      const { res } = await exported((rows) => rows.filter((_, i) => i !== 5 && i !== 6), 'json');
      expect(res.code).toBe(1);
      expect(res.out).toContain('orders-api: chain ends at #4');
    });

    it('fails on a chain rewritten in the file, naming the group and the seq', async () => {
      const { plain, res } = await exported(async (rows, store) => {
        const rewritten = new Map((await rewriteFrom(store, 'orders-api', 3, 6)).map((e) => [e.seq, e]));
        return rows.map((r) => {
          const e = groupOf(r) === 'orders-api' ? rewritten.get(seqOf(r)) : undefined;
          return e ? JSON.stringify(e) : r;
        });
      });
      expect(plain.code).toBe(0);
      expect(res.code).toBe(1);
      expect(res.out).toContain(`orders-api #6: hash differs from the digest of ${NOW.toISOString()}`);
    });

    it('refuses to check an evidence bundle against a digest, saying why', async () => {
      const { table, cwd } = await digestOfSeed();
      await cli(table, cwd, 'export', '--evidence', 'orders-api#1', '--out', 'evidence.json');
      const res = await cli(table, cwd, 'verify', '--file', 'evidence.json', '--digest', 'digest.json');
      expect(res.code).toBe(1);
      expect(res.err).toContain('an evidence bundle holds one episode, not whole chains');
    });
  });
});
