import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { R53FailoverError } from '../shared/support/errors.js';

/**
 * A real, authoritative-only DNS server for one zone on 127.0.0.1 (UDP and TCP on the same ephemeral port), for tests,
 * the bench and local failover drills: point `node:dns` `Resolver.setServers([`${host}:${port}`])` (or `dig -p`) at it and
 * flip records the way Route 53 would.
 *
 *   const dns = await startDnsServer('example.test');
 *   dns.setRecords('api.example.test', 'A', ['192.0.2.10'], 60);     // primary is serving
 *   …probe `${dns.host}:${dns.port}`…
 *   dns.setRecords('api.example.test', 'A', ['198.51.100.20']);      // failover: the next query sees the secondary
 *   dns.configure({ drop: true });                                    // a dead resolver: queries are logged, never answered
 *   await dns.close();
 *
 * What it answers: the A, AAAA or CNAME records set for the exact name asked (no chasing, no wildcards). A name that holds
 * only a CNAME answers that CNAME to any type, as a real server would. A known name without the asked type is NODATA
 * (NOERROR, empty answer); an unknown name in the zone is NXDOMAIN; a name outside the zone is REFUSED. Negative answers
 * carry the zone's SOA, as resolvers expect for negative caching. Over UDP an answer larger than the client's buffer
 * (512 bytes, or its EDNS size) is sent truncated, and clients retry over TCP.
 */

/** Record types the server can hold. */
export type LocalRecordType = 'A' | 'AAAA' | 'CNAME';

/** Fault knobs; both apply to UDP and TCP and can change at any time through `configure`. */
export interface DnsServerBehaviour {
  /** Hold every answer this long before sending it (a slow resolver). Default 0. */
  delayMs?: number;
  /** Log queries and never answer them (a dead resolver: clients time out). Default false. */
  drop?: boolean;
}

/** One query as the server received it, logged before it is answered (a dropped query is logged too). */
export interface ReceivedQuery {
  /** Lower-case, no trailing dot. */
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

export interface LocalDnsServer {
  host: '127.0.0.1';
  /** UDP and TCP port (the same number for both). */
  port: number;
  /** `127.0.0.1:<port>`, the form `Resolver.setServers` and the DNS probe's `resolvers` take. */
  address: string;
  /** The zone apex, lower-case, no trailing dot. */
  zone: string;
  /** Every query in arrival order. */
  queries: ReceivedQuery[];
  /**
   * Replaces the `type` records of `name` (absolute, inside the zone; case and trailing dot do not matter) with `values`:
   * IPs for A/AAAA, a target name for CNAME. An empty `values` removes them. `ttl` defaults to 60 s. Throws
   * `LocalDnsServerError` for a name outside the zone or a value of the wrong form.
   */
  setRecords(name: string, type: LocalRecordType, values: readonly string[], ttl?: number): void;
  /** Changes the fault knobs for the queries that follow (fields left out keep their value). */
  configure(behaviour: DnsServerBehaviour): void;
  /** Stops listening, drops TCP connections and discards answers still held back by `delayMs` or `drop`. */
  close(): Promise<void>;
}

/** The local DNS server was started or fed with something it cannot serve. */
export class LocalDnsServerError extends R53FailoverError {
  override readonly name: string = 'LocalDnsServerError';
}

// Response codes carried in the low 4 bits of the header flags (dns-packet's encoder takes them from `flags`).
const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, REFUSED: 5 } as const;
const DEFAULT_TTL = 60;
const NEGATIVE_TTL = 5;
const UDP_MIN_PAYLOAD = 512;
const UDP_MAX_PAYLOAD = 4096;
const OPCODE_QUERY = 0;

const normaliseName = (name: string): string => name.trim().toLowerCase().replace(/\.+$/, '');

const LABEL_RE = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
const isDnsName = (name: string): boolean =>
  name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL_RE.test(l));

interface RRSet {
  values: string[];
  ttl: number;
}

