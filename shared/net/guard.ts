import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { R53FailoverError } from '../support/errors.js';

/**
 * SSRF guard for every request to a user-provided target from a Lambda (probes, Slack, PagerDuty, webhooks, webhook
 * hooks; shared/net/http.ts): every address connected to is resolved once, classified, and handed to the socket as
 * is, so a DNS answer that changes between check and connect (rebinding) cannot redirect the connection to instance
 * metadata, the Lambda runtime API or a private network.
 */

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

export interface AddressClass {
  kind: AddressKind;
  /** E.g. 'link-local address 169.254.169.254 (instance metadata)'. */
  detail: string;
}

export interface GuardOptions {
  allowPrivateTargets: boolean;
  /** `AWS_LAMBDA_RUNTIME_API` (`host:port`), passed in by the caller; 127.0.0.1:9001 is refused either way. */
  runtimeApi?: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (the default is `dns.lookup` with `all: true`). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** The guard refused a target: the message is the classified reason, starting 'refused: '. */
export class TargetRefusedError extends R53FailoverError {
  override readonly name: string = 'TargetRefusedError';
}

type V4Entry = [cidr: string, kind: AddressKind, label: string, range: string];
type V6Entry = [cidr: string, kind: AddressKind | 'embedded-v4', label: string, range: string];

// First match wins, so the single metadata addresses come before the ranges that contain them.
const V4_TABLE: V4Entry[] = [
  ['0.0.0.0/8', 'unspecified', 'unspecified', '"this network" 0.0.0.0/8'],
  ['127.0.0.0/8', 'loopback', 'loopback', '127.0.0.0/8'],
  ['169.254.169.254/32', 'metadata', 'link-local', 'instance metadata'],
  ['169.254.170.2/32', 'metadata', 'link-local', 'ECS task metadata'],
  ['169.254.170.23/32', 'metadata', 'link-local', 'EKS Pod Identity agent'],
  ['169.254.0.0/16', 'link-local', 'link-local', '169.254.0.0/16'],
  ['100.100.100.200/32', 'metadata', 'private', 'Alibaba Cloud instance metadata'],
  ['10.0.0.0/8', 'private', 'private', 'RFC 1918 10.0.0.0/8'],
  ['172.16.0.0/12', 'private', 'private', 'RFC 1918 172.16.0.0/12'],
  ['192.168.0.0/16', 'private', 'private', 'RFC 1918 192.168.0.0/16'],
  ['100.64.0.0/10', 'private', 'private', 'carrier-grade NAT 100.64.0.0/10'],
  ['192.0.0.0/24', 'reserved', 'reserved', 'IETF protocol assignments 192.0.0.0/24'],
  ['192.0.2.0/24', 'reserved', 'reserved', 'documentation 192.0.2.0/24'],
  ['198.51.100.0/24', 'reserved', 'reserved', 'documentation 198.51.100.0/24'],
  ['203.0.113.0/24', 'reserved', 'reserved', 'documentation 203.0.113.0/24'],
  ['192.88.99.0/24', 'reserved', 'reserved', '6to4 relay anycast 192.88.99.0/24'],
  ['198.18.0.0/15', 'reserved', 'reserved', 'benchmarking 198.18.0.0/15'],
  ['224.0.0.0/4', 'multicast', 'multicast', '224.0.0.0/4'],
  ['255.255.255.255/32', 'reserved', 'reserved', 'broadcast'],
  ['240.0.0.0/4', 'reserved', 'reserved', '240.0.0.0/4'],
];

const V6_TABLE: V6Entry[] = [
  ['::/128', 'unspecified', 'unspecified', '::'],
  ['::1/128', 'loopback', 'loopback', '::1'],
  ['::ffff:0:0/96', 'embedded-v4', 'IPv4-mapped', ''],
  ['::/96', 'embedded-v4', 'IPv4-compatible', ''],
  // A VPC with DNS64 hands out these; the NAT gateway translates them to the embedded IPv4, private ranges included.
  ['64:ff9b::/96', 'embedded-v4', 'NAT64', ''],
  ['64:ff9b:1::/48', 'private', 'private', 'local-use NAT64 64:ff9b:1::/48'],
  ['100::/64', 'reserved', 'reserved', 'discard-only 100::/64'],
  ['2001:db8::/32', 'reserved', 'reserved', 'documentation 2001:db8::/32'],
  ['fd00:ec2::254/128', 'metadata', 'unique-local', 'instance metadata'],
  ['fd00:ec2::23/128', 'metadata', 'unique-local', 'EKS Pod Identity agent'],
  // The Nitro DNS resolver and time sync live here too: the IPv6 twins of 169.254.0.0/16, so never probed.
  ['fd00:ec2::/64', 'link-local', 'unique-local', 'AWS Nitro link-local services fd00:ec2::/64'],
  ['fc00::/7', 'private', 'private', 'unique local fc00::/7'],
  ['fe80::/10', 'link-local', 'link-local', 'fe80::/10'],
  ['fec0::/10', 'reserved', 'reserved', 'deprecated site-local fec0::/10'],
  ['ff00::/8', 'multicast', 'multicast', 'ff00::/8'],
  ['2002::/16', 'embedded-v4', '6to4', ''],
  ['2000::/3', 'public', 'public', ''],
];

const v4ToBigInt = (ip: string): bigint => ip.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);

