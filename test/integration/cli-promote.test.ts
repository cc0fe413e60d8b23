import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSignedWith, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { eventBridgeEvent, snsEvent, type SampleTransition } from '../../local/sample-events.js';
import { PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { cliIn } from '../helpers/cli.js';
import { type MotoServer, motoClientConfig, motoSkipReason, startMoto } from '../helpers/moto.js';

const SECRET = 'promote-secret-0123456789';
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const cli = cliIn({ env: { USER: 'tester' }, now: () => new Date('2025-07-01T10:06:00.000Z') });

/** failover.yml with one group promoted by a webhook hook (answering `reply`), plus `promotion` settings and top-level `extra`. */
const setup = async (
  mode: string,
  opts: { promotion?: string; extra?: string; reply?: Parameters<typeof startReceiver>[0] } = {},
) => {
  const hook = await startReceiver(opts.reply ?? (() => ({ status: 200, body: '{"ok":true}' })));
  receivers.push(hook);
  const cwd = mkdtempSync(join(tmpdir(), 'r53f-cli-promote-'));
  writeFileSync(
    join(cwd, 'failover.yml'),
    `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.orders.example.com.
    primary: { region: us-east-1, healthCheckId: ${PRIMARY_HC} }
    secondary: { region: us-west-2, healthCheckId: ${SECONDARY_HC} }
    promotion:
      mode: ${mode}
      holdDownSeconds: 120
${opts.promotion ?? ''}      hooks:
        - { type: webhook, url: "${hook.url}/promote", secret: "${SECRET}", allowPrivateTargets: true }
${opts.extra ?? ''}`,
  );
  return { hook, cwd };
};
const at = (m: number) => new Date(Date.UTC(2025, 6, 1, 10, m)).toISOString();
const t = (
  role: 'primary' | 'secondary',
  state: SampleTransition['state'],
  prev: SampleTransition['state'],
  m: number,
): SampleTransition => ({
  alarmName: `a-${role}`,
  healthCheckId: role === 'primary' ? PRIMARY_HC : SECONDARY_HC,
  state,
  previousState: prev,
  at: at(m),
});
const files = (cwd: string, events: unknown[]) =>
  events.map((e, i) => {
    const f = join(cwd, `${i}.json`);
    writeFileSync(f, JSON.stringify(e));
    return f;
  });

/** The primary fails at 10:00; an event at 10:03 makes ingest run the decision due after the 120 s hold-down. */
const failedOverThenDecided = (cwd: string) =>
  cli(
    cwd,
    'ingest',
    '--no-notify',
    ...files(cwd, [
      eventBridgeEvent(t('primary', 'ALARM', 'OK', 0)),
      eventBridgeEvent(t('secondary', 'OK', 'INSUFFICIENT_DATA', 3)),
    ]),
  );

describe('ingest runs the promotion pipeline; promote approve/show/list', () => {
  it('approve: waits, an operator approves, the actor is in the lifecycle; --no-promote records only', async () => {
    const { hook, cwd } = await setup('approve');
    await cli(
      cwd,
      'ingest',
      ...files(cwd, [
        eventBridgeEvent(t('primary', 'ALARM', 'OK', 0)),
        eventBridgeEvent(t('secondary', 'INSUFFICIENT_DATA', 'OK', 3)),
      ]),
    );
    expect(hook.requests).toHaveLength(0);
    const list = await cli(cwd, 'promote', 'list');
    expect(list.out).toMatch(/^orders-api#1\s+AWAITING_APPROVAL/m);
    const st = JSON.parse((await cli(cwd, 'status', '--json')).out) as {
      groups: { promotion?: { id: string; status: string } }[];
    };
    expect(st.groups[0]?.promotion).toMatchObject({ id: 'orders-api#1', status: 'AWAITING_APPROVAL' });
    const approved = await cli(cwd, 'promote', 'approve', 'orders-api#1', '--actor', 'alice');
    expect(approved.code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    const again = await cli(cwd, 'promote', 'approve', 'orders-api#1');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/is SUCCEEDED, not awaiting approval/);
    const show = await cli(cwd, 'promote', 'show', 'orders-api#1');
    expect(show.out).toMatch(/PROMOTION_AWAITING_APPROVAL\s+by r53-failover/);
    expect(show.out).toMatch(/PROMOTION_IN_PROGRESS\s+by alice/);
    expect(show.out).toMatch(/PROMOTION_SUCCEEDED/);
  });

  it('approve --record-only records the approver and calls nothing; the scheduled pass then runs it as them', async () => {
    const { hook, cwd } = await setup('approve');
    await failedOverThenDecided(cwd);
    const approved = await cli(
      cwd,
      'promote',
      'approve',
      'orders-api#1',
      '--record-only',
      '--actor',
      'bob',
      '--no-notify',
    );
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(
      /^orders-api#1\s+APPROVED by bob: approved; the promote-replica function runs it on its next every-minute pass/,
    );
    expect(hook.requests).toHaveLength(0);
    expect((await cli(cwd, 'promote', 'list')).out).toMatch(/^orders-api#1\s+APPROVED/m);
    // What the deployed function does every minute (here: the same pass, run by `promote check`).
    expect((await cli(cwd, 'promote', 'check', '--no-notify')).code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect((await cli(cwd, 'promote', 'show', 'orders-api#1')).out).toMatch(/PROMOTION_IN_PROGRESS\s+by bob/);
    const misuse = await cli(cwd, 'promote', 'reject', 'orders-api#1', '--record-only');
    expect(misuse.code).toBe(2);
    expect(misuse.err).toMatch(/--record-only applies to approve only/);
  });

  it('reject records the operator and calls nothing; dry-run explains what would happen', async () => {
    const { hook, cwd } = await setup('approve');
    await failedOverThenDecided(cwd);
    const plan = await cli(cwd, 'promote', 'dry-run', '--group', 'orders-api');
    expect(plan.out).toMatch(/orders-api: would promote \(mode approve\) by calling:/);
    expect((await cli(cwd, 'promote', 'reject', 'orders-api#1')).code).toBe(0);
    expect(hook.requests).toHaveLength(0);
    expect((await cli(cwd, 'promote', 'show', 'orders-api#1')).out).toMatch(
      /PROMOTION_SKIPPED\s+by tester\s+rejected by tester/,
    );
  });

  it('--budget bounds the hook call: a webhook answering 503 Retry-After: 30 is a failed attempt, FAILED and notified after maxAttempts', async () => {
    const slack = await startReceiver(() => ({ status: 200, body: 'ok' }));
    receivers.push(slack);
    const { hook, cwd } = await setup('approve', {
      promotion: '      maxAttempts: 2\n',
      extra: `notify:\n  slack: { webhookUrl: "${slack.url}/services/T/B/X", allowPrivateTargets: true }\n`,
      reply: () => ({ status: 503, headers: { 'retry-after': '30' } }),
    });
    await failedOverThenDecided(cwd);
    // The webhook would retry after 30 s; with 2 s the call is abandoned after its first request and recorded.
    const approved = await cli(cwd, 'promote', 'approve', 'orders-api#1', '--budget', '2', '--no-notify');
    expect(approved.code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect((await cli(cwd, 'promote', 'list')).out).toMatch(
      /^orders-api#1\s+IN_PROGRESS .*hooks: pending \(1 attempt\) {2}next attempt after 2025-07-01T10:06:30\.000Z$/m,
    );
    // Backing off: a check before the next attempt's time calls nothing.
    await cli(cwd, 'promote', 'check', '--budget', '2', '--no-notify', '--at', '2025-07-01T10:06:10Z');
    expect(hook.requests).toHaveLength(1);
    const last = await cli(cwd, 'promote', 'check', '--budget', '2', '--at', '2025-07-01T10:07:00Z');
    expect(last.code).toBe(0);
    expect(hook.requests).toHaveLength(2);
    expect(last.out).toMatch(
      /^orders-api#1 {2}PROMOTION_FAILED {2}hook 1 \(webhook\) failed 2 times \(the limit is 2\); the last attempt: hook 1 \(webhook\) did not finish within the \d+ s left in this run\./m,
    );
    expect(slack.requests.map((r) => JSON.stringify(r.json))).toEqual([expect.stringContaining('PROMOTION FAILED')]);
  });

  it('--budget must be a positive number of seconds, for check and approve only', async () => {
    const { cwd } = await setup('approve');
    const zero = await cli(cwd, 'promote', 'check', '--budget', '0');
    expect(zero.code).toBe(2);
    expect(zero.err).toMatch(/promote: --budget: expected seconds between 0 and 3600 \(like 50\), got "0"/);
    const list = await cli(cwd, 'promote', 'list', '--budget', '5');
    expect(list.code).toBe(2);
    expect(list.err).toMatch(/promote list: --budget applies to check and approve only/);
  });

  it('--no-promote leaves promotions alone', async () => {
    const { hook, cwd } = await setup('auto');
    await cli(
      cwd,
      'ingest',
      '--no-promote',
      ...files(cwd, [
        eventBridgeEvent(t('primary', 'ALARM', 'OK', 0)),
        eventBridgeEvent(t('secondary', 'OK', 'INSUFFICIENT_DATA', 5)),
      ]),
    );
    expect(hook.requests).toHaveLength(0);
    expect((await cli(cwd, 'promote', 'list')).out).toBe('no promotions recorded');
  });
});

const skipReason = motoSkipReason();

/**
 * Mode auto without probes, as an operator's CLI runs it: the us-east-1 CloudWatch client comes from the SDK's
 * standard endpoint variables (here AWS_ENDPOINT_URL_CLOUDWATCH, pointing at moto_server).
 */
describe.skipIf(Boolean(skipReason))('mode auto corroborated by HealthCheckStatus (moto_server)', () => {
  let moto: MotoServer;
  const saved = { ...process.env };
  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDWATCH: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });
  afterEach(async () => moto.reset());
  /** The primary's HealthCheckStatus at 10:02:30, as Route 53 would publish it. */
  const publish = async (value: number) => {
    const cw = new CloudWatchClient(motoClientConfig(moto));
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Route53',
        MetricData: [
          {
            MetricName: 'HealthCheckStatus',
            Dimensions: [{ Name: 'HealthCheckId', Value: PRIMARY_HC }],
            Value: value,
            Timestamp: new Date(Date.UTC(2025, 6, 1, 10, 2, 30)),
          },
        ],
      }),
    );
    cw.destroy();
  };

  it('auto: promotes once after the hold-down when CloudWatch confirms the primary is down, with a signed webhook, never on a duplicate', async () => {
    const { hook, cwd } = await setup('auto');
    await publish(0);
    const down = t('primary', 'ALARM', 'OK', 0);
    await cli(
      cwd,
      'ingest',
      ...files(cwd, [
        eventBridgeEvent(down),
        snsEvent(down),
        eventBridgeEvent(t('secondary', 'INSUFFICIENT_DATA', 'OK', 1)),
      ]),
    );
    expect(hook.requests).toHaveLength(0); // still within the hold-down at 10:01
    await cli(cwd, 'ingest', ...files(cwd, [eventBridgeEvent(t('secondary', 'OK', 'INSUFFICIENT_DATA', 3))]));
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0];
    expect(req?.json).toMatchObject({
      type: 'r53-failover.promotion',
      promotionId: 'orders-api#1',
      group: 'orders-api',
      reason: 'outage',
    });
    expect(isSignedWith(req, SECRET)).toBe(true);
    const hist = JSON.parse((await cli(cwd, 'history', '--json', '--order', 'asc')).out) as {
      items: { event: string; kind: string }[];
    };
    expect(hist.items.filter((i) => i.kind === 'promotion').map((i) => i.event)).toEqual([
      'PROMOTION_REQUESTED',
      'PROMOTION_IN_PROGRESS',
      'PROMOTION_SUCCEEDED',
    ]);
  });

  it('a forged FAILED_OVER (the health check reads healthy in CloudWatch): promote check calls nothing', async () => {
    const { hook, cwd } = await setup('auto');
    await publish(1);
    await cli(cwd, 'ingest', '--no-notify', ...files(cwd, [eventBridgeEvent(t('primary', 'ALARM', 'OK', 0))]));
    const check = await cli(cwd, 'promote', 'check', '--no-notify', '--at', at(3));
    expect(check.code).toBe(0);
    expect(check.out).toMatch(
      new RegExp(
        `^orders-api#1  PROMOTION_SKIPPED  HealthCheckStatus of ${PRIMARY_HC} reads healthy: the event may be forged or stale`,
      ),
    );
    expect(hook.requests).toHaveLength(0);
  });
});