const checkValues = (type: LocalRecordType, values: readonly string[]): string[] =>
  values.map((raw) => {
    const v = raw.trim();
    if (type === 'A' && isIP(v) !== 4)
      throw new LocalDnsServerError(`A record value must be an IPv4 address, got ${JSON.stringify(raw)}`);
    if (type === 'AAAA' && isIP(v) !== 6)
      throw new LocalDnsServerError(`AAAA record value must be an IPv6 address, got ${JSON.stringify(raw)}`);
    if (type === 'CNAME') {
      const target = normaliseName(v);
      if (!isDnsName(target))
        throw new LocalDnsServerError(`CNAME record value must be a DNS name, got ${JSON.stringify(raw)}`);
      return target;
    }
    return v;
  });

/** Binds UDP on an ephemeral port, then TCP on the same number; retried when TCP finds that number taken. */
const bindBoth = async (
  onUdp: (msg: Buffer, rinfo: RemoteInfo) => void,
  onTcp: (socket: TcpSocket) => void,
): Promise<{ udp: UdpSocket; tcp: Server; port: number }> => {
  let lastError: unknown;
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const udp = createSocket('udp4');
    udp.on('message', onUdp);
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const tcp = createServer(onTcp);
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      return { udp, tcp, port };
    } catch (err) {
      lastError = err;
      udp.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  throw new LocalDnsServerError('could not bind UDP and TCP on one port of 127.0.0.1', { cause: lastError });
};

