import * as z from 'zod/mini';
import type { FailoverConfig } from '../config/schema.js';
import { InvalidCursorError } from '../ledger/dynamodb-store.js';
import type { LedgerEntry, LedgerStore } from '../ledger/store.js';
import type { DeliveryStore } from '../notify/delivery-store.js';
import { formatIssues } from '../support/zod-errors.js';
import { groupBadge, noBadgeMessage } from './badge.js';
import { episodeOf, historyPage } from './queries.js';

/** What the audit API handler needs: the same stores the CLI reads. */
export interface AuditDeps {
  config: FailoverConfig;
  ledger: LedgerStore;
  deliveries: DeliveryStore;
  now: () => Date;
  /** Statistics (shared/audit/stats.ts), injected so the router stays small. */
  stats: (q: { group?: string; since: string; until: string; period?: 'day' | 'week' | 'month' }) => Promise<unknown>;
}

/** API Gateway HTTP API (payload 2.0), reduced to what the router reads. */
export interface HttpRequest {
  routeKey?: string;
  rawPath?: string;
  pathParameters?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  requestContext?: { http?: { method?: string; path?: string }; requestId?: string };
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});
const bad = (message: string) => json(400, { error: 'bad request', message });

const ISO = z.string().check(
  z.refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), {
    error: 'expected an ISO 8601 time like 2025-06-12T14:00:00Z',
  }),
);
const GROUP = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'expected a group name ([a-z0-9-]+)' }));
const LIMIT = z
  .pipe(z.string().check(z.regex(/^\d+$/, { error: 'expected a whole number' })), z.transform(Number))
  .check(z.refine((n: number) => n >= 1 && n <= 1000, { error: 'expected 1 to 1000' }));

const HistoryQuery = z.strictObject({
  group: z.optional(GROUP),
  since: z.optional(ISO),
  until: z.optional(ISO),
  limit: z.optional(LIMIT),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});
const StatsQuery = z.strictObject({
  group: z.optional(GROUP),
  since: z.optional(ISO),
  until: z.optional(ISO),
  period: z.optional(z.enum(['day', 'week', 'month'], { error: 'expected day, week or month' })),
});
const BadgePath = z.object({ group: GROUP });
const EpisodePath = z.object({
  group: GROUP,
  episode: z.pipe(z.string().check(z.regex(/^\d+$/, { error: 'expected an episode number' })), z.transform(Number)),
});

const parse = <S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  where: string,
): { ok: true; value: z.output<S> } | { ok: false; response: HttpResponse } => {
  const r = z.safeParse(schema, input ?? {}, { reportInput: true });
  return r.success ? { ok: true, value: r.data } : { ok: false, response: bad(formatIssues(r.error, where)) };
};

const publicEntry = ({ snapshot: _s, ...rest }: LedgerEntry) => rest;

/**
 * The audit API's routes (all read-only, all behind AWS_IAM authorization at the gateway):
 * GET /groups, GET /history, GET /episodes/{group}/{episode}, GET /stats, GET /export (NDJSON pages), and
 * GET /badge/{group} (a shields.io endpoint badge: shared/audit/badge.ts).
 * Bad dates, limits and cursors are 400 with the field named; the same query code as the CLI.
 */
export const handleAuditRequest = async (req: HttpRequest, deps: AuditDeps): Promise<HttpResponse> => {
  const method = req.requestContext?.http?.method ?? 'GET';
  const path = req.rawPath ?? req.requestContext?.http?.path ?? '/';
  if (method !== 'GET')
    return json(405, { error: 'method not allowed', message: 'the audit API is read-only (GET)' }, { allow: 'GET' });
  const q = req.queryStringParameters ?? {};
  try {
    if (path === '/groups') {
      const groups = [...new Set([...Object.keys(deps.config.groups), ...(await deps.ledger.groups())])].sort();
      return json(200, { groups });
    }
    if (path === '/history' || path === '/export') {
      const p = parse(HistoryQuery, q, 'query');
      if (!p.ok) return p.response;
      if (p.value.since && p.value.until && p.value.since > p.value.until)
        return bad('query.since: is after query.until');
      const page = await historyPage(deps.ledger, {
        ...p.value,
        ...(path === '/export' ? { limit: p.value.limit ?? 1000 } : {}),
      });
      if (path === '/history')
        return json(200, { items: page.items.map(publicEntry), ...(page.cursor ? { cursor: page.cursor } : {}) });
      return {
        statusCode: 200,
        headers: {
          'content-type': 'application/x-ndjson',
          'cache-control': 'no-store',
          ...(page.cursor ? { 'x-next-cursor': page.cursor } : {}),
        },
        body: page.items.map((e) => JSON.stringify(e)).join('\n') + (page.items.length ? '\n' : ''),
      };
    }
    const ep = /^\/episodes\/([^/]+)\/([^/]+)$/.exec(path);
    if (ep) {
      const p = parse(
        EpisodePath,
        { group: decodeURIComponent(ep[1] as string), episode: decodeURIComponent(ep[2] as string) },
        'path',
      );
      if (!p.ok) return p.response;
      const episode = await episodeOf(deps.ledger, deps.deliveries, p.value.group, p.value.episode);
      if (!episode) return json(404, { error: 'not found', message: `no episode ${p.value.group}#${p.value.episode}` });
      return json(200, {
        ...episode,
        opener: publicEntry(episode.opener),
        ...(episode.closer ? { closer: publicEntry(episode.closer) } : {}),
        entries: episode.entries.map(publicEntry),
      });
    }
    const badge = /^\/badge\/([^/]+)$/.exec(path);
    if (badge) {
      // Group names are [a-z0-9-]: a segment that needs decoding is not one, and says so as it is.
      const p = parse(BadgePath, { group: badge[1] }, 'path');
      if (!p.ok) return p.response;
      const b = await groupBadge(deps.config, deps.ledger, p.value.group);
      if (!b) return json(404, { error: 'not found', message: noBadgeMessage(p.value.group) });
      // Cacheable for a minute by whatever fronts a public copy (README: "Status badge"); Shields keeps it 5 min.
      return json(200, b, { 'cache-control': 'max-age=60' });
    }
    if (path === '/stats') {
      const p = parse(StatsQuery, q, 'query');
      if (!p.ok) return p.response;
      const until = p.value.until ?? deps.now().toISOString();
      const since = p.value.since ?? new Date(Date.parse(until) - 30 * 86_400_000).toISOString();
      if (since > until) return bad('query.since: is after query.until');
      return json(
        200,
        await deps.stats({
          since,
          until,
          ...(p.value.group ? { group: p.value.group } : {}),
          ...(p.value.period ? { period: p.value.period } : {}),
        }),
      );
    }
    return json(404, {
      error: 'not found',
      message: `no route ${path}; try /groups, /history, /episodes/{group}/{episode}, /stats, /export, /badge/{group}`,
    });
  } catch (err) {
    if (err instanceof InvalidCursorError) return bad(`query.${err.message}`);
    throw err;
  }
};
