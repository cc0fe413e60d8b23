import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Io } from '../../cli/context.js';
import { flappingSteps } from '../../cli/commands/demo.js';
import { history } from '../../cli/commands/history.js';
import { ingest } from '../../cli/commands/ingest.js';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { receiverPool } from '../helpers/http-receiver.js';

// Alerts worth reading: the demo's flapping group (six transitions in eight minutes) with a database promotion
// configured, replayed through the local pipeline as the demo replays it, onto a loopback Slack receiver.

const INVENTORY_PRIMARY = '0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b';
const ORDERS_PRIMARY = '4dd370d3-b015-4e3f-a866-db054eabfffb';
const pool = receiverPool();
afterEach(() => pool.closeAll());

const configYaml = (slackUrl: string, promotion: string, events = '') => `version: 1
accountId: "123456789012"
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.example.com.
    primary: { region: us-east-1, healthCheckId: ${ORDERS_PRIMARY} }
    secondary: { region: us-west-2, healthCheckId: 7453f8fa-f3ba-4a8b-980b-d692a846ade4 }
  inventory:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: inventory.example.com.
    primary: { region: eu-west-1, healthCheckId: ${INVENTORY_PRIMARY} }
    secondary: { region: eu-central-1, healthCheckId: 9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d }
${events}    promotion:
      mode: ${promotion}
      hooks:
        - type: rds-replica
          replicaInstanceArn: arn:aws:rds:eu-central-1:123456789012:db:inventory-db-euc1
notify:
  slack: { webhookUrl: "${slackUrl}/services/T000/B000/TEST", allowPrivateTargets: true }
`;

/** A workspace with the config and the demo's flapping steps, then a quiet event of another group at 16:48. */
const workspace = (config: string): { dir: string; files: string[] } => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-flap-'));
  writeFileSync(join(dir, 'failover.yml'), config);
  mkdirSync(join(dir, 'events'));
  const later = eventBridgeEvent({
    alarmName: 'r53-failover-prod-orders-api-primary-health',
    healthCheckId: ORDERS_PRIMARY,
    state: 'OK',
    previousState: 'INSUFFICIENT_DATA',
    at: '2025-06-12T16:48:05.093Z',
  });
  const steps = [...flappingSteps('inventory', INVENTORY_PRIMARY), { file: '30-later.json', payload: later }];
  const files = steps.map((s) => {
    const file = join(dir, 'events', s.file);
    writeFileSync(file, JSON.stringify(s.payload));
    return file;
  });
  return { dir, files };
};

const ioIn = (cwd: string) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, cwd, now: () => new Date() };
  return { io, out, err };
};

/** The demo's way: one ingest per event file, offline (no AWS account), on an embedded ledger. */
const replay = async (config: string) => {
  const slack = await pool.start(() => ({ status: 200, body: 'ok' }));
  const { dir, files } = workspace(config.replace('SLACK', slack.url));
  const { io, out, err } = ioIn(dir);
  for (const file of files) {
    expect(await ingest(['--config', 'failover.yml', '--ledger', 'ledger', file], io, { offline: true })).toBe(0);
  }
  const headers = slack.requests.map(
    (r) => (r.json as { blocks?: { type: string; text?: { text: string } }[] }).blocks?.[0]?.text?.text ?? '',
  );
  out.length = 0;
  await history(['--config', 'failover.yml', '--ledger', 'ledger', '--group', 'inventory', '--json'], io);
  const ledger = (JSON.parse(out.join('\n')) as { items: { event: string }[] }).items.map((e) => e.event);
  return { headers, ledger, err: err.join('\n') };
};

describe('a flapping group with database promotion configured', () => {
  it.each(['approve', 'dry-run', 'auto'])(
    'sends no promotion chatter and at most four Slack messages (mode %s), and records every promotion step',
    async (mode) => {
      // Act
      const r = await replay(configYaml('SLACK', mode));
      // Assert
      const inventory = r.headers.filter((h) => h.includes('inventory'));
      expect(inventory).toEqual([
        ':rotating_light: FAILED OVER: inventory now served from eu-central-1 (secondary)',
        ':information_source: RECOVERED: inventory back on eu-west-1 (primary)',
        ':warning: FLAPPING: inventory changed state 3 times in 10 min',
        ':information_source: FLAPPING ENDED: inventory stable for 10 min; DNS serves the primary (eu-west-1)',
      ]);
      expect(r.headers.filter((h) => h.includes('PROMOT'))).toEqual([]);
      expect(r.ledger.filter((e) => e === 'PROMOTION_REQUESTED')).toHaveLength(3);
      expect(r.ledger.filter((e) => e === 'PROMOTION_SKIPPED')).toHaveLength(3);
      expect(r.err).not.toMatch(/credential|warning/i);
    },
  );

  it('still tells a group that lists PROMOTION_REQUESTED in notify.events about each request and how it ended', async () => {
    // Arrange: inventory opts in to requests
    const events = '    notify:\n      events: [FAILED_OVER, RECOVERED, PROMOTION_REQUESTED, PROMOTION_SKIPPED]\n';
    // Act
    const r = await replay(configYaml('SLACK', 'approve', events));
    // Assert: before the group flaps, the request and its recovery skip are sent; while it flaps, they are folded
    expect(r.headers.filter((h) => h.includes('inventory'))).toEqual([
      ':rotating_light: FAILED OVER: inventory now served from eu-central-1 (secondary)',
      ':warning: PROMOTION REQUESTED: inventory database, decided after the hold-down',
      ':information_source: RECOVERED: inventory back on eu-west-1 (primary)',
      ':warning: PROMOTION SKIPPED: inventory',
      ':warning: FLAPPING: inventory changed state 3 times in 10 min',
      ':information_source: FLAPPING ENDED: inventory stable for 10 min; DNS serves the primary (eu-west-1)',
    ]);
  });
});