/** Starts an authoritative server for `zone` (e.g. `example.test`) on 127.0.0.1, with no records. */
export const startDnsServer = async (zone: string, behaviour: DnsServerBehaviour = {}): Promise<LocalDnsServer> => {
  const apex = normaliseName(zone);
  if (!isDnsName(apex))
    throw new LocalDnsServerError(`zone must be a DNS name like example.test, got ${JSON.stringify(zone)}`);

  const records = new Map<string, Map<LocalRecordType, RRSet>>();
  const queries: ReceivedQuery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const connections = new Set<TcpSocket>();
  let knobs: Required<DnsServerBehaviour> = { delayMs: 0, drop: false, ...behaviour };
  let serial = 1;

  const inZone = (name: string) => name === apex || name.endsWith(`.${apex}`);
  // A name exists if it holds records or has descendants that do (an empty non-terminal answers NODATA, not NXDOMAIN).
  const nameExists = (name: string) =>
    name === apex || [...records.keys()].some((n) => n === name || n.endsWith(`.${name}`));

  const soa = (): dnsPacket.Answer => ({
    type: 'SOA',
    name: apex,
    ttl: NEGATIVE_TTL,
    data: {
      mname: `ns.${apex}`,
      rname: `hostmaster.${apex}`,
      serial,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: NEGATIVE_TTL,
    },
  });

  const answer = (query: dnsPacket.DecodedPacket): dnsPacket.Packet => {
    const question = query.questions?.[0];
    const base = { type: 'response' as const, id: query.id ?? 0, questions: query.questions ?? [] };
    const rd = query.flags !== undefined ? query.flags & dnsPacket.RECURSION_DESIRED : 0;
    const opcode = query.flags !== undefined ? (query.flags >> 11) & 0xf : OPCODE_QUERY;
    if (!question || opcode !== OPCODE_QUERY) return { ...base, flags: rd | RCODE.FORMERR };
    const name = normaliseName(question.name);
    if (!inZone(name)) return { ...base, flags: rd | RCODE.REFUSED };

    const flags = dnsPacket.AUTHORITATIVE_ANSWER | rd;
    const owned = records.get(name);
    const asked = question.type as string;
    const rrset = owned?.get(asked as LocalRecordType) ?? (asked !== 'CNAME' ? owned?.get('CNAME') : undefined);
    const rrType = owned?.has(asked as LocalRecordType) ? (asked as LocalRecordType) : 'CNAME';
    if (rrset) {
      // Answer under the name as asked: clients using 0x20 case randomisation compare it byte for byte.
      const answers = rrset.values.map(
        (data) => ({ type: rrType, name: question.name, ttl: rrset.ttl, data }) as dnsPacket.Answer,
      );
      return { ...base, flags: flags | RCODE.NOERROR, answers };
    }
    if (asked === 'SOA' && name === apex) return { ...base, flags: flags | RCODE.NOERROR, answers: [soa()] };
    return { ...base, flags: flags | (nameExists(name) ? RCODE.NOERROR : RCODE.NXDOMAIN), authorities: [soa()] };
  };

  /** Decodes, logs and answers one query; `send` gets the encoded response, or nothing when the query is dropped. */
  const handle = (msg: Buffer, transport: 'udp' | 'tcp', send: (response: Buffer) => void): void => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      // Not a DNS message we can parse: answer FORMERR when there is an id to answer to, as servers do.
      if (msg.length >= 2)
        send(dnsPacket.encode({ type: 'response', id: msg.readUInt16BE(0), flags: RCODE.FORMERR, questions: [] }));
      return;
    }
    const question = query.questions?.[0];
    queries.push({ name: normaliseName(question?.name ?? ''), type: String(question?.type ?? ''), transport });
    if (knobs.drop) return;

    const response = answer(query);
    const opt = query.additionals?.find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
    if (opt)
      response.additionals = [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: UDP_MAX_PAYLOAD,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: false,
          options: [],
        },
      ];
    let wire = dnsPacket.encode(response);
    const limit = Math.min(Math.max(opt?.udpPayloadSize ?? UDP_MIN_PAYLOAD, UDP_MIN_PAYLOAD), UDP_MAX_PAYLOAD);
    if (transport === 'udp' && wire.length > limit) {
      wire = dnsPacket.encode({
        type: 'response',
        id: response.id ?? 0,
        flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
        questions: response.questions ?? [],
      });
    }
    if (knobs.delayMs <= 0) {
      send(wire);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      send(wire);
    }, knobs.delayMs);
    timers.add(timer);
  };

  const onTcp = (socket: TcpSocket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    // A client that resets the connection is not the server's failure; the socket is closed either way.
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Each TCP message is prefixed with its 2-byte length (RFC 1035 4.2.2); several may arrive in one chunk.
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const size = pending.readUInt16BE(0);
        const msg = pending.subarray(2, 2 + size);
        pending = pending.subarray(2 + size);
        handle(msg, 'tcp', (wire) => {
          if (socket.destroyed) return;
          const framed = Buffer.alloc(2 + wire.length);
          framed.writeUInt16BE(wire.length, 0);
          wire.copy(framed, 2);
          socket.write(framed);
        });
      }
    });
  };

  let udpSocket: UdpSocket | undefined;
  const onUdp = (msg: Buffer, rinfo: RemoteInfo) =>
    handle(msg, 'udp', (wire) => udpSocket?.send(wire, rinfo.port, rinfo.address));
  const { udp, tcp, port } = await bindBoth(onUdp, onTcp);
  udpSocket = udp;
  // After binding, a send error (e.g. the client's port is gone) concerns one reply only; the server keeps serving.
  udp.on('error', () => undefined);

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    zone: apex,
    queries,
    setRecords(name, type, values, ttl = DEFAULT_TTL) {
      const owner = normaliseName(name);
      if (!inZone(owner)) throw new LocalDnsServerError(`${JSON.stringify(name)} is not inside zone ${apex}`);
      if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2_147_483_647)
        throw new LocalDnsServerError(`ttl must be a whole number of seconds, got ${ttl}`);
      const checked = checkValues(type, values);
      const sets = records.get(owner) ?? new Map<LocalRecordType, RRSet>();
      if (checked.length === 0) sets.delete(type);
      else sets.set(type, { values: checked, ttl });
      if (sets.size === 0) records.delete(owner);
      else records.set(owner, sets);
      serial += 1;
    },
    configure(next) {
      knobs = { ...knobs, ...next };
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of connections) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve, reject) => tcp.close((err) => (err ? reject(err) : resolve()))),
      ]);
    },
  };
};