const bigIntToV4 = (n: bigint): string => [24n, 16n, 8n, 0n].map((shift) => String((n >> shift) & 0xffn)).join('.');

/** 128-bit value of an IPv6 address (zone id dropped, dotted IPv4 tail allowed); undefined when it is not one. */
const v6ToBigInt = (input: string): bigint | undefined => {
  const ip = input.replace(/%.*$/, '');
  if (isIP(ip) !== 6) return undefined;
  const dotted = /\d+\.\d+\.\d+\.\d+$/.exec(ip)?.[0];
  const v4 = dotted === undefined ? undefined : v4ToBigInt(dotted);
  const hex =
    dotted === undefined || v4 === undefined
      ? ip
      : `${ip.slice(0, -dotted.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  const [head = '', tail] = hex.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
};

const inCidr = (value: bigint, bits: number, cidr: string, toBig: (s: string) => bigint | undefined): boolean => {
  const [base = '', len = '0'] = cidr.split('/');
  const shift = BigInt(bits - Number(len));
  const b = toBig(base);
  return b !== undefined && value >> shift === b >> shift;
};

const classifyV4 = (ip: string): { kind: AddressKind; label: string; range: string } => {
  const n = v4ToBigInt(ip);
  const hit = V4_TABLE.find(([cidr]) => inCidr(n, 32, cidr, v4ToBigInt));
  return hit ? { kind: hit[1], label: hit[2], range: hit[3] } : { kind: 'public', label: 'public', range: '' };
};

const describeAddress = (label: string, ip: string, range: string): string =>
  `${label} address ${ip}${range ? ` (${range})` : ''}`;

/** Which kind of network an IP address (v4 or v6, IPv4-mapped/compatible forms as their IPv4) belongs to. */
export const classifyAddress = (ip: string): AddressClass => {
  if (isIP(ip) === 4) {
    const c = classifyV4(ip);
    return { kind: c.kind, detail: describeAddress(c.label, ip, c.range) };
  }
  const n = v6ToBigInt(ip);
  // Fail closed: whatever is not an address is never a target.
  if (n === undefined) return { kind: 'reserved', detail: `not an IP address: ${JSON.stringify(ip)}` };
  const hit = V6_TABLE.find(([cidr]) => inCidr(n, 128, cidr, v6ToBigInt));
  if (!hit) return { kind: 'reserved', detail: describeAddress('reserved', ip, 'outside global unicast 2000::/3') };
  const [, kind, label, range] = hit;
  if (kind !== 'embedded-v4') return { kind, detail: describeAddress(label, ip, range) };
  const v4 = bigIntToV4(label === '6to4' ? (n >> 80n) & 0xffffffffn : n & 0xffffffffn);
  const inner = classifyV4(v4);
  // A 6to4 address of a public IPv4 is an ordinary public IPv6 address.
  if (inner.kind === 'public') return { kind: 'public', detail: describeAddress('public', ip, '') };
  return { kind: inner.kind, detail: describeAddress(inner.label, ip, `${label} ${v4}, ${inner.range}`) };
};

/** The address in one canonical spelling (IPv4-mapped IPv6 as dotted IPv4), for comparing two spellings. */
export const canonicalAddress = (ip: string): string => {
  if (isIP(ip) === 4) return ip;
  const n = v6ToBigInt(ip);
  if (n === undefined) return ip;
  if (n >> 32n === 0xffffn) return bigIntToV4(n & 0xffffffffn);
  return Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
};

const LAMBDA_RUNTIME_API = '127.0.0.1:9001';

const splitHostPort = (hostPort: string): { host: string; port: number } | undefined => {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hostPort.trim());
  return m?.[1] && m[2] ? { host: m[1], port: Number(m[2]) } : undefined;
};

const isRuntimeApi = (ip: string, port: number, kind: AddressKind, runtimeApi: string | undefined): boolean =>
  [LAMBDA_RUNTIME_API, runtimeApi].some((api) => {
    const target = api ? splitHostPort(api) : undefined;
    if (!target || target.port !== port) return false;
    // Every loopback address reaches a listener bound to 0.0.0.0 or 127.0.0.1, so the port alone decides on loopback.
    return kind === 'loopback' || kind === 'unspecified' || canonicalAddress(target.host) === canonicalAddress(ip);
  });

/** Whether a request may connect to `ip:port`. Public only by default; `allowPrivateTargets` adds loopback and private ranges. */
export const checkTarget = (ip: string, port: number, opts: GuardOptions): Verdict => {
  const { kind, detail } = classifyAddress(ip);
  if (isRuntimeApi(ip, port, kind, opts.runtimeApi))
    return { ok: false, reason: `refused: Lambda runtime API ${ip}:${port}` };
  if (kind === 'public') return { ok: true };
  if (kind === 'loopback' || kind === 'private') {
    return opts.allowPrivateTargets
      ? { ok: true }
      : { ok: false, reason: `refused: ${detail}; set allowPrivateTargets to reach it` };
  }
  return { ok: false, reason: `refused: ${detail}` };
};

/** Refuses URLs a probe must not follow: schemes other than http(s), and embedded credentials. */
export const checkUrl = (raw: string): { ok: true; url: URL } | { ok: false; reason: string } => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    // The URL comes from config or a Location header: a bad one is a finding about the target, not a crash.
    return { ok: false, reason: `invalid URL: ${(err as Error).message}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: `refused: scheme ${url.protocol} (only http and https)` };
  if (url.username || url.password) return { ok: false, reason: 'refused: URL carries credentials' };
  return { ok: true, url };
};

