import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { parseConfigText } from '../../shared/config/file.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { runProbeRound, type ProbeRunners, type RoundReport } from '../../shared/probe/runner.js';
import type { ProbeResult } from '../../shared/probe/types.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { captureLog, recorderDeps, startLocalDynamo } from '../helpers/ledger.js';
import { startReceiver } from '../../local/receiver.js';
import { buildChannels } from '../../shared/notify/channels/index.js';
import { DynamoDbDeliveryStore } from '../../shared/notify/delivery-store.js';
import { notifyGroupEvent } from '../../shared/notify/notifier.js';
import { PRIMARY_HC } from '../helpers/events.js';
import type { MemberRole } from '../../shared/core/members.js';

const CONFIG = parseConfigText(
  `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary: { region: us-east-1, healthCheckId: 4dd370d3-b015-4e3f-a866-db054eabfffb, endpoint: "https://use1.example.com/healthz" }
    secondary: { region: us-west-2, healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4, endpoint: "https://usw2.example.com/healthz" }
probes:
  regions: [us-east-1, us-west-2, eu-west-1]
  quorum: { required: 2, consecutive: 3 }
  intervalSeconds: 10
  disagreementSeconds: 60
`,
  'test.yml',
);

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => dynamo.stop());

/** Simulated probe regions: each region's view of each member is scripted (the engines are tested elsewhere). */
const scripted = (view: (member: string) => boolean): ProbeRunners => {
  const result = (url: string, ok: boolean): ProbeResult => ({
    probe: 'http',
    type: 'http',
    target: url,
    ok,
    latencyMs: ok ? 40 : 2000,
    startedAt: new Date().toISOString(),
    warnings: [],
    assertions: [{ name: 'status', ok, expected: '200-299', actual: ok ? '200' : '500' }],
    ...(ok ? { status: 200 } : { status: 500, bodySnippet: 'db unreachable' }),
  });
  return {
    http: async (spec) => result(spec.url, view(spec.url.includes('use1') ? 'primary' : 'secondary')),
    tcp: async () => {
      throw new Error('no tcp probes here');
    },
  };
};

const world = async () => {
  const { table, store } = await dynamo.freshTable();
  const ledger = store();
  const probes = new DynamoDbProbeStore(makeDocumentClient(dynamo.client), table);
  let clock = Date.parse('2025-07-01T10:00:00.000Z');
  const down = new Map<string, Set<MemberRole>>(); // region → members it sees failing
  const round = (region: string) =>
    runProbeRound({
      config: CONFIG,
      region,
      store: probes,
      ledger,
      log: captureLog(),
      now: () => new Date(clock),
      runners: scripted((member) => !down.get(region)?.has(member as MemberRole)),
    });
  const tick = async (regions = ['us-east-1', 'us-west-2', 'eu-west-1']) => {
    clock += 10_000;
    const events: RoundReport['events'] = [];
    for (const r of regions) events.push(...(await round(r)).events);
    return events;
  };
  return {
    ledger,
    probes,
    down,
    tick,
    advance: (ms: number) => (clock += ms),
    at: () => new Date(clock).toISOString(),
  };
};

