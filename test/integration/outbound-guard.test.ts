// Every outbound request (Slack, PagerDuty, notify webhooks, promotion webhook hooks) goes through the SSRF guard the
// probes use: each channel's own allowPrivateTargets, and the address checked is the address connected to.
import { Resolver } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDnsServer, type LocalDnsServer } from '../../local/dns-server.js';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import { parseConfig } from '../../shared/config/schema.js';
import type { Resolve } from '../../shared/net/guard.js';
import { buildChannels } from '../../shared/notify/channels/index.js';
import { regionalHookClients } from '../../shared/promote/hooks/clients.js';
import { makeHook } from '../../shared/promote/hooks/index.js';
import { HookError } from '../../shared/promote/hooks/types.js';
import { failedOverNotification } from '../helpers/notification.js';
import { answering } from '../helpers/resolver.js';

const ROUTING_KEY = 'pd-routing-key-0123456789abcdef';
const SECRET = 'whsec-0123456789abcdef0123456789';
const ZONE = 'outbound.test';

/** What became of one request: sent, or not and why (`permanent`: no retry will change it). */
interface Outcome {
  sent: boolean;
  permanent: boolean;
  reason: string;
}

/** A resolver that asks the local DNS server (a real DNS peer on 127.0.0.1). */
const viaDns = (server: LocalDnsServer): Resolve => {
  const resolver = new Resolver();
  resolver.setServers([server.address]);
  return async (hostname) => (await resolver.resolve4(hostname)).map((address) => ({ address, family: 4 }));
};

/** Sends the FAILED_OVER notification on the one channel `notify` configures, built as the notify function builds it. */
const viaChannel = async (notify: Record<string, unknown>, resolve?: Resolve): Promise<Outcome> => {
  const config = parseConfig({ version: 1, notify }, 'test config');
  const [channel] = buildChannels(config, resolve ? { resolve } : {});
  if (!channel) throw new Error('no channel configured');
  const result = await channel.send(failedOverNotification, new AbortController().signal);
  return result.status === 'sent'
    ? { sent: true, permanent: false, reason: '' }
    : { sent: false, permanent: result.status === 'permanent', reason: result.reason };
};

/** Runs a promotion webhook hook; its HookError becomes the outcome (`webhook ` dropped from the message). */
const viaHook = async (url: string, allowPrivateTargets: boolean, resolve?: Resolve): Promise<Outcome> => {
  const hook = makeHook({ type: 'webhook', url, secret: SECRET, allowPrivateTargets }, regionalHookClients(), {
    sleep: async () => {},
    ...(resolve ? { resolve } : {}),
  });
  try {
    await hook.execute({ promotionId: 'orders-api#12', group: 'orders-api', episode: 12, reason: 'outage', event: {} });
    return { sent: true, permanent: false, reason: '' };
  } catch (err) {
    if (!(err instanceof HookError)) throw err;
    return { sent: false, permanent: !err.retryable, reason: err.message.replace(/^webhook /, '') };
  }
};

type Sender = (url: string, allowPrivateTargets: boolean, resolve?: Resolve) => Promise<Outcome>;
const SENDERS: [string, Sender][] = [
  ['slack', (url, allow, resolve) => viaChannel({ slack: { webhookUrl: url, allowPrivateTargets: allow } }, resolve)],
  [
    'pagerduty',
    (url, allow, resolve) =>
      viaChannel({ pagerduty: { routingKey: ROUTING_KEY, eventsUrl: url, allowPrivateTargets: allow } }, resolve),
  ],
  [
    'notify webhook',
    (url, allow, resolve) =>
      viaChannel({ webhooks: [{ name: 'ops', url, secret: SECRET, allowPrivateTargets: allow }] }, resolve),
  ],
  ['promotion webhook hook', viaHook],
];

let rx: Receiver;
let dns: LocalDnsServer;
beforeAll(async () => {
  dns = await startDnsServer(ZONE);
  dns.setRecords(`loopback.${ZONE}`, 'A', ['127.0.0.1']);
});
afterAll(async () => dns.close());
beforeEach(async () => {
  rx = await startReceiver(() => ({ status: 200, body: 'ok' }));
});
afterEach(async () => rx.close());

const port = () => new URL(rx.url).port;
const LOOPBACK_REASON = 'refused: loopback address 127.0.0.1 (127.0.0.0/8); set allowPrivateTargets to reach it';

