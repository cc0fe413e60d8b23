import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { parseConfigText } from '../../shared/config/file.js';
import { startDnsServer } from '../../local/dns-server.js';
import { runDnsProbe } from '../../shared/probe/dns-probe.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import { runProbeRound } from '../../shared/probe/runner.js';
import { captureLog, startLocalDynamo } from '../helpers/ledger.js';

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let resolverA: Awaited<ReturnType<typeof startDnsServer>>;
let resolverB: Awaited<ReturnType<typeof startDnsServer>>;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  resolverA = await startDnsServer('example.com');
  resolverB = await startDnsServer('example.com');
});
afterAll(async () => {
  await Promise.all([resolverA.close(), resolverB.close(), dynamo.stop()]);
});

describe('DNS probe in a probe round', () => {
  it('follows the record through a flip: convergence time across resolvers, then Route 53 failing back on its own', async () => {
    const config = parseConfigText(
      `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.example.com.
    primary: { region: us-east-1, healthCheckId: 4dd370d3-b015-4e3f-a866-db054eabfffb, dnsAnswers: [192.0.2.10] }
    secondary: { region: us-west-2, healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4, dnsAnswers: [198.51.100.20] }
probes:
  regions: [us-east-1]
  dnsResolvers: ["127.0.0.1:${resolverA.port}", "127.0.0.1:${resolverB.port}"]
`,
      'test.yml',
    );
    const { table, store } = await dynamo.freshTable();
    let clock = Date.parse('2025-07-01T10:00:00.000Z');
    const deps = {
      config,
      region: 'us-east-1',
      store: new DynamoDbProbeStore(makeDocumentClient(dynamo.client), table),
      ledger: store(),
      log: captureLog(),
      now: () => new Date(clock),
      runners: {
        http: async () => {
          throw new Error('no http probes');
        },
        tcp: async () => {
          throw new Error('no tcp probes');
        },
        dns: (spec: Parameters<typeof runDnsProbe>[0]) => runDnsProbe(spec, { now: () => clock }),
      },
    };
    const round = async (a: string, b: string) => {
      resolverA.setRecords('api.example.com', 'A', [a]);
      resolverB.setRecords('api.example.com', 'A', [b]);
      clock += 10_000;
      return (await runProbeRound(deps)).dns[0];
    };
    expect(await round('192.0.2.10', '192.0.2.10')).toMatchObject({ settled: 'primary', failback: false });
    expect((await round('198.51.100.20', '192.0.2.10'))?.result.pointsTo).toBe('split'); // one resolver already moved
    expect((await round('198.51.100.20', '192.0.2.10'))?.settled).toBeUndefined();
    const moved = await round('198.51.100.20', '198.51.100.20');
    expect(moved).toMatchObject({ settled: 'secondary', previous: 'primary', convergenceSeconds: 20, failback: false });
    const back = await round('192.0.2.10', '192.0.2.10');
    expect(back).toMatchObject({ settled: 'primary', previous: 'secondary', failback: true });
    expect(deps.log.lines.some((l) => l.message.includes('automatic failback'))).toBe(true);
  });
});