describe('probe quorum across simulated regions (2 of 3, 3 in a row)', () => {
  it('declares PROBE_DOWN once, after the 3rd consecutive failure seen by 2 regions, then PROBE_UP when it recovers', async () => {
    const w = await world();
    for (let i = 0; i < 3; i++) await w.tick(); // establish UP quietly
    w.down.set('us-east-1', new Set(['primary']));
    w.down.set('eu-west-1', new Set(['primary']));
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) seen.push(...(await w.tick()).map((e) => `${e.event}:${e.role}`));
    expect(seen).toEqual(['PROBE_DOWN:primary']);
    w.down.clear();
    for (let i = 0; i < 4; i++) seen.push(...(await w.tick()).map((e) => `${e.event}:${e.role}`));
    expect(seen).toEqual(['PROBE_DOWN:primary', 'PROBE_UP:primary']);
    const entries = await w.ledger.list({ group: 'orders-api', order: 'asc' });
    expect(entries.map((e) => e.event)).toEqual(['PROBE_DOWN', 'PROBE_UP']);
    expect(entries[0]).toMatchObject({
      kind: 'probe',
      role: 'primary',
      state: 'DOWN',
      previousState: 'UP',
      probe: { down: ['eu-west-1', 'us-east-1'], required: 2 },
    });
    expect(entries[0]?.reason).toMatch(/2 of 3 probe regions \(eu-west-1, us-east-1\) saw 3 consecutive failures/);
  });

  it('never declares a quorum from a single failing region', async () => {
    const w = await world();
    for (let i = 0; i < 3; i++) await w.tick();
    w.down.set('us-west-2', new Set(['primary', 'secondary']));
    const events = [];
    for (let i = 0; i < 8; i++) events.push(...(await w.tick()));
    expect(events).toEqual([]);
  });

  it('ignores a region that stopped reporting (its old failures have no vote)', async () => {
    const w = await world();
    for (let i = 0; i < 3; i++) await w.tick();
    w.down.set('us-east-1', new Set(['primary']));
    w.down.set('eu-west-1', new Set(['primary']));
    const events = [];
    for (let i = 0; i < 3; i++) events.push(...(await w.tick(['eu-west-1']))); // eu-west-1 reaches 3 failures…
    w.advance(10 * 60_000); // …then goes silent for 10 minutes
    for (let i = 0; i < 3; i++) events.push(...(await w.tick(['us-east-1', 'us-west-2'])));
    expect(events).toEqual([]);
    events.push(...(await w.tick(['eu-west-1']))); // back, with a fresh 4th failure: now 2 regions agree
    expect(events.map((e) => e.event)).toEqual(['PROBE_DOWN']);
  });

  it('reports a HEALTH_DISAGREEMENT once when the health check stays OK while the probes say DOWN (200 OK but broken)', async () => {
    const w = await world();
    await recordEvent(
      eventBridgeEvent({ alarmName: 'a', healthCheckId: PRIMARY_HC, state: 'OK', previousState: 'ALARM', at: w.at() }),
      recorderDeps(w.ledger),
      'ok',
    );
    for (let i = 0; i < 3; i++) await w.tick();
    w.down.set('us-east-1', new Set(['primary']));
    w.down.set('us-west-2', new Set(['primary']));
    const events: string[] = [];
    for (let i = 0; i < 12; i++) events.push(...(await w.tick()).map((e) => e.event));
    expect(events).toEqual(['PROBE_DOWN', 'HEALTH_DISAGREEMENT']);
    const d = (await w.ledger.list({ group: 'orders-api' })).find((e) => e.event === 'HEALTH_DISAGREEMENT');
    expect(d?.kind === 'probe' && d.probe.disagreement).toMatchObject({
      kind: 'probes-down-health-ok',
      healthCheckState: 'OK',
    });
    expect(d?.reason).toMatch(/200 OK but broken/);
  });

  it('keeps results with a TTL and the failing detail', async () => {
    const w = await world();
    w.down.set('us-east-1', new Set(['secondary']));
    await w.tick(['us-east-1']);
    const results = await w.probes.listResults('orders-api', 'secondary');
    expect(results[0]).toMatchObject({
      ok: false,
      status: 500,
      bodySnippet: 'db unreachable',
      region: 'us-east-1',
      member: 'secondary',
    });
  });

  it('notifies probe events like any group event (Slack header names the case)', async () => {
    const w = await world();
    const slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
    try {
      await recordEvent(
        eventBridgeEvent({
          alarmName: 'a',
          healthCheckId: PRIMARY_HC,
          state: 'OK',
          previousState: 'ALARM',
          at: w.at(),
        }),
        recorderDeps(w.ledger),
        'ok',
      );
      for (let i = 0; i < 3; i++) await w.tick();
      w.down.set('us-east-1', new Set(['primary']));
      w.down.set('us-west-2', new Set(['primary']));
      const events: RoundReport['events'] = [];
      for (let i = 0; i < 12; i++) events.push(...(await w.tick()));
      const config = {
        ...CONFIG,
        notify: {
          slack: { webhookUrl: `${slack.url}/services/T/B/X`, allowPrivateTargets: true },
          webhooks: [],
          reminderMinutes: 30,
          noDataMinutes: 10,
          flap: { transitions: 3, windowMinutes: 10, holdMinutes: 10 },
        },
      };
      const { table } = { table: (w.ledger as unknown as { tableName: string }).tableName };
      const deps = {
        ledger: w.ledger,
        deliveries: new DynamoDbDeliveryStore(makeDocumentClient(dynamo.client), table),
        config,
        channels: buildChannels(config),
        log: captureLog(),
        now: () => new Date(),
        sleep: async () => {},
        budgetMs: () => 10_000,
        owner: 't',
      };
      for (const e of events) await notifyGroupEvent({ group: e.group, seq: e.seq }, deps);
      const headers = slack.requests.map(
        (r) => (r.json as { blocks: { text: { text: string } }[] }).blocks[0]?.text.text,
      );
      expect(headers).toEqual([
        ':red_circle: PROBES DOWN: orders-api primary (us-east-1) failing from 2 probe region(s)',
        ':rotating_light: HEALTH DISAGREEMENT: orders-api primary passes Route 53 but fails probes',
      ]);
    } finally {
      await slack.close();
    }
  });
});
