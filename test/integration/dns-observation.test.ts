import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDnsServer, type LocalDnsServer } from '../../local/dns-server.js';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { parseConfigText } from '../../shared/config/file.js';
import type { DnsEntry, LedgerEntry } from '../../shared/ledger/store.js';
import { runDnsProbe, type DnsProbeSpec } from '../../shared/probe/dns-probe.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { runProbeRound, type ProbeRunners } from '../../shared/probe/runner.js';
import { recordEvent } from '../../shared/record/recorder.js';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { dnsFixtureConfigYaml, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { captureLog, recorderDeps, startLocalDynamo } from '../helpers/ledger.js';

const PRIMARY_IP = '192.0.2.10';
const SECONDARY_IP = '198.51.100.20';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let route53: LocalDnsServer;
let stale: LocalDnsServer;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  [route53, stale] = await Promise.all([startDnsServer('orders.example.com'), startDnsServer('orders.example.com')]);
});
afterAll(async () => {
  await Promise.all([route53.close(), stale.close(), dynamo.stop()]);
});
beforeEach(() => {
  route53.setRecords('api.orders.example.com', 'A', [PRIMARY_IP]);
  stale.setRecords('api.orders.example.com', 'A', [PRIMARY_IP]);
});

/** Three probe regions asking the zone's name server; `staleIn` asks another server instead (a region still caching). */
const world = async (settings: Record<string, unknown> = {}, staleIn?: string) => {
  const config = parseConfigText(
    dnsFixtureConfigYaml(
      { primary: [PRIMARY_IP], secondary: [SECONDARY_IP] },
      { regions: REGIONS, dnsResolvers: [route53.address], ...settings },
    ),
    'test.yml',
  );
  const { table, store } = await dynamo.freshTable();
  const ledger = store();
  const probes = new DynamoDbProbeStore(makeDocumentClient(dynamo.client), table);
  let clock = Date.parse('2025-07-01T10:00:00.000Z');
  const runnersIn = (region: string): ProbeRunners => ({
    http: async () => {
      throw new Error('no http probes here');
    },
    tcp: async () => {
      throw new Error('no tcp probes here');
    },
    dns: (spec: DnsProbeSpec) =>
      runDnsProbe(region === staleIn ? { ...spec, resolvers: [stale.address] } : spec, { now: () => clock }),
  });
  const events: LedgerEntry[] = [];
  return {
    config,
    probes,
    events,
    now: () => new Date(clock).toISOString(),
    advance: (seconds: number) => {
      clock += seconds * 1000;
    },
    /** One round in every region, 10 s after the last. */
    tick: async () => {
      clock += 10_000;
      for (const region of REGIONS) {
        const report = await runProbeRound({
          config,
          region,
          store: probes,
          ledger,
          log: captureLog(),
          now: () => new Date(clock),
          runners: runnersIn(region),
        });
        events.push(...report.events);
      }
    },
    alarm: (healthCheckId: string, state: 'ALARM' | 'OK') =>
      recordEvent(
        eventBridgeEvent({
          alarmName: `r53-failover-orders-api-${healthCheckId === PRIMARY_HC ? 'primary' : 'secondary'}-health`,
          healthCheckId,
          state,
          previousState: state === 'ALARM' ? 'OK' : 'ALARM',
          at: new Date(clock).toISOString(),
        }),
        recorderDeps(ledger),
        'test',
      ),
    history: () => ledger.list({ group: 'orders-api' }),
  };
};

const dnsEvents = (entries: LedgerEntry[]) =>
  entries.filter((e): e is DnsEntry => e.kind === 'dns').map((e) => `${e.event} ${e.previousState ?? '-'}→${e.state}`);

