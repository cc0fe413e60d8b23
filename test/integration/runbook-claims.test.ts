import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import { eventBridgeEvent, type SampleTransition } from '../../local/sample-events.js';
import { cliIn } from '../helpers/cli.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC } from '../helpers/events.js';

// What docs/runbooks.md and docs/failure-modes.md say the system does in three tricky cases, shown through the CLI
// on an embedded ledger with a loopback Slack receiver. Each doc section links here; change the behaviour and this
// file fails, change the doc and it should name a test that still passes.

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const T0 = Date.UTC(2025, 6, 1, 10, 0);
const at = (m: number) => new Date(T0 + m * 60_000).toISOString();
const cli = cliIn({ now: () => new Date(T0 + 120 * 60_000) });

const primary = (state: SampleTransition['state'], prev: SampleTransition['state'], m: number): SampleTransition => ({
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  healthCheckId: PRIMARY_HC,
  state,
  previousState: prev,
  at: at(m),
});

const slackReceiver = async (status = () => 200) => {
  const r = await startReceiver(() => ({ status: status(), body: status() === 200 ? 'ok' : 'error' }));
  receivers.push(r);
  return r;
};
const titles = (r: Receiver) =>
  r.requests.map((q) => (q.json as { blocks: { text: { text: string } }[] }).blocks[0]?.text.text ?? '');

const workspace = (slack: Receiver, extra = '', groupExtra = '') => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-runbook-'));
  writeFileSync(
    join(dir, 'failover.yml'),
    `${FIXTURE_CONFIG_YAML}${groupExtra}notify:\n  slack: { webhookUrl: "${slack.url}/services/T/B/X", allowPrivateTargets: true }\n${extra}`,
  );
  return dir;
};
const ingest = async (dir: string, events: SampleTransition[]) => {
  const files = events.map((e, i) => {
    const f = join(dir, `event-${e.at}-${i}.json`);
    writeFileSync(f, JSON.stringify(eventBridgeEvent(e)));
    return f;
  });
  const res = await cli(dir, 'ingest', ...files);
  expect(res.code, res.err).toBe(0);
};

/** An approve-mode promotion whose one hook is a loopback webhook (never called here: nobody approves). */
const promotion = (hook: Receiver, holdDownSeconds = 120) =>
  `    promotion:\n      mode: approve\n      holdDownSeconds: ${holdDownSeconds}\n      hooks:\n        - { type: webhook, url: "${hook.url}/promote", secret: "runbook-claims-secret-0123456789", allowPrivateTargets: true }\n`;

describe('runbooks.md "UNKNOWN / NO DATA": the primary goes ALARM → INSUFFICIENT_DATA while failed over', () => {
  it('status still says SECONDARY, the reminder and the NO DATA notice are sent, the promotion awaits approval', async () => {
    const slack = await slackReceiver();
    const hook = await slackReceiver();
    const dir = workspace(slack, '', promotion(hook));
    await ingest(dir, [primary('ALARM', 'OK', 0), primary('INSUFFICIENT_DATA', 'ALARM', 1)]);
    expect((await cli(dir, 'promote', 'check', '--at', at(3))).code).toBe(0);
    expect((await cli(dir, 'notify', '--sweep', '--at', at(31))).code).toBe(0);

    const status = JSON.parse((await cli(dir, 'status', '--json')).out) as { groups: { serving: string }[] };
    expect(status.groups[0]?.serving).toBe('secondary');
    const sent = titles(slack);
    expect(sent.some((t) => t.includes('REMINDER'))).toBe(true);
    expect(sent.some((t) => t.includes('NO DATA'))).toBe(true);
    const history = (await cli(dir, 'history', '--group', 'orders-api')).out;
    expect(history).toContain('PROMOTION_AWAITING_APPROVAL');
    expect(history).not.toContain('PROMOTION_SKIPPED');
    expect(hook.requests).toHaveLength(0);
  });
});

describe('runbooks.md "FLAPPING": while a group flaps, transitions and promotion decisions are held back', () => {
  it('the approval request is held back while it flaps; the summary names it with the command to approve', async () => {
    const slack = await slackReceiver();
    const hook = await slackReceiver();
    const dir = workspace(slack, '', promotion(hook, 60));
    // FAILED_OVER, RECOVERED, FAILED_OVER (3rd in 10 min: FLAPPING), then down long enough to pass the hold-down.
    await ingest(dir, [primary('ALARM', 'OK', 0), primary('OK', 'ALARM', 1), primary('ALARM', 'OK', 2)]);
    expect((await cli(dir, 'promote', 'check', '--at', at(4))).code).toBe(0);
    const during = titles(slack);
    expect(during.filter((t) => t.includes('FLAPPING'))).toHaveLength(1);
    expect(
      during.some((t) => /APPROV|PROMOT/.test(t)),
      `sent: ${during.join(' | ')}`,
    ).toBe(false);
    expect(during.filter((t) => t.includes('RECOVERED'))).toHaveLength(1); // the one before the flap
    expect((await cli(dir, 'history', '--group', 'orders-api')).out).toContain('PROMOTION_AWAITING_APPROVAL');
    expect((await cli(dir, 'notify', '--status', '--group', 'orders-api')).out).toContain('suppressed');
    // Stable for the hold time: one summary, which carries the folded promotion step and how to approve it.
    expect((await cli(dir, 'notify', '--sweep', '--at', at(16))).code).toBe(0);
    const summary = slack.requests.at(-1)?.body ?? '';
    expect(titles(slack).at(-1)).toContain('FLAPPING ENDED');
    expect(summary).toContain('PROMOTION_AWAITING_APPROVAL');
    expect(summary).toContain('r53-failover promote approve');
  });
});

describe('runbooks.md "UNASSIGNED": its failed deliveries are listed and retried like any group’s', () => {
  it('notify --status lists the failed UNASSIGNED message, and the sweep resends it once Slack is back', async () => {
    let up = false;
    const slack = await slackReceiver(() => (up ? 200 : 503));
    const dir = workspace(slack);
    const stranger: SampleTransition = {
      alarmName: 'r53-failover-prod-legacy-primary-health',
      healthCheckId: '0f0f0f0f-1111-4222-8333-444455556666',
      state: 'ALARM',
      previousState: 'OK',
      at: at(0),
    };
    await ingest(dir, [stranger]);
    const before = await cli(dir, 'notify', '--status');
    expect(before.out).toMatch(/unassigned[\s\S]*failed/);
    up = true;
    // The failed attempt was at the CLI's now (T0 + 120 min): the sweep retries it after its backoff.
    const sweep = await cli(dir, 'notify', '--sweep', '--at', at(123), '--json');
    expect(sweep.code, sweep.out + sweep.err).toBe(0);
    expect(titles(slack).at(-1)).toContain('UNASSIGNED');
    const after = await cli(dir, 'notify', '--status', '--group', 'unassigned');
    expect(after.out, after.out).toContain('sent');
    expect(after.out).not.toMatch(/failed/);
  });
});