describe.each(SENDERS)('%s without allowPrivateTargets', (_name, send) => {
  it('refuses 127.0.0.1 and sends nothing', async () => {
    // Act
    const outcome = await send(`${rx.url}/hook`, false);
    // Assert
    expect(outcome).toEqual({ sent: false, permanent: true, reason: LOOPBACK_REASON });
    expect(rx.requests).toEqual([]);
  });

  it('refuses a 10.x address before connecting', async () => {
    // Act
    const outcome = await send(`http://10.20.30.40:${port()}/hook`, false);
    // Assert
    expect(outcome).toEqual({
      sent: false,
      permanent: true,
      reason: 'refused: private address 10.20.30.40 (RFC 1918 10.0.0.0/8); set allowPrivateTargets to reach it',
    });
  });

  it('refuses instance metadata 169.254.169.254', async () => {
    // Act
    const outcome = await send('http://169.254.169.254/latest/meta-data/iam/security-credentials/', false);
    // Assert
    expect(outcome).toEqual({
      sent: false,
      permanent: true,
      reason: 'refused: link-local address 169.254.169.254 (instance metadata)',
    });
  });

  it('refuses a host name the DNS server resolves to loopback, and sends nothing', async () => {
    // Act
    const outcome = await send(`http://loopback.${ZONE}:${port()}/hook`, false, viaDns(dns));
    // Assert
    expect(outcome).toEqual({ sent: false, permanent: true, reason: LOOPBACK_REASON });
    expect(rx.requests).toEqual([]);
    expect(dns.queries.map((q) => q.name)).toContain(`loopback.${ZONE}`);
  });
});

describe.each(SENDERS)('%s with allowPrivateTargets', (_name, send) => {
  it('reaches a loopback receiver, by address and by a name resolving to it', async () => {
    // Act
    const outcomes = [
      await send(`${rx.url}/by-address`, true),
      await send(`http://loopback.${ZONE}:${port()}/by-name`, true, viaDns(dns)),
    ];
    // Assert
    expect(outcomes.map((o) => o.sent)).toEqual([true, true]);
    expect(rx.requests.map((r) => r.path)).toEqual(['/by-address', '/by-name']);
    expect(rx.requests[1]?.headers.host).toBe(`loopback.${ZONE}:${port()}`);
  });

  it('still refuses instance metadata', async () => {
    // Act
    const outcome = await send('http://169.254.169.254/latest/meta-data/', true);
    // Assert
    expect(outcome).toMatchObject({
      sent: false,
      permanent: true,
      reason: expect.stringMatching(/^refused: link-local/),
    });
  });
});

describe.each(SENDERS)('%s under DNS rebinding', (_name, send) => {
  // A public first answer cannot be served on a test machine, so the allowed first answer is 127.0.0.2 (with
  // allowPrivateTargets) and the forbidden later one is 0.0.0.0, which the guard never allows and which the kernel
  // routes to this host: a connection that looked the name up again would land on the `forbidden` listener.
  let checked: Server;
  let forbidden: Server;
  const hits = { checked: 0, forbidden: 0 };
  const listen = (server: Server, host: string, at: number) =>
    new Promise<void>((done) => server.listen(at, host, () => done()));
  beforeEach(async () => {
    hits.checked = 0;
    hits.forbidden = 0;
    forbidden = createServer((_q, res) => res.end(String(++hits.forbidden)));
    await listen(forbidden, '127.0.0.1', 0);
    const at = (forbidden.address() as { port: number }).port;
    checked = createServer((_q, res) => res.end(String(++hits.checked)));
    await listen(checked, '127.0.0.2', at);
  });
  afterEach(async () => {
    for (const s of [checked, forbidden]) {
      s.closeAllConnections();
      await new Promise((done) => s.close(done));
    }
  });

  it('connects to the address it checked; the next, forbidden answer is refused and never reached', async () => {
    // Arrange
    const at = (forbidden.address() as { port: number }).port;
    const resolve = answering(['127.0.0.2'], ['0.0.0.0']);
    // Act
    const first = await send(`http://rebind.${ZONE}:${at}/hook`, true, resolve);
    const second = await send(`http://rebind.${ZONE}:${at}/hook`, true, resolve);
    // Assert
    expect(first.sent).toBe(true);
    expect(second).toEqual({
      sent: false,
      permanent: true,
      reason: 'refused: unspecified address 0.0.0.0 ("this network" 0.0.0.0/8)',
    });
    expect(hits).toEqual({ checked: 1, forbidden: 0 });
    // One lookup per request: the connection used the checked answer, it never resolved the name again.
    expect(resolve.calls).toEqual([`rebind.${ZONE}`, `rebind.${ZONE}`]);
  });
});
