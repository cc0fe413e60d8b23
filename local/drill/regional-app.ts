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

/**
 * Route 53's limits for an HTTP(S) health check ("How Amazon Route 53 determines whether a health check is healthy",
 * Amazon Route 53 Developer Guide,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html): a TCP
 * connection within four seconds, an HTTP status code within two seconds after connecting and, for a check with string
 * matching (HTTP_STR_MATCH), the body within the next two seconds, searched only in its first 5,120 bytes.
 */
export const ROUTE53_HTTP_LIMITS = {
  connectTimeoutMs: 4000,
  responseTimeoutMs: 2000,
  bodyTimeoutMs: 2000,
  searchBytes: 5120,
} as const;

export interface HttpCallOptions {
  method?: string;
  body?: string;
  /** No TCP connection within this long is a failure. Default: Route 53's 4 s. */
  connectTimeoutMs?: number;
  /** No status line within this long after connecting is a failure. Default: Route 53's 2 s. */
  responseTimeoutMs?: number;
  /** The body (or its first `maxBodyBytes`) not in within this long after the status is a failure. Default: 2 s. */
  bodyTimeoutMs?: number;
  /** Read at most this many bytes of the body, then hang up; 0: the status alone. Default: the whole body. */
  maxBodyBytes?: number;
  /** The whole exchange, from the first packet to the body, within this long (a load balancer's health check timeout). */
  totalTimeoutMs?: number;
}

export type HttpCallResult = { status: number; body: string } | { status: 0; error: string };

const seconds = (ms: number) => `${ms / 1000} s`;

/**
 * A plain HTTP exchange on a fresh connection (no keep-alive), as health checkers and the drill's operator make, with
 * Route 53's timeouts unless told otherwise (ROUTE53_HTTP_LIMITS). Never rejects: a failure is `{status: 0, error}`.
 */
export const httpCall = (url: string, opts: HttpCallOptions = {}): Promise<HttpCallResult> =>
  new Promise((resolve) => {
    const connectMs = opts.connectTimeoutMs ?? ROUTE53_HTTP_LIMITS.connectTimeoutMs;
    const responseMs = opts.responseTimeoutMs ?? ROUTE53_HTTP_LIMITS.responseTimeoutMs;
    const bodyMs = opts.bodyTimeoutMs ?? ROUTE53_HTTP_LIMITS.bodyTimeoutMs;
    const maxBytes = opts.maxBodyBytes ?? Number.POSITIVE_INFINITY;
    const timers = new Set<NodeJS.Timeout>();
    let waitingForStatus: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (r: HttpCallResult) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      req.destroy();
      resolve(r);
    };
    const deadline = (ms: number, error: string) => {
      const t = setTimeout(() => finish({ status: 0, error }), ms);
      timers.add(t);
      return t;
    };
    const req = request(
      url,
      { method: opts.method ?? 'GET', agent: false, headers: opts.body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        clearTimeout(waitingForStatus);
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => finish({ status, body: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8') });
        if (maxBytes === 0) return done();
        deadline(bodyMs, `${status}, but the body did not arrive within ${seconds(bodyMs)} of the status`);
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
          if (size >= maxBytes) done();
        });
        res.on('end', done);
        res.on('error', (err) => finish({ status: 0, error: err.message }));
      },
    );
    const waitingForConnection = deadline(connectMs, `no TCP connection within ${seconds(connectMs)}`);
    req.on('socket', (socket) =>
      socket.once('connect', () => {
        clearTimeout(waitingForConnection);
        waitingForStatus = deadline(responseMs, `no answer within ${seconds(responseMs)} of connecting`);
      }),
    );
    if (opts.totalTimeoutMs !== undefined)
      deadline(opts.totalTimeoutMs, `no answer within ${seconds(opts.totalTimeoutMs)}`);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({
        status: 0,
        error:
          err.code === 'ECONNRESET'
            ? 'connection reset'
            : err.code === 'ECONNREFUSED'
              ? 'connection refused'
              : err.message,
      }),
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
