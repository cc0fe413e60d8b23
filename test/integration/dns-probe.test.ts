import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDnsServerError, startDnsServer, type LocalDnsServer } from '../../local/dns-server.js';
import {
  convergence,
  detectFailback,
  DnsProbeError,
  runDnsProbe,
  type DnsProbeResult,
  type DnsProbeSpec,
  type PointsTo,
} from '../../shared/probe/dns-probe.js';

const ZONE = 'example.test';
const RECORD = 'api.example.test';
const PRIMARY = ['192.0.2.10', '192.0.2.11'];
const SECONDARY = ['198.51.100.20'];

// Two independent resolvers, both authoritative for the zone: each can be flipped, slowed or killed on its own.
let east: LocalDnsServer;
let west: LocalDnsServer;

beforeEach(async () => {
  [east, west] = await Promise.all([startDnsServer(ZONE), startDnsServer(ZONE)]);
});

afterEach(async () => {
  await Promise.all([east.close(), west.close()]);
});

const specFor = (resolvers: LocalDnsServer[], overrides: Partial<DnsProbeSpec> = {}): DnsProbeSpec => ({
  name: 'orders-api-dns',
  recordName: RECORD,
  recordType: 'A',
  resolvers: resolvers.map((r) => r.address),
  members: { primary: PRIMARY, secondary: SECONDARY },
  timeoutMs: 2000,
  ...overrides,
});

const both = (name: string, type: 'A' | 'AAAA' | 'CNAME', values: string[], ttl?: number) => {
  east.setRecords(name, type, values, ttl);
  west.setRecords(name, type, values, ttl);
};

const assertion = (result: DnsProbeResult, name: string) => result.assertions.find((a) => a.name === name);

