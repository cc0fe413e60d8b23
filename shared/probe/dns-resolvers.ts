import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Talking to name servers for the DNS probe: resolver addresses (IPs or host names), one bounded query, alias targets. */

export const normaliseName = (name: string): string => name.trim().toLowerCase().replace(/\.+$/, '');

/** One spelling per value, so `2001:DB8:0:0::1` matches `2001:db8::1` and `Api.Example.com.` matches `api.example.com`. */
export const normaliseAnswer = (value: string): string => {
  const v = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(v) === 6) {
    // The WHATWG URL serialiser prints the canonical (RFC 5952 style) form: lower-case, longest zero run compressed.
    try {
      return new URL(`http://[${v}]/`).hostname.slice(1, -1);
    } catch {
      // A zone-scoped address (fe80::1%eth0) is valid for node:net but not in a URL: compare it lower-cased as given.
      return v.toLowerCase();
    }
  }
  if (isIP(v) === 4) return v;
  return normaliseName(v);
};

/** `ip`, `ip:port`, `[ipv6]`, `[ipv6]:port` → the form `Resolver.setServers` takes, or undefined when it is none of those. */
const serverAddress = (resolver: string): string | undefined => {
  const s = resolver.trim();
  if (isIP(s) === 4) return s;
  if (isIP(s) === 6) return `[${s}]`;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(s);
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? 53 : Number(m[3]);
  if (!host || port < 1 || port > 65_535) return undefined;
  if (m?.[1] !== undefined && isIP(host) === 6) return `[${host}]:${port}`;
  if (m?.[2] !== undefined && isIP(host) === 4) return `${host}:${port}`;
  return undefined;
};

const HOST_RE = /^([A-Za-z0-9_.-]*[A-Za-z_-][A-Za-z0-9_.-]*?)\.?(?::(\d{1,5}))?$/;

/**
 * A resolver given by host name (`ns-2048.awsdns-64.com`, `localhost:5353`) → its address, looked up with the system's
 * resolver (IPv4 preferred), in the form `Resolver.setServers` takes; an error text when that fails.
 */
const hostServer = async (resolver: string, timeoutMs: number): Promise<{ server: string } | { error: string }> => {
  const m = HOST_RE.exec(resolver.trim());
  const port = m?.[2] === undefined ? 53 : Number(m[2]);
  if (!m?.[1] || port < 1 || port > 65_535)
    return { error: `not a resolver address (expected ip, ip:port, host or host:port): ${JSON.stringify(resolver)}` };
  try {
    // getaddrinfo cannot be cancelled: stop waiting for it at the deadline instead.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), timeoutMs);
    });
    const all = await Promise.race([lookup(m[1], { all: true }), late]).finally(() => clearTimeout(timer));
    const chosen = all.find((a) => a.family === 4) ?? all[0];
    if (!chosen) return { error: `resolver name ${m[1]} has no address` };
    return { server: chosen.family === 6 ? `[${chosen.address}]:${port}` : `${chosen.address}:${port}` };
  } catch (err) {
    return { error: `could not look up resolver name ${m[1]}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
};

/** A configured resolver (IP literal or host name) → the server address, or why it cannot be used. */
export const serverFor = async (
  resolver: string,
  timeoutMs: number,
): Promise<{ server: string } | { error: string }> => {
  const literal = serverAddress(resolver);
  return literal ? { server: literal } : hostServer(resolver, timeoutMs);
};

/**
 * Runs `ask` on a one-try `node:dns` Resolver bound to `servers` (the system's when empty), held to `timeoutMs`: Node
 * checks c-ares timeouts on a periodic timer, so a query can overrun `timeout` by up to one period (seen: 400 ms for
 * 200); cancelling at the deadline holds it to `timeoutMs`, and the cancelled query rejects with ECANCELLED.
 */
export const withResolver = async <T>(
  servers: string[],
  timeoutMs: number,
  ask: (r: Resolver) => Promise<T>,
): Promise<T> => {
  const client = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers.length > 0) client.setServers(servers);
  const deadline = setTimeout(() => client.cancel(), timeoutMs);
  try {
    return await ask(client);
  } finally {
    clearTimeout(deadline);
  }
};

/** Classified like the other probes' errors ('timed out after 2000 ms', 'connection refused'). */
export const describeError = (err: unknown, timeoutMs: number): string => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return `timed out after ${timeoutMs} ms`;
    case 'ESERVFAIL':
      return 'resolver answered SERVFAIL';
    case 'EREFUSED':
      return 'resolver refused the query (REFUSED)';
    case 'ECONNREFUSED':
      return 'connection refused';
    default:
      return `${code ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`;
  }
};

/** Resolves every member's alias targets (A or AAAA, as the record), through `spec.aliasResolvers` (else the system's). */
export const resolveAliasTargets = async (spec: {
  aliasTargets?: { primary: string[]; secondary: string[] };
  aliasResolvers?: string[];
  recordType: 'A' | 'AAAA' | 'CNAME';
  timeoutMs: number;
}): Promise<{ addresses: { primary: string[]; secondary: string[] }; errors: string[] }> => {
  const addresses = { primary: [] as string[], secondary: [] as string[] };
  const errors: string[] = [];
  const servers: string[] = [];
  for (const r of spec.aliasResolvers ?? []) {
    const s = await serverFor(r, spec.timeoutMs);
    if ('server' in s) servers.push(s.server);
    else errors.push(`alias resolver ${r}: ${s.error}`);
  }
  if (errors.length > 0 && servers.length === 0) return { addresses, errors };
  for (const role of ['primary', 'secondary'] as const) {
    for (const target of spec.aliasTargets?.[role] ?? []) {
      try {
        const found = await withResolver(servers, spec.timeoutMs, (client) =>
          spec.recordType === 'AAAA' ? client.resolve6(target) : client.resolve4(target),
        );
        addresses[role].push(...found.map(normaliseAnswer));
      } catch (err) {
        errors.push(`alias target ${normaliseName(target)} (${role}): ${describeError(err, spec.timeoutMs)}`);
      }
    }
  }
  return { addresses, errors };
};
