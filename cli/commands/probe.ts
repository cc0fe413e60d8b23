import { loadConfigFile } from '../../shared/config/file.js';
import { UsageError } from '../../shared/support/errors.js';
import { runDnsProbe } from '../../shared/probe/dns-probe.js';
import { probeEngines } from '../../shared/probe/engines.js';
import { dnsSpecFor, memberSpecs, mapLimit } from '../../shared/probe/runner.js';
import { observeDns, observationOf } from '../../shared/probe/dns-observation.js';
import { DynamoDbProbeStore } from '../../shared/probe/probe-store.js';
import type { DnsProbeResult } from '../../shared/probe/dns-probe.js';
import type { DnsEntry } from '../../shared/ledger/store.js';
import type { FailoverConfig } from '../../shared/config/schema.js';
import type { HttpProbeSpec, ProbeResult } from '../../shared/probe/types.js';
import { COMMON_OPTIONS, parseFlags } from '../args.js';
import { cliLog, deliveredTo, openCliLedger, type Io } from '../context.js';
import type { MemberRole } from '../../shared/core/members.js';
import { probeSettingsFor } from '../../shared/config/lookups.js';

export const PROBE_HELP = `r53-failover probe [--group NAME] [--allow-private] [--no-notify] [--json] [--config FILE]
                   [--ledger DIR | --table NAME | --stage NAME] [--region R] [--profile P]
r53-failover probe --url URL [--expect-status 200] [--expect-body TEXT] [--max-latency MS] [--timeout MS]
                   [--method GET] [--header 'Name: value'] [--follow-redirects] [--allow-private] [--json]

Runs the configured synthetic probes of every group member once, from this machine (or one ad-hoc HTTP(S) check
with --url), and lists every assertion with pass/fail and the latency. Exit status 1 when any probe fails.

With probes.dnsResolvers and both members' dnsAnswers, also resolves each group's record and says which member it
answers with; that observation goes to the ledger (--ledger, --table, --stage as for ingest; source probe:cli):
DNS_SERVING_CHANGED when the answer moved to another member since the last observation, SERVING_MISMATCH when it has
disagreed with the alarm-derived serving member for probes.servingMismatchSeconds. Those entries are notified like
any group event unless --no-notify.

Targets that resolve to loopback, private (RFC 1918/ULA), link-local or metadata addresses are refused; with
--allow-private, loopback and private ranges are allowed (local runs, VPC endpoints); link-local, the instance
metadata service and the Lambda runtime API never are.`;

type Row = ProbeResult & { group?: string; member?: MemberRole; pointsTo?: string; observed?: string | null };

/** What the DNS probes observed, recorded in the ledger (and notified unless --no-notify): the entries appended. */
const recordDns = async (
  io: Io,
  values: { config?: string; ledger?: string; table?: string; stage?: string; region?: string; profile?: string },
  config: FailoverConfig,
  results: { group: string; result: DnsProbeResult }[],
  notify: boolean,
): Promise<{ entries: DnsEntry[]; notifications: string[] }> => {
  const ledger = await openCliLedger(io, values);
  try {
    const log = cliLog(io);
    const deps = {
      config,
      region: 'cli',
      store: new DynamoDbProbeStore(ledger.doc, ledger.store.tableName),
      ledger: ledger.store,
      log,
      now: io.now,
    };
    const entries: DnsEntry[] = [];
    for (const { group, result } of results) entries.push(...(await observeDns(deps, group, result)));
    const notifications: string[] = [];
    if (notify && entries.length > 0) {
      const pipeline = await import('../../local/pipeline.js');
      const { notifyGroupEvent } = await import('../../shared/notify/notifier.js');
      const notifier = pipeline.localNotifier(config, ledger, log, io.now);
      for (const e of entries) {
        const report = await notifyGroupEvent({ group: e.group, seq: e.seq }, pipeline.withFreshBudget(notifier));
        for (const n of report.notifications) {
          const where = deliveredTo(n);
          const result = n.result === 'delivered' ? '' : `[${n.result}] `;
          notifications.push(`${result}${n.title}${where ? `  (${where})` : ''}`);
        }
      }
    }
    return { entries, notifications };
  } finally {
    await ledger.close();
  }
};

const mark = (ok: boolean) => (ok ? '✔' : '✘');

const print = (io: Io, rows: Row[]) => {
  for (const r of rows) {
    const where = r.group ? `${r.group} ${r.member ?? 'dns'} ` : '';
    const status = r.status !== undefined ? `${r.status} ` : '';
    io.out(
      `${mark(r.ok)} ${where}${r.probe} ${r.target}  ${status}in ${Math.round(r.latencyMs)} ms${r.address ? ` (${r.address})` : ''}${r.pointsTo ? `  → points to ${r.pointsTo}` : ''}`,
    );
    if (r.error) io.out(`    ✘ ${r.error}`);
    for (const a of r.assertions) io.out(`    ${mark(a.ok)} ${a.name}: expected ${a.expected}, got ${a.actual}`);
    for (const w of r.warnings) io.out(`    ! ${w}`);
    if (!r.ok && r.bodySnippet) io.out(`    body: ${r.bodySnippet.slice(0, 200).replace(/\s+/g, ' ')}`);
  }
};

