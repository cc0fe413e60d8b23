import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../shared/net/signing.js';
import { webhookChannel } from '../../shared/notify/channels/webhook.js';
import { makeHook } from '../../shared/promote/hooks/index.js';
import { HookError, type HookClients, type HookContext } from '../../shared/promote/hooks/types.js';
import { freePort, type ReceivedRequest, type Receiver, startReceiver } from '../helpers/http-receiver.js';
import { failedOverNotification } from '../helpers/notification.js';

// Every signed webhook also carries the Standard Webhooks headers; the judge is the specification's own npm package.
// Signatures use the real clock: the package checks webhook-timestamp against Date.now() (5 minutes either way).

const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;
/** A plain (non-whsec) secret with non-ASCII characters: its key is its UTF-8 bytes. */
const PLAIN = 'plain-sëcret-ключ-0123456789';

/** What the receiver passes to `new Webhook(...)`: a whsec_ secret as is; a plain one as its UTF-8 bytes, raw. */
const verifierFor = (secret: string): Webhook =>
  secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });

/** The receiver's side: the package's verdict on the raw body and headers (it throws when they do not verify). */
const verifyWithPackage = (secret: string, req: ReceivedRequest | undefined): unknown =>
  verifierFor(secret).verify(req?.body ?? '', req?.headers as Record<string, string>);

const ctx: HookContext = {
  promotionId: 'orders-api#12',
  group: 'orders-api',
  episode: 12,
  reason: 'outage',
  event: { event: 'FAILED_OVER', group: 'orders-api', seq: 12 },
};
const noClients = {} as HookClients; // the webhook hook calls no AWS client

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver(() => ({ status: 204 }));
});
afterEach(() => rx.close());

const notifyWebhook = (secret: string) =>
  webhookChannel({
    name: 'ops',
    url: async () => `${rx.url}/hooks/r53f`,
    secret: async () => secret,
    guard: { allowPrivateTargets: true },
  });

const promotionWebhook = (secret: string, sleeps: number[] = []) =>
  makeHook({ type: 'webhook', url: `${rx.url}/hooks/promote`, secret, allowPrivateTargets: true }, noClients, {
    sleep: async (ms) => void sleeps.push(ms),
  });