describe('runDnsProbe', () => {
  it('reports primary when every resolver answers the primary record', async () => {
    // Arrange
    both(RECORD, 'A', PRIMARY, 60);
    // Act
    const result = await runDnsProbe(specFor([east, west]));
    // Assert
    expect(result).toMatchObject({
      probe: 'orders-api-dns',
      type: 'dns',
      target: 'api.example.test A',
      ok: true,
      pointsTo: 'primary',
      warnings: [],
    });
    expect(result.dns).toEqual([
      expect.objectContaining({ resolver: east.address, answers: PRIMARY, member: 'primary', ttl: 60 }),
      expect.objectContaining({ resolver: west.address, answers: PRIMARY, member: 'primary', ttl: 60 }),
    ]);
    expect(result.assertions).toEqual([
      { name: `resolver ${east.address} answers`, ok: true, expected: 'A records', actual: PRIMARY.join(', ') },
      { name: `resolver ${west.address} answers`, ok: true, expected: 'A records', actual: PRIMARY.join(', ') },
    ]);
    expect(east.queries).toEqual([{ name: RECORD, type: 'A', transport: 'udp' }]);
  });

  it('reports secondary once the record is flipped to the secondary', async () => {
    // Arrange
    both(RECORD, 'A', PRIMARY);
    const before = await runDnsProbe(specFor([east, west]));
    both(RECORD, 'A', SECONDARY);
    // Act
    const after = await runDnsProbe(specFor([east, west]));
    // Assert
    expect(before.pointsTo).toBe('primary');
    expect(after.pointsTo).toBe('secondary');
    expect(after.dns.map((d) => [d.member, d.answers])).toEqual([
      ['secondary', SECONDARY],
      ['secondary', SECONDARY],
    ]);
  });

  it('reports split, with a warning naming each view, when resolvers disagree', async () => {
    // Arrange
    east.setRecords(RECORD, 'A', SECONDARY);
    west.setRecords(RECORD, 'A', PRIMARY);
    // Act
    const result = await runDnsProbe(specFor([east, west]));
    // Assert
    expect(result.pointsTo).toBe('split');
    expect(result.dns.map((d) => d.member)).toEqual(['secondary', 'primary']);
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      expect.stringContaining(`resolvers disagree (${east.address} → secondary, ${west.address} → primary)`),
    ]);
  });

  it('reports none and fails when the name does not exist (NXDOMAIN)', async () => {
    // Arrange: the zone holds another name only
    both('www.example.test', 'A', PRIMARY);
    // Act
    const result = await runDnsProbe(specFor([east]));
    // Assert
    expect(result.pointsTo).toBe('none');
    expect(result.dns[0]).toMatchObject({ answers: [], member: 'none', negative: 'NXDOMAIN' });
    expect(result.dns[0]?.error).toBeUndefined();
    expect(result.ok).toBe(false);
    expect(assertion(result, `resolver ${east.address} answers`)).toMatchObject({ ok: false, actual: 'NXDOMAIN' });
  });

  it('reports unknown, with a warning, when the answer matches neither member', async () => {
    // Arrange
    both(RECORD, 'A', ['203.0.113.99']);
    // Act
    const result = await runDnsProbe(specFor([east, west]));
    // Assert
    expect(result.pointsTo).toBe('unknown');
    expect(result.dns.map((d) => d.member)).toEqual(['unknown', 'unknown']);
    expect(result.warnings).toContain(
      `resolver ${east.address} answers 203.0.113.99, which no member's record carries`,
    );
  });

  it('reports split when one resolver answers values of both members', async () => {
    // Arrange
    both(RECORD, 'A', [PRIMARY[0] ?? '', SECONDARY[0] ?? '']);
    // Act
    const result = await runDnsProbe(specFor([east, west]));
    // Assert
    expect(result.dns.map((d) => d.member)).toEqual(['mixed', 'mixed']);
    expect(result.pointsTo).toBe('split');
    expect(result.warnings).toContain(
      `resolver ${east.address} answers values of both members: 192.0.2.10, 198.51.100.20`,
    );
  });

  it('reports a timeout on a dead resolver while the other one still tells where traffic goes', async () => {
    // Arrange
    both(RECORD, 'A', PRIMARY);
    west.configure({ drop: true });
    // Act
    const result = await runDnsProbe(specFor([east, west], { timeoutMs: 300 }));
    // Assert
    const [alive, dead] = result.dns;
    expect(alive).toMatchObject({ member: 'primary', answers: PRIMARY });
    expect(dead).toMatchObject({
      resolver: west.address,
      answers: [],
      member: 'unknown',
      error: 'timed out after 300 ms',
    });
    expect(west.queries.length).toBeGreaterThanOrEqual(1);
    expect(result.pointsTo).toBe('primary');
    expect(result.ok).toBe(false);
    expect(result.error).toContain(`resolver ${west.address} answers: expected A records, got timed out after 300 ms`);
  });

  it('reports a timeout on a resolver slower than the probe allows', async () => {
    // Arrange
    both(RECORD, 'A', PRIMARY);
    east.configure({ delayMs: 1_000 });
    // Act
    const result = await runDnsProbe(specFor([east, west], { timeoutMs: 200 }));
    // Assert
    expect(result.dns.map((d) => d.error)).toEqual(['timed out after 200 ms', undefined]);
    expect(result.pointsTo).toBe('primary');
  });

  it('maps CNAME records by target name, whatever their case and trailing dot', async () => {
    // Arrange
    both(RECORD, 'CNAME', ['api-usw2.example.com']);
    const spec = specFor([east, west], {
      recordType: 'CNAME',
      members: { primary: ['API-use1.Example.com.'], secondary: ['Api-Usw2.example.com.'] },
    });
    // Act
    const result = await runDnsProbe(spec);
    // Assert
    expect(result.pointsTo).toBe('secondary');
    expect(result.dns[0]).toMatchObject({ answers: ['api-usw2.example.com'], member: 'secondary' });
    expect(east.queries[0]?.type).toBe('CNAME');
  });

  it('maps AAAA records whatever the IPv6 spelling on either side', async () => {
    // Arrange
    both(RECORD, 'AAAA', ['2001:0db8:0000:0000:0000:0000:0000:0010'], 30);
    const spec = specFor([east], {
      recordType: 'AAAA',
      members: { primary: ['2001:DB8::10'], secondary: ['2001:db8:1::20'] },
    });
    // Act
    const result = await runDnsProbe(spec);
    // Assert
    expect(result.pointsTo).toBe('primary');
    expect(result.dns[0]).toMatchObject({ answers: ['2001:db8::10'], member: 'primary', ttl: 30 });
  });

  it('fails the "points to" assertion when the record does not point to the expected member', async () => {
    // Arrange
    both(RECORD, 'A', PRIMARY);
    // Act
    const result = await runDnsProbe(specFor([east, west], { expectMember: 'secondary' }));
    // Assert
    expect(result.ok).toBe(false);
    expect(assertion(result, 'points to secondary')).toEqual({
      name: 'points to secondary',
      ok: false,
      expected: 'secondary',
      actual: 'primary',
    });
    expect(result.error).toBe('points to secondary: expected secondary, got primary');
  });

  it('passes the "points to" assertion when every resolver points to the expected member', async () => {
    // Arrange
    both(RECORD, 'A', SECONDARY);
    // Act
    const result = await runDnsProbe(specFor([east, west], { expectMember: 'secondary' }));
    // Assert
    expect(result.ok).toBe(true);
    expect(assertion(result, 'points to secondary')).toMatchObject({ ok: true, actual: 'secondary' });
    expect(result.error).toBeUndefined();
  });

  it('reports a malformed resolver address on that resolver without failing the others', async () => {
    // Arrange
    both(RECORD, 'A', PRIMARY);
    const spec = specFor([east], { resolvers: [east.address, 'resolver example:53'] });
    // Act
    const result = await runDnsProbe(spec);
    // Assert
    expect(result.dns[0]).toMatchObject({ member: 'primary' });
    expect(result.dns[1]?.error).toMatch(/^not a resolver address \(expected ip, ip:port, host or host:port\)/);
    expect(result.pointsTo).toBe('primary');
    expect(result.ok).toBe(false);
  });

  it("asks a resolver given by host name (as a zone's name servers are) at the address the name has", async () => {
    // Arrange
    both(RECORD, 'A', SECONDARY);
    const spec = specFor([], { resolvers: [`localhost:${east.port}`, 'ns-1.r53f-test.invalid'] });
    // Act
    const result = await runDnsProbe(spec);
    // Assert
    expect(result.dns[0]).toMatchObject({
      resolver: `localhost:${east.port}`,
      member: 'secondary',
      answers: SECONDARY,
    });
    expect(east.queries).toEqual([{ name: RECORD, type: 'A', transport: 'udp' }]);
    expect(result.dns[1]?.error).toMatch(/^could not look up resolver name ns-1\.r53f-test\.invalid: /);
    expect(result.pointsTo).toBe('secondary');
  });

  it('maps an alias record to the member whose alias target resolves to the same addresses', async () => {
    // Arrange: Route 53 answers an alias A record with the load balancer's own addresses, which change over time.
    const elb = await startDnsServer('elb.example.net');
    try {
      elb.setRecords('primary-lb.elb.example.net', 'A', ['192.0.2.31', '192.0.2.32']);
      elb.setRecords('secondary-lb.elb.example.net', 'A', ['198.51.100.41', '198.51.100.42']);
      both(RECORD, 'A', ['192.0.2.32', '192.0.2.33']); // a node the target's own answer rotated out
      const spec = specFor([east, west], {
        members: { primary: [], secondary: [] },
        aliasTargets: { primary: ['Primary-LB.elb.example.net.'], secondary: ['secondary-lb.elb.example.net'] },
        aliasResolvers: [elb.address],
      });
      // Act
      const before = await runDnsProbe(spec);
      both(RECORD, 'A', ['198.51.100.42', '198.51.100.41']);
      const after = await runDnsProbe(spec);
      // Assert
      expect(before).toMatchObject({
        pointsTo: 'primary',
        aliasAddresses: { primary: ['192.0.2.31', '192.0.2.32'], secondary: ['198.51.100.41', '198.51.100.42'] },
      });
      expect(before.aliasErrors).toBeUndefined();
      expect(after.pointsTo).toBe('secondary');
    } finally {
      await elb.close();
    }
  });

  it("says so when an alias target cannot be resolved, rather than calling the answer nobody's", async () => {
    // Arrange
    const elb = await startDnsServer('elb.example.net');
    try {
      elb.setRecords('primary-lb.elb.example.net', 'A', ['192.0.2.31']);
      both(RECORD, 'A', ['198.51.100.41']);
      const spec = specFor([east], {
        members: { primary: [], secondary: [] },
        aliasTargets: { primary: ['primary-lb.elb.example.net'], secondary: ['gone-lb.elb.example.net'] },
        aliasResolvers: [elb.address],
      });
      // Act
      const result = await runDnsProbe(spec);
      // Assert
      expect(result.aliasErrors).toEqual([
        expect.stringMatching(/^alias target gone-lb\.elb\.example\.net \(secondary\): /),
      ]);
      expect(result.warnings).toContain(`${result.aliasErrors?.[0]}: which member answers cannot be told for certain`);
      expect(result.pointsTo).toBe('unknown');
    } finally {
      await elb.close();
    }
  });

  it('refuses a spec that lists one value for both members', async () => {
    // Arrange
    const spec = specFor([east], { members: { primary: ['192.0.2.10'], secondary: ['192.0.2.10'] } });
    // Act
    const run = runDnsProbe(spec);
    // Assert
    await expect(run).rejects.toBeInstanceOf(DnsProbeError);
    expect(east.queries).toEqual([]);
  });

  it('takes startedAt and latencies from the injected clock', async () => {
    // Arrange
    both(RECORD, 'A', PRIMARY);
    const now = Date.parse('2025-06-12T14:03:00.000Z');
    // Act
    const result = await runDnsProbe(specFor([east]), { now: () => now });
    // Assert
    expect(result.startedAt).toBe('2025-06-12T14:03:00.000Z');
    expect(result.latencyMs).toBe(0);
    expect(result.dns[0]?.latencyMs).toBe(0);
  });
});