const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** Resolves once and checks every address; the first is the one to connect to. */
export const resolveChecked = async (
  hostname: string,
  port: number,
  opts: GuardOptions,
  resolve: Resolve = systemResolve,
): Promise<{ ok: true; address: string; family: number } | { ok: false; error: Error }> => {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
  }
  const first = addresses[0];
  if (!first)
    return {
      ok: false,
      error: Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND', hostname: host }),
    };
  for (const { address } of addresses) {
    const verdict = checkTarget(address, port, opts);
    if (!verdict.ok) {
      const among = addresses.length > 1 ? ` (one of ${addresses.length} addresses of ${host})` : '';
      return { ok: false, error: new TargetRefusedError(verdict.reason + among) };
    }
  }
  // The family comes from the address itself: a resolver's wrong family would make the connect fail oddly.
  return { ok: true, address: first.address, family: isIP(first.address) };
};

/**
 * A `lookup` for `net.connect` / `http.request` that resolves once, refuses the host if ANY address is refused, and
 * hands the socket exactly the checked address (`onChecked` learns it, for `watchSocket`). Node skips `lookup` for IP
 * literals, so callers check those with `checkTarget` first; `resolveChecked` does both.
 */
export const guardedLookup =
  (opts: GuardOptions & { port: number; onChecked?: (address: string) => void }, resolve?: Resolve): LookupFunction =>
  (hostname, options, callback) => {
    void resolveChecked(hostname, opts.port, opts, resolve).then((r) => {
      if (!r.ok) return callback(r.error, '', 0);
      opts.onChecked?.(r.address);
      // Node's happy-eyeballs asks for `all`: answer with the one checked address so it has nothing else to try.
      if (options.all) return callback(null, [{ address: r.address, family: r.family } satisfies LookupAddress]);
      return callback(null, r.address, r.family);
    });
  };

/** Whether the socket ended up where the guard said it could go. */
export const verifyConnected = (remoteAddress: string | undefined, checked: string | undefined): Verdict =>
  remoteAddress !== undefined && checked !== undefined && canonicalAddress(remoteAddress) === canonicalAddress(checked)
    ? { ok: true }
    : {
        ok: false,
        reason: `refused: connected to ${remoteAddress ?? 'an unknown address'}, not the checked address ${checked ?? '(none)'}`,
      };

/**
 * Belt and braces after `guardedLookup`: on connect, before any byte is flushed, destroys a socket whose peer is not the
 * checked address. `checked` is read at connect time because the lookup settles it.
 */
export const watchSocket = (socket: Socket, checked: () => string | undefined): void => {
  const verify = () => {
    const verdict = verifyConnected(socket.remoteAddress, checked());
    if (!verdict.ok) socket.destroy(new TargetRefusedError(verdict.reason));
  };
  if (!socket.connecting && socket.remoteAddress) verify();
  // Prepended so it runs before the listener that flushes writes queued while connecting.
  else socket.prependOnceListener('connect', verify);
};
