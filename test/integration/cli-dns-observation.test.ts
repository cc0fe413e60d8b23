import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type LocalDnsServer } from '../../local/dns-server.js';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { cliIn } from '../helpers/cli.js';
import { dnsFixtureConfigYaml, PRIMARY_HC } from '../helpers/events.js';

const RECORD = 'api.orders.example.com';
const PRIMARY_IP = '192.0.2.10';
const SECONDARY_IP = '198.51.100.20';

let dns: LocalDnsServer;
let slack: Receiver;
beforeAll(async () => {
  dns = await startDnsServer('orders.example.com');
  slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
});
afterAll(async () => {
  await Promise.all([dns.close(), slack.close()]);
});

/** A working directory with a failover.yml whose DNS probe asks the local name server. */
const project = (probes: Record<string, unknown> = {}) => {
  const cwd = mkdtempSync(join(tmpdir(), 'r53f-cli-dns-'));
  const notify = { slack: { webhookUrl: `${slack.url}/services/T/B/X`, allowPrivateTargets: true } };
  writeFileSync(
    join(cwd, 'failover.yml'),
    dnsFixtureConfigYaml(
      { primary: [PRIMARY_IP], secondary: [SECONDARY_IP] },
      { dnsResolvers: [dns.address], ...probes },
      { notify },
    ),
  );
  return cwd;
};

interface Recorded {
  group: string;
  seq: number;
  event: string;
  state: string;
  previousState: string | null;
}

describe('r53-failover probe records what Route 53 answers', () => {
  it('records DNS_SERVING_CHANGED when the answer moves to the secondary, and status shows the observed member', async () => {
    // Arrange
    const cwd = project();
    let clock = Date.parse('2025-07-01T10:00:00.000Z');
    const cli = cliIn({ now: () => new Date(clock) });
    dns.setRecords(RECORD, 'A', [PRIMARY_IP]);
    const first = await cli(cwd, 'probe', '--json');
    // Act
    dns.setRecords(RECORD, 'A', [SECONDARY_IP]);
    clock += 60_000;
    const moved = await cli(cwd, 'probe', '--json');
    const again = await cli(cwd, 'probe', '--json', '--no-notify');
    const status = await cli(cwd, 'status', '--json');
    const human = await cli(cwd, 'status');
    // Assert
    expect(first.code).toBe(0);
    expect((JSON.parse(first.out) as { recorded: Recorded[] }).recorded).toEqual([]); // the baseline is no change
    const out = JSON.parse(moved.out) as { results: { observed?: string | null }[]; recorded: Recorded[] };
    expect(out.results.at(-1)?.observed).toBe('secondary');
    expect(out.recorded).toEqual([
      expect.objectContaining({
        group: 'orders-api',
        seq: 1,
        event: 'DNS_SERVING_CHANGED',
        state: 'secondary',
        previousState: 'primary',
      }),
    ]);
    expect((JSON.parse(again.out) as { recorded: Recorded[] }).recorded).toEqual([]);
    const [group] = (JSON.parse(status.out) as { groups: Record<string, unknown>[] }).groups;
    expect(group).toMatchObject({
      group: 'orders-api',
      serving: 'primary',
      observed: {
        serving: 'secondary',
        at: '2025-07-01T10:01:00.000Z',
        answer: [SECONDARY_IP],
        resolver: dns.address,
      },
    });
    expect(human.out).toContain(
      `observed   DNS answers SECONDARY (differs from the alarms' PRIMARY) since 2025-07-01T10:01:00.000Z: ${SECONDARY_IP} from ${dns.address}`,
    );
    expect(slack.requests.map((r) => String(r.body))).toEqual([
      expect.stringContaining('DNS MOVED: orders-api now answers the secondary (us-west-2)'),
    ]);
  });

  it('records SERVING_MISMATCH exactly once when the alarms failed over and DNS stays on the primary', async () => {
    // Arrange: the primary's alarm goes to ALARM; the record does not use that health check, so DNS never moves
    const cwd = project({ servingMismatchSeconds: 600 });
    const failedAt = '2025-07-01T12:00:00.000Z';
    writeFileSync(
      join(cwd, 'alarm.json'),
      JSON.stringify(
        eventBridgeEvent({
          alarmName: 'r53-failover-orders-api-primary-health',
          healthCheckId: PRIMARY_HC,
          state: 'ALARM',
          previousState: 'OK',
          at: failedAt,
        }),
      ),
    );
    let clock = Date.parse(failedAt) + 30_000;
    const cli = cliIn({ now: () => new Date(clock) });
    dns.setRecords(RECORD, 'A', [PRIMARY_IP]);
    expect((await cli(cwd, 'ingest', 'alarm.json', '--no-notify')).code).toBe(0);
    // Act: a probe run every few minutes
    const events: string[] = [];
    for (const minutes of [1, 5, 9, 11, 12, 30]) {
      clock = Date.parse(failedAt) + minutes * 60_000;
      const res = await cli(cwd, 'probe', '--json', '--no-notify');
      for (const r of (JSON.parse(res.out) as { recorded: Recorded[] }).recorded) events.push(`${minutes} ${r.event}`);
    }
    const history = await cli(cwd, 'history', '--json', '--order', 'asc');
    // Assert: the first observation (1 min) began the mismatch; 600 s later it is reported, once
    expect(events).toEqual(['11 SERVING_MISMATCH']);
    const items = (JSON.parse(history.out) as { items: Record<string, unknown>[] }).items;
    expect(items.map((i) => i.event)).toEqual(['FAILED_OVER', 'SERVING_MISMATCH']);
    expect(items[1]).toMatchObject({
      kind: 'dns',
      state: 'primary',
      serving: 'secondary',
      sources: ['probe:cli'],
      stateChangedAt: '2025-07-01T12:01:00.000Z',
      dns: { mismatch: { alarmServing: 'secondary', since: '2025-07-01T12:01:00.000Z', thresholdSeconds: 600 } },
    });
  });
});
