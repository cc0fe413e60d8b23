import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { budgetUntil } from '../../local/pipeline.js';
import { type Receiver, startReceiver } from '../../local/receiver.js';
import { parseConfigText } from '../../shared/config/file.js';
import type { FailoverConfig } from '../../shared/config/schema.js';
import { regionalHookClients } from '../../shared/promote/hooks/clients.js';
import { makeHook } from '../../shared/promote/hooks/index.js';
import { captureLog, startLocalDynamo } from '../helpers/ledger.js';
import { groupYaml, PROBED, promoterWorld, t } from '../helpers/promoter.js';

// Every hook call is bounded by what is left of the run's budget: a call that cannot finish in time is a failed
// attempt, retried by later passes after a backoff, and PROMOTION_FAILED after maxAttempts. Groups run side by side.

const SECRET = 'promote-secret-0123456789';
const SLOW_HC = { primary: '11111111-2222-3333-4444-555555555555', secondary: '66666666-7777-8888-9999-000000000000' };
const FAST_HC = { primary: 'aaaaaaaa-2222-3333-4444-555555555555', secondary: 'bbbbbbbb-7777-8888-9999-000000000000' };

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
const peers: { close: () => Promise<void> }[] = [];
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});
afterAll(async () => dynamo.stop());

const webhookPromotion = (url: string, extra = '') =>
  `      mode: auto\n      holdDownSeconds: 0\n${extra}      hooks:\n        - { type: webhook, url: "${url}/promote", secret: "${SECRET}", allowPrivateTargets: true }`;
/** The real webhook hook of `group` (signed, SSRF-guarded POST), as the Lambda and the CLI build it. */
const webhookOf = (config: FailoverConfig) => (group: string) => {
  const hook = config.groups[group]?.promotion?.hooks[0];
  if (!hook) throw new Error(`no hook for ${group}`);
  return makeHook(hook, regionalHookClients());
};
/** A run with `ms` left: what the Lambda's remaining time less its margin, or `--budget`, gives one pass. */
const budget = (ms: number) => ({ budgetMs: budgetUntil(Date.now() + ms) });