describe('what Route 53 actually answers, seen by the probe rounds', () => {
  it('records one DNS_SERVING_CHANGED when the answer moves, however many regions see it, and no entry for the baseline', async () => {
    // Arrange
    const w = await world();
    await w.tick(); // baseline: every region sees the primary
    // Act
    route53.setRecords('api.orders.example.com', 'A', [SECONDARY_IP]);
    const movedAt = w.now();
    await w.tick();
    await w.tick();
    // Assert
    expect(dnsEvents(await w.history())).toEqual(['DNS_SERVING_CHANGED primary→secondary']);
    const [entry] = (await w.history()).filter((e): e is DnsEntry => e.kind === 'dns');
    expect(entry).toMatchObject({
      role: 'secondary',
      region: 'us-west-2',
      healthCheckId: SECONDARY_HC,
      sources: ['probe:us-east-1'],
      serving: 'primary', // the alarm-derived member: no alarm has said anything yet
      dns: { answer: [SECONDARY_IP], resolver: route53.address },
    });
    expect(Date.parse(entry?.stateChangedAt ?? '')).toBeGreaterThan(Date.parse(movedAt));
    expect(entry?.reason).toContain(`now answers ${SECONDARY_IP}: the secondary (us-west-2)`);
    expect(await w.probes.getObserved('orders-api')).toMatchObject({ serving: 'secondary', answer: [SECONDARY_IP] });
  });

  it('does not flip back and forth when one region still sees the old answer', async () => {
    // Arrange
    const w = await world({}, 'eu-west-1');
    await w.tick();
    // Act
    route53.setRecords('api.orders.example.com', 'A', [SECONDARY_IP]);
    for (let i = 0; i < 5; i++) await w.tick();
    // Assert: eu-west-1 keeps its older view; the newest change stands
    expect(dnsEvents(await w.history())).toEqual(['DNS_SERVING_CHANGED primary→secondary']);
    expect((await w.probes.getObserved('orders-api', 'eu-west-1'))?.serving).toBe('primary');
    expect((await w.probes.getObserved('orders-api'))?.serving).toBe('secondary');
  });

  it('records an answer that no member carries as unknown', async () => {
    // Arrange
    const w = await world();
    await w.tick();
    // Act
    route53.setRecords('api.orders.example.com', 'A', ['203.0.113.99']);
    await w.tick();
    // Assert
    expect(dnsEvents(await w.history())).toEqual(['DNS_SERVING_CHANGED primary→unknown']);
    const entry = (await w.history()).find((e) => e.kind === 'dns');
    expect(entry?.reason).toContain("No member's dnsAnswers carry this answer");
  });

  it('records SERVING_MISMATCH once when the alarms fail over but DNS never moves (a detached health check)', async () => {
    // Arrange: the primary's alarm fires; the record does not reference that health check, so DNS stays put
    const w = await world({ servingMismatchSeconds: 120 });
    await w.tick();
    await w.alarm(PRIMARY_HC, 'ALARM');
    const since = w.now();
    // Act: just under the threshold, then past it, then on for a while
    w.advance(100);
    await w.tick();
    const before = dnsEvents(await w.history());
    for (let i = 0; i < 3; i++) await w.tick();
    const after = await w.history();
    w.advance(600);
    for (let i = 0; i < 3; i++) await w.tick();
    // Assert
    expect(before).toEqual([]);
    expect(dnsEvents(after)).toEqual(['SERVING_MISMATCH -→primary']);
    expect(dnsEvents(await w.history())).toEqual(['SERVING_MISMATCH -→primary']);
    const mismatch = after.find((e): e is DnsEntry => e.kind === 'dns');
    expect(mismatch).toMatchObject({
      serving: 'secondary',
      stateChangedAt: since,
      dns: { mismatch: { alarmServing: 'secondary', since, thresholdSeconds: 120 }, answer: [PRIMARY_IP] },
    });
    expect(mismatch?.reason).toContain('Route 53 keeps answering the primary although its alarm says it is down');
    expect(w.events.filter((e) => e.event === 'SERVING_MISMATCH')).toHaveLength(1);
  });

  it('raises no mismatch in a normal failover: DNS moves first and the alarm follows within the threshold', async () => {
    // Arrange
    const w = await world();
    await w.tick();
    // Act: Route 53 moves DNS; the alarm (and FAILED_OVER) follows a minute later; then the reverse on recovery
    route53.setRecords('api.orders.example.com', 'A', [SECONDARY_IP]);
    for (let i = 0; i < 6; i++) await w.tick();
    await w.alarm(PRIMARY_HC, 'ALARM');
    w.advance(900);
    await w.tick();
    route53.setRecords('api.orders.example.com', 'A', [PRIMARY_IP]);
    for (let i = 0; i < 6; i++) await w.tick();
    await w.alarm(PRIMARY_HC, 'OK');
    w.advance(900);
    await w.tick();
    // Assert
    expect((await w.history()).map((e) => e.event)).toEqual([
      'DNS_SERVING_CHANGED',
      'FAILED_OVER',
      'DNS_SERVING_CHANGED',
      'RECOVERED',
    ]);
  });

  it('starts a new mismatch, reported again, when it ends and comes back', async () => {
    // Arrange: DNS fails over with no alarm at all (failover.yml watches another health check than the record uses)
    const w = await world({ servingMismatchSeconds: 60 });
    await w.tick();
    route53.setRecords('api.orders.example.com', 'A', [SECONDARY_IP]);
    await w.tick();
    w.advance(120);
    await w.tick();
    // Act: DNS comes back (mismatch over), then moves again and stays
    route53.setRecords('api.orders.example.com', 'A', [PRIMARY_IP]);
    await w.tick();
    route53.setRecords('api.orders.example.com', 'A', [SECONDARY_IP]);
    await w.tick();
    w.advance(120);
    await w.tick();
    await w.tick();
    // Assert
    expect(dnsEvents(await w.history())).toEqual([
      'DNS_SERVING_CHANGED primary→secondary',
      'SERVING_MISMATCH -→secondary',
      'DNS_SERVING_CHANGED secondary→primary',
      'DNS_SERVING_CHANGED primary→secondary',
      'SERVING_MISMATCH -→secondary',
    ]);
  });
});
