import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import { eventBridgeEvent, snsEvent, type SampleTransition } from '../../local/sample-events.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { cliIn } from '../helpers/cli.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const cli = cliIn({ now: () => new Date('2025-07-01T12:00:00.000Z') });

/** A workspace whose failover.yml sends Slack to `slack` (and nothing else). */
const workspace = (slack: Receiver) => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-cli-notify-'));
  writeFileSync(
    join(dir, 'failover.yml'),
    `${FIXTURE_CONFIG_YAML}notify:\n  slack: { webhookUrl: "${slack.url}/services/T/B/X", allowPrivateTargets: true }\n`,
  );
  return dir;
};

const at = (m: number) => new Date(Date.UTC(2025, 6, 1, 10, m)).toISOString();
const p = (
  state: SampleTransition['state'],
  prev: SampleTransition['state'],
  when: string,
  reason?: string,
): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  healthCheckId: PRIMARY_HC,
  state,
  previousState: prev,
  at: when,
  ...(reason ? { reason } : {}),
});
const s = (state: SampleTransition['state'], prev: SampleTransition['state'], when: string): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-secondary-health',
  healthCheckId: SECONDARY_HC,
  state,
  previousState: prev,
  at: when,
});

const writeEvents = (dir: string, events: unknown[]) =>
  events.map((e, i) => {
    const f = join(dir, `${String(i).padStart(2, '0')}.json`);
    writeFileSync(f, JSON.stringify(e));
    return f;
  });
const headerOf = (r: Receiver) =>
  r.requests.map((q) => (q.json as { blocks: { text: { text: string } }[] }).blocks[0]?.text.text);

describe('r53-failover ingest notifies; notify --status/--redrive', () => {
  it('delivers one escaped Slack message per distinct group event across duplicates, a flap and a hostile reason', async () => {
    const slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
    receivers.push(slack);
    const dir = workspace(slack);
    const down = p('ALARM', 'OK', at(0), '<!here> db is gone <https://evil.example|fix>');
    const files = writeEvents(dir, [
      eventBridgeEvent(down),
      snsEvent(down), // one transition, two paths
      eventBridgeEvent(s('ALARM', 'OK', at(1))), // both down
      eventBridgeEvent(s('OK', 'ALARM', at(2))), // back to failed over: 3rd transition in 10 min → flapping
      eventBridgeEvent(p('OK', 'ALARM', at(3))), // held back
      eventBridgeEvent(p('ALARM', 'OK', at(30))), // after the hold time: summary, then a fresh failover
    ]);
    const res = await cli(dir, 'ingest', '--json', ...files);
    expect(res.code).toBe(0);
    expect(headerOf(slack)).toEqual([
      ':rotating_light: FAILED OVER: orders-api now served from us-west-2 (secondary)',
      ':rotating_light: BOTH UNHEALTHY: orders-api failing in us-east-1 and us-west-2',
      ':warning: FLAPPING: orders-api changed state 3 times in 10 min',
      ':information_source: FLAPPING ENDED: orders-api stable for 10 min; DNS serves the primary (us-east-1)',
      ':rotating_light: FAILED OVER: orders-api now served from us-west-2 (secondary)',
    ]);
    expect(slack.requests[0]?.body).not.toContain('<!here>');
    expect(slack.requests[0]?.body).not.toContain('<https://evil');
    const rows = (
      JSON.parse(res.out) as { results: { notifications?: { result: string; channels: Record<string, string> }[] }[] }
    ).results;
    expect(rows[0]?.notifications).toMatchObject([{ result: 'delivered', channels: { slack: 'sent' } }]);
    expect(rows[1]?.notifications).toBeUndefined();
    expect(rows[4]?.notifications).toMatchObject([{ result: 'suppressed' }]);
  });

  it('ends with every message delivered once when the receiver answers 429 and 500 first', async () => {
    const slack = await startReceiver((_, i) =>
      i % 3 === 0
        ? { status: 429, headers: { 'retry-after': '1' } }
        : i % 3 === 1
          ? { status: 500 }
          : { status: 200, body: 'ok' },
    );
    receivers.push(slack);
    const dir = workspace(slack);
    const files = writeEvents(dir, [
      eventBridgeEvent(p('ALARM', 'OK', at(0))),
      eventBridgeEvent(p('OK', 'ALARM', at(20))),
    ]);
    expect((await cli(dir, 'ingest', ...files)).code).toBe(0);
    const delivered = slack.requests
      .filter((_, i) => i % 3 === 2)
      .map((r) => (r.json as { blocks: { text: { text: string } }[] }).blocks[0]?.text.text);
    expect(delivered).toEqual([
      ':rotating_light: FAILED OVER: orders-api now served from us-west-2 (secondary)',
      ':information_source: RECOVERED: orders-api back on us-east-1 (primary)',
    ]);
    expect(slack.requests).toHaveLength(6);
    const status = await cli(dir, 'notify', '--status');
    expect(status.code).toBe(0);
    expect(status.out.match(/ sent /g)).toHaveLength(2);
  });

  it('leaves a permanently failing channel failed, then --redrive delivers it exactly once', async () => {
    const slack = await startReceiver(() => ({ status: 404, body: 'channel_not_found' }));
    receivers.push(slack);
    const dir = workspace(slack);
    await cli(dir, 'ingest', ...writeEvents(dir, [eventBridgeEvent(p('ALARM', 'OK', at(0)))]));
    const before = await cli(dir, 'notify', '--status');
    expect(before.code).toBe(1);
    expect(before.out).toContain('failed: slack answered 404 channel_not_found');
    slack.respondWith(() => ({ status: 200, body: 'ok' }));
    const redo = await cli(dir, 'notify', '--redrive');
    expect(redo.code).toBe(0);
    expect((await cli(dir, 'notify', '--redrive')).out).toContain('nothing to send');
    expect(slack.requests).toHaveLength(2);
  });

  it('records only, sending nothing, with --no-notify; the events stay unacknowledged for a later redelivery', async () => {
    const slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
    receivers.push(slack);
    const dir = workspace(slack);
    const [file] = writeEvents(dir, [eventBridgeEvent(p('ALARM', 'OK', at(0)))]);
    await cli(dir, 'ingest', '--no-notify', file as string);
    expect(slack.requests).toHaveLength(0);
    await cli(dir, 'ingest', file as string); // the same delivery again, now with notifications on
    expect(slack.requests).toHaveLength(1);
  });

  it('sends due reminders with notify --sweep --at, once', async () => {
    const slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
    receivers.push(slack);
    const dir = workspace(slack);
    await cli(dir, 'ingest', ...writeEvents(dir, [eventBridgeEvent(p('ALARM', 'OK', at(0)))]));
    await cli(dir, 'notify', '--sweep', '--at', at(65));
    await cli(dir, 'notify', '--sweep', '--at', at(66));
    expect(headerOf(slack)).toEqual([
      ':rotating_light: FAILED OVER: orders-api now served from us-west-2 (secondary)',
      ':rotating_light: REMINDER: orders-api still failed over to us-west-2 (1 h)',
    ]);
  });

  it.each([
    [['notify']],
    [['notify', '--status', '--redrive']],
    [['notify', '--redrive', '--at', '2025-01-01T00:00:00Z']],
  ])('exits 2 on %j', async (argv) => {
    const slack = await startReceiver();
    receivers.push(slack);
    expect((await cli(workspace(slack), ...argv)).code).toBe(2);
  });
});