describe('Standard Webhooks signatures on notification webhooks', () => {
  it.each([
    ['a whsec_ secret', WHSEC],
    ['a plain secret', PLAIN],
  ])('verify with the standardwebhooks package for %s', async (_label, secret) => {
    // Act
    const result = await notifyWebhook(secret).send(failedOverNotification, new AbortController().signal);
    // Assert
    expect(result.status).toBe('sent');
    const req = rx.requests[0];
    expect(verifyWithPackage(secret, req)).toEqual({
      version: 1,
      type: 'r53-failover.notification',
      notification: failedOverNotification,
    });
    expect(req?.headers['webhook-id']).toBe('orders-api#42#transition');
    expect(req?.headers['webhook-id']).toBe(req?.headers['x-r53f-id']);
    expect(req?.headers['webhook-timestamp']).toBe(req?.headers['x-r53f-timestamp']);
    expect(req?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('keeps X-R53F-Signature as before: keyed with the secret string as configured, whsec_ included', async () => {
    // Act
    await notifyWebhook(WHSEC).send(failedOverNotification, new AbortController().signal);
    // Assert
    const req = rx.requests[0];
    const verified = verifyWebhookSignature({
      secret: WHSEC,
      timestamp: String(req?.headers['x-r53f-timestamp']),
      body: req?.body ?? '',
      signature: String(req?.headers['x-r53f-signature']),
      now: Date.now(),
    });
    expect(verified).toBe(true);
  });

  it('fails verification with another key, a tampered body or a reused signature under another id', async () => {
    // Arrange
    await notifyWebhook(WHSEC).send(failedOverNotification, new AbortController().signal);
    const req = rx.requests[0] as ReceivedRequest;
    const headers = req.headers as Record<string, string>;
    const attempts = {
      otherKey: () => verifierFor(`whsec_${randomBytes(32).toString('base64')}`).verify(req.body, headers),
      plainReadingOfWhsec: () => verifierFor(PLAIN).verify(req.body, headers),
      tampered: () => verifierFor(WHSEC).verify(req.body.replace('FAILED_OVER', 'RECOVERED'), headers),
      otherId: () => verifierFor(WHSEC).verify(req.body, { ...headers, 'webhook-id': 'orders-api#43#transition' }),
    };
    // Act
    const verdicts = Object.entries(attempts).map(([name, attempt]) => {
      try {
        attempt();
        return [name, 'verified'];
      } catch (err) {
        return [name, err instanceof WebhookVerificationError ? 'rejected' : String(err)];
      }
    });
    // Assert
    expect(Object.fromEntries(verdicts)).toEqual({
      otherKey: 'rejected',
      plainReadingOfWhsec: 'rejected',
      tampered: 'rejected',
      otherId: 'rejected',
    });
  });

  it('sends the same webhook-id on every retry of one delivery, each retry signed afresh', async () => {
    // Arrange
    rx.respondWith((_req, i) => ({ status: i === 0 ? 503 : 204 }));
    const channel = notifyWebhook(WHSEC);
    // Act
    const results = [
      await channel.send(failedOverNotification, new AbortController().signal),
      await channel.send(failedOverNotification, new AbortController().signal),
    ];
    // Assert
    expect(results.map((r) => r.status)).toEqual(['retry', 'sent']);
    expect(rx.requests.map((r) => r.headers['webhook-id'])).toEqual([
      'orders-api#42#transition',
      'orders-api#42#transition',
    ]);
    for (const req of rx.requests) expect(verifyWithPackage(WHSEC, req)).toMatchObject({ version: 1 });
  });

  it.each([
    ['not base64', 'whsec_not*base64!'],
    ['shorter than 4 characters', 'whsec_QQ='],
    ['4n+1 characters long', 'whsec_QUJDR'],
  ])('gives up at once, sending nothing, on a whsec_ secret that is %s', async (_label, secret) => {
    // Act
    const result = await notifyWebhook(secret).send(failedOverNotification, new AbortController().signal);
    // Assert
    expect(result).toEqual({
      status: 'permanent',
      reason: expect.stringMatching(/^webhook the signing secret starts with whsec_ but the rest is not base64/),
    });
    expect(JSON.stringify(result)).not.toContain(secret.slice('whsec_'.length));
    expect(rx.requests).toHaveLength(0);
  });
});

describe('Standard Webhooks signatures on promotion webhook hooks', () => {
  it.each([
    ['a whsec_ secret', WHSEC],
    ['a plain secret', PLAIN],
  ])('verify with the standardwebhooks package for %s', async (_label, secret) => {
    // Act
    const result = await promotionWebhook(secret).execute(ctx);
    // Assert
    expect(result.status).toBe('done');
    const req = rx.requests[0];
    expect(verifyWithPackage(secret, req)).toEqual({
      version: 1,
      type: 'r53-failover.promotion',
      promotionId: 'orders-api#12',
      group: 'orders-api',
      episode: 12,
      reason: 'outage',
      event: ctx.event,
    });
    expect(req?.headers['webhook-id']).toBe('orders-api#12');
    expect(req?.headers['x-r53f-id']).toBe('orders-api#12');
  });

  it('sends the promotion id as webhook-id on every attempt after a 503', async () => {
    // Arrange
    rx.respondWith((_req, i) => ({ status: i < 2 ? 503 : 200 }));
    const sleeps: number[] = [];
    // Act
    const result = await promotionWebhook(PLAIN, sleeps).execute(ctx);
    // Assert
    expect(result.status).toBe('done');
    expect(sleeps).toHaveLength(2);
    expect(rx.requests.map((r) => r.headers['webhook-id'])).toEqual([
      'orders-api#12',
      'orders-api#12',
      'orders-api#12',
    ]);
    for (const req of rx.requests)
      expect(verifyWithPackage(PLAIN, req)).toMatchObject({ promotionId: 'orders-api#12' });
  });

  it('fails without retrying, sending nothing, on a malformed whsec_ secret', async () => {
    // Act
    const err = await promotionWebhook('whsec_%%%%')
      .execute(ctx)
      .catch((e: unknown) => e);
    // Assert
    expect(err).toBeInstanceOf(HookError);
    expect((err as HookError).retryable).toBe(false);
    expect((err as HookError).message).toMatch(
      /^webhook the signing secret starts with whsec_ but the rest is not base64/,
    );
    expect(rx.requests).toHaveLength(0);
  });
});

/** The receiver example README.md shows under "A receiver in Node". */
const readmeReceiver = (): string => {
  const readme = readFileSync('README.md', 'utf8');
  const at = readme.indexOf('A receiver in Node with `npm i standardwebhooks`');
  const code = at < 0 ? undefined : /```js\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  if (!code) throw new Error('README.md has no Standard Webhooks receiver example');
  return code;
};

describe("README's Standard Webhooks receiver", () => {
  it('runs as printed: verifies a notification and a promotion, ignores a retry and rejects a forgery', async () => {
    // Arrange: the example as a file inside the repository, so it resolves standardwebhooks from node_modules.
    mkdirSync('node_modules/.cache', { recursive: true });
    const dir = mkdtempSync(join('node_modules', '.cache', 'readme-receiver-'));
    const file = join(dir, 'receiver.mjs');
    writeFileSync(file, readmeReceiver());
    const port = await freePort();
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, R53F_WEBHOOK_SECRET: WHSEC, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const url = `http://127.0.0.1:${port}/r53f`;
    try {
      // Readiness, not timing: an unsigned POST is answered 401 once the example listens.
      for (let i = 0; ; i++) {
        if (child.exitCode !== null) throw new Error(`the README receiver exited: ${stderr}`);
        const status = await fetch(url, { method: 'POST', body: '{}' }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 401) break;
        if (i === 200) throw new Error(`the README receiver did not answer on ${url}: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const channel = (secret: string) =>
        webhookChannel({
          name: 'ops',
          url: async () => url,
          secret: async () => secret,
          guard: { allowPrivateTargets: true },
        });
      const hook = makeHook({ type: 'webhook', url, secret: WHSEC, allowPrivateTargets: true }, noClients);
      // Act
      const results = [
        await channel(WHSEC).send(failedOverNotification, new AbortController().signal),
        await channel(WHSEC).send(failedOverNotification, new AbortController().signal),
        await channel(`whsec_${randomBytes(32).toString('base64')}`).send(
          { ...failedOverNotification, id: 'orders-api#43#transition', title: 'FORGED' },
          new AbortController().signal,
        ),
        (await hook.execute(ctx)).status,
      ];
      child.kill();
      await closed;
      // Assert
      expect(results).toEqual([
        { status: 'sent', info: '204' },
        { status: 'sent', info: '204' },
        { status: 'permanent', reason: 'webhook answered 401' },
        'done',
      ]);
      expect(stdout.trim().split('\n')).toEqual([
        `r53-failover.notification ${failedOverNotification.title}`,
        'r53-failover.promotion orders-api#12',
      ]);
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