describe('convergence', () => {
  it('measures from the first split result to the first result where every resolver agrees, from real probe results', async () => {
    // Arrange: a flip reaches east first, west 45 s later
    const at = { t: Date.parse('2025-06-12T14:00:00.000Z') };
    const probe = () => runDnsProbe(specFor([east, west]), { now: () => at.t });
    both(RECORD, 'A', PRIMARY);
    const results: DnsProbeResult[] = [await probe()];
    east.setRecords(RECORD, 'A', SECONDARY);
    at.t += 30_000;
    results.push(await probe());
    at.t += 30_000;
    results.push(await probe());
    west.setRecords(RECORD, 'A', SECONDARY);
    at.t += 15_000;
    results.push(await probe());
    // Act
    const ms = convergence(results.map((r) => ({ at: r.startedAt, pointsTo: r.pointsTo })));
    // Assert
    expect(results.map((r) => r.pointsTo)).toEqual(['primary', 'split', 'split', 'secondary']);
    expect(ms).toBe(45_000);
  });

  it('is null while resolvers are still split', () => {
    // Arrange
    const history = [
      { at: '2025-06-12T14:00:00.000Z', pointsTo: 'primary' },
      { at: '2025-06-12T14:00:30.000Z', pointsTo: 'split' },
      { at: '2025-06-12T14:01:00.000Z', pointsTo: 'split' },
    ];
    // Act
    const ms = convergence(history);
    // Assert
    expect(ms).toBeNull();
  });

  it('is zero when every resolver flipped between two probes', () => {
    // Arrange
    const history = [
      { at: '2025-06-12T14:00:00.000Z', pointsTo: 'primary' },
      { at: '2025-06-12T14:00:30.000Z', pointsTo: 'secondary' },
    ];
    // Act
    const ms = convergence(history);
    // Assert
    expect(ms).toBe(0);
  });

  it('reports the latest flip, ignores unknown results and a split that healed back, and sorts by time', () => {
    // Arrange: failover converges in 60 s; failback converges in 20 s, with a probe outage (unknown) in between
    const history = [
      { at: '2025-06-12T15:00:40.000Z', pointsTo: 'primary' },
      { at: '2025-06-12T14:00:00.000Z', pointsTo: 'primary' },
      { at: '2025-06-12T14:00:30.000Z', pointsTo: 'split' },
      { at: '2025-06-12T14:01:00.000Z', pointsTo: 'primary' },
      { at: '2025-06-12T14:02:00.000Z', pointsTo: 'split' },
      { at: '2025-06-12T14:03:00.000Z', pointsTo: 'secondary' },
      { at: '2025-06-12T15:00:00.000Z', pointsTo: 'unknown' },
      { at: '2025-06-12T15:00:20.000Z', pointsTo: 'split' },
    ];
    // Act
    const ms = convergence(history);
    // Assert
    expect(ms).toBe(20_000);
  });

  it('is null when the history holds no flip', () => {
    // Arrange
    const history = [
      { at: '2025-06-12T14:00:00.000Z', pointsTo: 'primary' },
      { at: '2025-06-12T14:00:30.000Z', pointsTo: 'primary' },
    ];
    // Act
    const ms = convergence(history);
    // Assert
    expect(ms).toBeNull();
  });

  it('rejects an entry whose time is not a timestamp', () => {
    // Arrange
    const history = [{ at: 'yesterday-ish', pointsTo: 'primary' }];
    // Act
    const run = () => convergence(history);
    // Assert
    expect(run).toThrow(DnsProbeError);
  });
});

