import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startReceiver, type Receiver } from '../receiver.js';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from '../../shared/net/signing.js';

/**
 * The drill's stand-ins for one application in two regions: a small key-value database per region (one writer, one
 * replica), an HTTP app per region on 127.0.0.1, and a "database control" service that the promotion hook calls.
 */

export type DbRole = 'writer' | 'replica';

/** One region's database: reads fail while it is down, writes fail on a replica. */
export interface RegionDatabase {
  readonly region: string;
  role: DbRole;
  up: boolean;
  readonly data: Map<string, string>;
}

export type DbResult = { ok: true; value?: string } | { ok: false; error: string };

/** The two regional databases with synchronous replication from the writer to a replica that is up. */
export class DatabasePair {
  readonly primary: RegionDatabase;
  readonly secondary: RegionDatabase;
  /** Promotion ids already applied: the hook receiver must be idempotent on X-R53F-Id. */
  readonly applied = new Set<string>();

  constructor(primaryRegion: string, secondaryRegion: string) {
    this.primary = { region: primaryRegion, role: 'writer', up: true, data: new Map([['healthcheck', 'ok']]) };
    this.secondary = { region: secondaryRegion, role: 'replica', up: true, data: new Map([['healthcheck', 'ok']]) };
  }

  get writer(): RegionDatabase | undefined {
    return [this.primary, this.secondary].find((d) => d.role === 'writer');
  }

  of(region: string): RegionDatabase {
    return region === this.primary.region ? this.primary : this.secondary;
  }

  read(db: RegionDatabase, key: string): DbResult {
    if (!db.up) return { ok: false, error: `database in ${db.region} is unreachable` };
    const value = db.data.get(key);
    return value === undefined ? { ok: false, error: `key ${key} not found` } : { ok: true, value };
  }

  write(db: RegionDatabase, key: string, value: string): DbResult {
    if (!db.up) return { ok: false, error: `database in ${db.region} is unreachable` };
    if (db.role !== 'writer')
      return { ok: false, error: `read-only replica: the writer is in ${this.writer?.region ?? 'no region'}` };
    db.data.set(key, value);
    for (const other of [this.primary, this.secondary]) if (other !== db && other.up) other.data.set(key, value);
    return { ok: true, value };
  }

  /** Makes `region` the writer; the other database, if reachable, is demoted (fenced) to a replica. */
  promote(region: string): string {
    const target = this.of(region);
    if (!target.up) return `cannot promote ${region}: its database is unreachable`;
    const before = this.writer?.region ?? 'none';
    target.role = 'writer';
    for (const other of [this.primary, this.secondary]) if (other !== target) other.role = 'replica';
    return before === region ? `${region} is already the writer` : `${region} is now the writer (was ${before})`;
  }

  /** A region that comes back after a promotion rejoins as a replica and catches up from the writer. */
  rejoin(region: string): void {
    const db = this.of(region);
    const writer = this.writer;
    db.up = true;
    if (writer && writer !== db) {
      db.role = 'replica';
      for (const [k, v] of writer.data) db.data.set(k, v);
    }
  }
}

/** One regional app: `/` answers while the process is up, `/healthz` reads the local database, POST `/orders` writes. */
export interface RegionalApp {
  readonly region: string;
  readonly url: string;
  /** False: every connection is reset at once (the region is dark). */
  up: boolean;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

export const startRegionalApp = async (region: string, dbs: DatabasePair): Promise<RegionalApp> => {
  const sockets = new Set<Socket>();
  const state = { up: true };
  let orders = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!state.up) {
      req.socket.destroy();
      return;
    }
    const db = dbs.of(region);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`orders app (${region}) is running\n`);
    } else if (req.method === 'GET' && path === '/healthz') {
      const r = dbs.read(db, 'healthcheck');
      json(
        res,
        r.ok ? 200 : 503,
        r.ok
          ? { status: 'ok', region, db: 'up', role: db.role }
          : { status: 'fail', region, db: 'down', error: r.error },
      );
    } else if (req.method === 'POST' && path === '/orders') {
      req.resume();
      const r = dbs.write(db, `order-${region}-${++orders}`, 'placed');
      json(res, r.ok ? 201 : 503, r.ok ? { ok: true, writtenIn: region } : { ok: false, error: r.error });
    } else json(res, 404, { error: 'not found' });
  };
  const server = createServer(handle);
  server.on('connection', (s: Socket) => {
    // A dark region: the connection is reset before any request is read.
    if (!state.up) return void s.destroy();
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    region,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get up() {
      return state.up;
    },
    set up(v: boolean) {
      state.up = v;
      if (!v) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
};

/** A plain HTTP exchange on a fresh connection (no keep-alive), as health checkers and the drill's operator make. */
export const httpCall = (
  url: string,
  opts: { method?: string; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: string } | { status: 0; error: string }> =>
  new Promise((resolve) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', agent: false, headers: opts.body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => resolve({ status: 0, error: err.message }));
      },
    );
    req.setTimeout(opts.timeoutMs ?? 2000, () => req.destroy(new Error('timed out')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ status: 0, error: err.code === 'ECONNRESET' ? 'connection reset' : err.message }),
    );
    req.end(opts.body);
  });

/** What the database control service did for one call: the drill prints it and keeps it in the summary. */
export interface DbControlCall {
  path: string;
  promotionId?: string;
  signature: 'verified' | 'invalid' | 'none';
  status: number;
  detail: string;
}

/**
 * The managed-database API of the drill (what Aurora's FailoverGlobalCluster or RDS's PromoteReadReplica are in AWS):
 * `POST /promote` is the signed promotion webhook (idempotent on X-R53F-Id), `POST /switchover` the operator's
 * planned failback (`{"writer": "us-east-1"}`).
 */
export const startDbControl = async (
  dbs: DatabasePair,
  secret: string,
): Promise<{ receiver: Receiver; calls: DbControlCall[] }> => {
  const calls: DbControlCall[] = [];
  const receiver = await startReceiver((req) => {
    const path = req.path.split('?')[0] ?? '';
    const reply = (status: number, detail: string, extra: Partial<DbControlCall> = {}) => {
      calls.push({ path, signature: 'none', status, detail, ...extra });
      return {
        status,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ detail, writer: dbs.writer?.region ?? null }),
      };
    };
    if (req.method !== 'POST') return reply(405, 'POST only');
    if (path === '/promote') {
      const header = (name: string) => String(req.headers[name.toLowerCase()] ?? '');
      const ok = verifyWebhookSignature({
        secret,
        timestamp: header(WEBHOOK_HEADERS.timestamp),
        body: req.body,
        signature: header(WEBHOOK_HEADERS.signature),
        now: Date.now(),
      });
      const promotionId = header(WEBHOOK_HEADERS.id);
      if (!ok) return reply(401, 'bad signature', { signature: 'invalid', promotionId });
      if (dbs.applied.has(promotionId))
        return reply(200, `${promotionId} already applied`, { signature: 'verified', promotionId });
      dbs.applied.add(promotionId);
      const detail = dbs.promote(dbs.secondary.region);
      return reply(detail.startsWith('cannot') ? 409 : 200, detail, { signature: 'verified', promotionId });
    }
    if (path === '/switchover') {
      const target = (req.json as { writer?: unknown } | undefined)?.writer;
      if (target !== dbs.primary.region && target !== dbs.secondary.region)
        return reply(400, `expected {"writer": "${dbs.primary.region}"}`);
      const detail = dbs.promote(target);
      return reply(detail.startsWith('cannot') ? 409 : 200, detail);
    }
    return reply(404, 'not found');
  });
  return { receiver, calls };
};