describe('bounded promotion hooks', () => {
  it('a webhook answering 503 Retry-After: 30 is cut at the budget, retried with backoff, then FAILED after maxAttempts', async () => {
    const hookPeer: Receiver = await startReceiver(() => ({ status: 503, headers: { 'retry-after': '30' } }));
    peers.push(hookPeer);
    const config = parseConfigText(
      `version: 1\ngroups:\n${groupYaml('orders-api', webhookPromotion(hookPeer.url, '      maxAttempts: 3\n'), PROBED)}`,
      'test.yml',
    );
    const log = captureLog();
    const w = await promoterWorld(dynamo, config, webhookOf(config));
    w.deps.log = log;
    await w.probesSay('DOWN');
    await w.record(t('primary', 'ALARM', 'OK', 0));

    await w.at(1, budget(2_500));
    // The hook's own retry (after the 30 s Retry-After) never happened: the call was abandoned at the budget.
    expect(hookPeer.requests).toHaveLength(1);
    const first = await w.deps.store.get('orders-api', 1);
    expect(first).toMatchObject({ status: 'IN_PROGRESS', retryAt: '2025-07-01T10:01:30.000Z' });
    expect(first?.hooks[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(first?.hooks[0]?.detail).toMatch(
      /^attempt 1 of 3 failed: hook 1 \(webhook\) did not finish within the \d+ s left in this run; the next one after 2025-07-01T10:01:30\.000Z$/,
    );
    expect(log.lines.map((l) => l.message)).toContain('promotion hook attempt failed; a later pass retries it');

    await w.at(1, budget(2_500)); // still backing off: nothing is called
    expect(hookPeer.requests).toHaveLength(1);
    await w.at(2, budget(2_500)); // attempt 2; the next waits a minute
    expect(hookPeer.requests).toHaveLength(2);
    expect((await w.deps.store.get('orders-api', 1))?.retryAt).toBe('2025-07-01T10:03:00.000Z');
    await w.at(3, budget(2_500)); // attempt 3, the last
    expect(hookPeer.requests).toHaveLength(3);
    await w.at(9, budget(2_500));
    expect(hookPeer.requests).toHaveLength(3);

    expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_IN_PROGRESS', 'PROMOTION_FAILED']);
    const failed = (await w.promotionSteps()).find((e) => e.event === 'PROMOTION_FAILED');
    expect(failed?.reason).toMatch(
      /^hook 1 \(webhook\) failed 3 times \(the limit is 3\); the last attempt: hook 1 \(webhook\) did not finish within the \d+ s left in this run\. Later hooks were not called; check the database and act by hand\.$/,
    );
    expect((await w.deps.store.get('orders-api', 1))?.hooks[0]).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it("one group's hook that never answers does not delay another group's promotion", async () => {
    const order: string[] = [];
    // Accepts the request and never answers; notes when the promoter gives up on it (the connection closes).
    const silent: Server = createServer((req) => {
      order.push('slow: request');
      req.socket.once('close', () => order.push('slow: abandoned'));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    peers.push({
      close: () =>
        new Promise<void>((resolve) => {
          silent.closeAllConnections();
          silent.close(() => resolve());
        }),
    });
    const fast = await startReceiver(() => {
      order.push('fast: request');
      return { status: 200, body: '{"ok":true}' };
    });
    peers.push(fast);
    const slowUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    // The slow group comes first in the config: a pass that took groups one after another would call it first and
    // wait for it to be abandoned before calling the fast group's hook.
    const config = parseConfigText(
      `version: 1\ngroups:\n${groupYaml('slow-api', webhookPromotion(slowUrl), PROBED, SLOW_HC)}${groupYaml('fast-api', webhookPromotion(fast.url), PROBED, FAST_HC)}`,
      'test.yml',
    );
    const w = await promoterWorld(dynamo, config, webhookOf(config));
    await w.probesSay('DOWN', 'slow-api');
    await w.probesSay('DOWN', 'fast-api');
    await w.record(t('primary', 'ALARM', 'OK', 0, 'slow-api', SLOW_HC));
    await w.record(t('primary', 'ALARM', 'OK', 0, 'fast-api', FAST_HC));

    await w.at(1, budget(2_500));

    expect(order).toContain('slow: abandoned');
    expect(order.indexOf('fast: request')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('fast: request')).toBeLessThan(order.indexOf('slow: abandoned'));
    expect((await w.promotionSteps('fast-api')).map((e) => e.event)).toEqual([
      'PROMOTION_REQUESTED',
      'PROMOTION_IN_PROGRESS',
      'PROMOTION_SUCCEEDED',
    ]);
    expect((await w.deps.store.get('slow-api', 1))?.hooks[0]).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('with too little time left nothing is started, and nothing is counted: the next pass decides', async () => {
    const hookPeer = await startReceiver(() => ({ status: 200 }));
    peers.push(hookPeer);
    const config = parseConfigText(
      `version: 1\ngroups:\n${groupYaml('orders-api', webhookPromotion(hookPeer.url), PROBED)}`,
      'test.yml',
    );
    const w = await promoterWorld(dynamo, config, webhookOf(config));
    await w.probesSay('DOWN');
    await w.record(t('primary', 'ALARM', 'OK', 0));
    await w.at(1, { budgetMs: () => 500 });
    expect(hookPeer.requests).toHaveLength(0);
    expect((await w.deps.store.get('orders-api', 1))?.status).toBe('REQUESTED');
    await w.at(2, budget(5_000));
    expect(hookPeer.requests).toHaveLength(1);
    expect(w.steps).toEqual(['PROMOTION_REQUESTED', 'PROMOTION_IN_PROGRESS', 'PROMOTION_SUCCEEDED']);
  });
});
