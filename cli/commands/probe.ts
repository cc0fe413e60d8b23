import { loadConfigFile } from '../../shared/config/file.js';
import { UsageError } from '../../shared/support/errors.js';
import { runDnsProbe } from '../../shared/probe/dns-probe.js';
import { probeEngines } from '../../shared/probe/engines.js';
import { dnsSpecFor, memberSpecs, mapLimit } from '../../shared/probe/runner.js';
import type { HttpProbeSpec, ProbeResult } from '../../shared/probe/types.js';
import { parseFlags } from '../args.js';
import type { Io } from '../context.js';
import type { MemberRole } from '../../shared/core/members.js';
import { probeSettingsFor } from '../../shared/config/lookups.js';

export const PROBE_HELP = `r53-failover probe [--group NAME] [--allow-private] [--json] [--config FILE]
r53-failover probe --url URL [--expect-status 200] [--expect-body TEXT] [--max-latency MS] [--timeout MS]
                   [--method GET] [--header 'Name: value'] [--follow-redirects] [--allow-private] [--json]

Runs the configured synthetic probes of every group member once, from this machine (or one ad-hoc HTTP(S) check
with --url), and lists every assertion with pass/fail and the latency. With dnsResolvers configured, also resolves
each group's record and reports which member it points to. Exit status 1 when any probe fails.

Targets that resolve to loopback, private (RFC 1918/ULA), link-local or metadata addresses are refused; with
--allow-private, loopback and private ranges are allowed (local runs, VPC endpoints); link-local, the instance
metadata service and the Lambda runtime API never are.`;

type Row = ProbeResult & { group?: string; member?: MemberRole; pointsTo?: string };

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
    config: { type: 'string' },
    group: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    'allow-private': { type: 'boolean', default: false },
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
    for (const group of groups) {
      const spec = dnsSpecFor(config, group);
      if (!spec) continue;
      const dns = await runDnsProbe(spec);
      rows.push({ ...dns, group, pointsTo: dns.pointsTo });
    }
  }
  const ok = rows.every((r) => r.ok);
  if (values.json) io.out(JSON.stringify({ ok, results: rows }, null, 2));
  else print(io, rows);
  return ok ? 0 : 1;
};