describe('detectFailback', () => {
  it('flags Route 53 moving traffic back from secondary to primary, seen by two probes', async () => {
    // Arrange
    both(RECORD, 'A', SECONDARY);
    const before = await runDnsProbe(specFor([east, west]));
    both(RECORD, 'A', PRIMARY);
    // Act
    const after = await runDnsProbe(specFor([east, west]));
    // Assert
    expect([before.pointsTo, after.pointsTo]).toEqual(['secondary', 'primary']);
    expect(detectFailback(before.pointsTo, after.pointsTo)).toBe(true);
  });

  it.each<[PointsTo | undefined, PointsTo]>([
    ['primary', 'secondary'],
    ['primary', 'primary'],
    ['secondary', 'secondary'],
    ['secondary', 'split'],
    ['split', 'primary'],
    ['none', 'primary'],
    [undefined, 'primary'],
  ])('does not flag %s → %s', (previous, current) => {
    // Act
    const flagged = detectFailback(previous, current);
    // Assert
    expect(flagged).toBe(false);
  });
});

describe('local DNS server', () => {
  it('answers a large record set over TCP after a truncated UDP answer', async () => {
    // Arrange: 60 A records do not fit a 512-byte UDP answer
    const many = Array.from({ length: 60 }, (_, i) => `192.0.2.${i + 1}`);
    east.setRecords(RECORD, 'A', many);
    // Act
    const result = await runDnsProbe(specFor([east], { members: { primary: many, secondary: SECONDARY } }));
    // Assert
    expect(result.dns[0]?.answers).toHaveLength(60);
    expect(result.pointsTo).toBe('primary');
    expect(east.queries.map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('answers NODATA for a known name without the asked type, and REFUSED outside its zone', async () => {
    // Arrange
    east.setRecords(RECORD, 'AAAA', ['2001:db8::10']);
    // Act
    const [nodata, outside] = await Promise.all([
      runDnsProbe(specFor([east])),
      runDnsProbe(specFor([east], { recordName: 'api.example.org' })),
    ]);
    // Assert
    expect(nodata.dns[0]).toMatchObject({ member: 'none', negative: 'NODATA' });
    expect(outside.dns[0]).toMatchObject({ member: 'unknown', error: 'resolver refused the query (REFUSED)' });
  });

  it('removes records set to an empty list', async () => {
    // Arrange
    east.setRecords(RECORD, 'A', PRIMARY);
    east.setRecords(RECORD, 'A', []);
    // Act
    const result = await runDnsProbe(specFor([east]));
    // Assert
    expect(result.dns[0]).toMatchObject({ member: 'none', negative: 'NXDOMAIN' });
  });

  it('refuses records outside its zone or of the wrong form', () => {
    // Act
    const outside = () => east.setRecords('api.example.org', 'A', PRIMARY);
    const notIpv4 = () => east.setRecords(RECORD, 'A', ['2001:db8::10']);
    // Assert
    expect(outside).toThrow(LocalDnsServerError);
    expect(notIpv4).toThrow(LocalDnsServerError);
  });
});