const recordedRow = (e: DnsEntry) => ({
  group: e.group,
  seq: e.seq,
  event: e.event,
  state: e.state,
  previousState: e.previousState,
  stateChangedAt: e.stateChangedAt,
});

const recordedLine = (e: DnsEntry) =>
  `${e.group}#${e.seq} ${e.event}: DNS answers ${e.state}${e.event === 'DNS_SERVING_CHANGED' ? ` (was ${e.previousState ?? '?'})` : `, the alarms say ${e.dns.mismatch?.alarmServing ?? e.serving}`}`;

const parseStatus = (v: string): number | [number, number] => {
  const s = v.trim().toLowerCase();
  if (/^[1-5]xx$/.test(s)) return [Number(s[0]) * 100, Number(s[0]) * 100 + 99];
  const range = /^(\d{3})-(\d{3})$/.exec(s);
  if (range) return [Number(range[1]), Number(range[2])];
  if (/^\d{3}$/.test(s)) return Number(s);
  throw new UsageError(`probe: --expect-status: expected a code like 200, 2xx or 200-299, got ${JSON.stringify(v)}`);
};

const positive = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`probe: --${flag}: expected a positive number of milliseconds, got ${JSON.stringify(v)}`);
  return n;
};

export const probe = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('probe', args, {
    ...COMMON_OPTIONS,
    group: { type: 'string' },
    'allow-private': { type: 'boolean', default: false },
    'no-notify': { type: 'boolean', default: false },
    url: { type: 'string' },
    'expect-status': { type: 'string', multiple: true },
    'expect-body': { type: 'string' },
    'max-latency': { type: 'string' },
    timeout: { type: 'string' },
    method: { type: 'string', default: 'GET' },
    header: { type: 'string', multiple: true },
    'follow-redirects': { type: 'boolean', default: false },
  });
  if (values.help) {
    io.out(PROBE_HELP);
    return 0;
  }
  const engines = probeEngines();
  let rows: Row[];
  let recorded: { entries: DnsEntry[]; notifications: string[] } = { entries: [], notifications: [] };
  if (values.url) {
    if (values.group) throw new UsageError('probe: --url and --group do not go together');
    const headers: Record<string, string> = {};
    for (const h of values.header ?? []) {
      const i = h.indexOf(':');
      if (i <= 0) throw new UsageError(`probe: --header: expected "Name: value", got ${JSON.stringify(h)}`);
      headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
    }
    const maxLatencyMs = positive('max-latency', values['max-latency']);
    const spec: HttpProbeSpec = {
      name: 'url',
      url: values.url,
      method: values.method.toUpperCase(),
      headers,
      expectStatus: values['expect-status']?.length ? values['expect-status'].map(parseStatus) : [[200, 299]],
      ...(values['expect-body'] !== undefined ? { bodyContains: values['expect-body'] } : {}),
      ...(maxLatencyMs !== undefined ? { maxLatencyMs } : {}),
      timeoutMs: positive('timeout', values.timeout) ?? 2000,
      certExpiryWarningDays: 14,
      followRedirects: values['follow-redirects'],
      maxRedirects: 5,
      allowPrivateTargets: values['allow-private'],
    };
    rows = [await engines.http(spec)];
  } else {
    const { config, path } = loadConfigFile(values.config ?? io.env.R53F_CONFIG, io.cwd);
    const groups = values.group ? [values.group] : Object.keys(config.groups);
    if (values.group && !config.groups[values.group])
      throw new UsageError(`probe: --group: no group ${JSON.stringify(values.group)} in ${path ?? 'the config'}`);
    const jobs = groups.flatMap((group) => {
      const settings = {
        ...probeSettingsFor(config, group),
        ...(values['allow-private'] ? { allowPrivateTargets: true } : {}),
      };
      return (['primary', 'secondary'] as const).flatMap((member) =>
        memberSpecs(config, group, member, settings).map((p) => ({ group, member, p })),
      );
    });
    if (jobs.length === 0 && !groups.some((g) => dnsSpecFor(config, g))) {
      io.err(
        `probe: no probes configured (${path ?? 'no config file'}): give members an endpoint or probes, or use --url`,
      );
      return 2;
    }
    rows = await mapLimit(jobs, 8, async ({ group, member, p }) => ({
      ...(p.type === 'http' ? await engines.http(p.spec) : await engines.tcp(p.spec)),
      group,
      member,
    }));
    const observed: { group: string; result: DnsProbeResult }[] = [];
    for (const group of groups) {
      const spec = dnsSpecFor(config, group);
      if (!spec) continue;
      const dns = await runDnsProbe(spec);
      observed.push({ group, result: dns });
      rows.push({ ...dns, group, pointsTo: dns.pointsTo, observed: observationOf(dns)?.serving ?? null });
    }
    if (observed.length > 0) recorded = await recordDns(io, values, config, observed, !values['no-notify']);
  }
  const ok = rows.every((r) => r.ok);
  if (values.json) io.out(JSON.stringify({ ok, results: rows, recorded: recorded.entries.map(recordedRow) }, null, 2));
  else {
    print(io, rows);
    for (const e of recorded.entries) io.out(`recorded ${recordedLine(e)}`);
    for (const n of recorded.notifications) io.out(`  ↳ ${n}`);
  }
  return ok ? 0 : 1;
};
