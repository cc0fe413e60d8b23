import type { OpenedLedger } from '../embedded-ledger.js';
import type { LedgerEntry } from '../../shared/ledger/store.js';
import type { LocalDnsServer } from '../dns-server.js';
import type { Receiver } from '../receiver.js';
import { eventBridgeEvent, snsEvent, type SampleTransition } from '../sample-events.js';
import { PROBE_REGIONS, type Pipeline } from './pipeline.js';
import { clockTime, describeEntry, describeOutcome, offset, slackTitle, webhookNotice } from './progress.js';
import { httpCall } from './regional-app.js';
import type { ScenarioResult, ScenarioSpec, ScenarioView, ScriptStep } from './scenarios.js';
import { HEALTHY_FRACTION } from './health-checker.js';
import { ROUTE53_METRICS_REGION } from '../../shared/core/alarm-origin.js';
import { ROLES, type Role, type Site, type World } from './world.js';

/** One scenario's run on the simulated clock: each step advances the world, delivers the alarms it changed, and narrates what the pipeline did. */

/**
 * Where every scenario starts on the simulated clock (each on its own group, so they never interfere): an hour before
 * the drill runs, on a whole minute, so a kept ledger's episodes fall inside `history`, `stats` and `report`'s default
 * windows and no entry lies in the future (the longest scenario spans well under an hour of simulated time).
 */
export const drillStart = (now: Date): number => Math.floor((now.getTime() - 3_600_000) / 60_000) * 60_000;
export const FAILURE_THRESHOLD = 3;
export const STEP_SECONDS = 10;
export const OPERATOR = 'operator (drill)';
export const NOTIFY_SECRET = 'drill-notify-webhook-secret-0123';
export const HOOK_SECRET = 'drill-promotion-hook-secret-0123';

export interface Infra {
  dns: LocalDnsServer;
  slack: Receiver;
  webhook: Receiver;
  pipeline: Pipeline;
  ledger: OpenedLedger;
  clock: { ms: number };
  /** The simulated clock's start (drillStart). */
  startMs: number;
  progress: (line: string) => void;
}

interface Run {
  spec: ScenarioSpec;
  world: World;
  result: ScenarioResult;
  serving: Role;
  /** What the DNS probe last resolved the record to. */
  dnsMember?: string;
  entriesFrom: number;
  marks: { slack: number; webhook: number; entries: number; notifications: number; calls: number };
}

export const iso = (ms: number) => new Date(ms).toISOString();
const GUTTER = ' '.repeat(10);

const say = (x: Infra, r: Run, text: string) =>
  x.progress(`  ${offset(x.clock.ms - Date.parse(r.result.startedAt))}  ${text}`);
const more = (x: Infra, text: string) => x.progress(`${GUTTER}${text}`);

/**
 * Prints what the pipeline appended and what the receivers got since the last flush (under `lead`, a timestamped
 * line, when there is anything), and keeps it in the result.
 */
const flush = (x: Infra, r: Run, lead?: string): void => {
  const { sink } = x.pipeline;
  const lines: string[] = [];
  for (const e of sink.entries.slice(r.marks.entries)) if (e.kind !== 'transition') lines.push(describeEntry(e));
  for (const n of sink.notifications.slice(r.marks.notifications))
    if (n.result === 'suppressed') lines.push(`held back (the group is flapping): ${n.title}`);
  const at = iso(x.clock.ms);
  const hooks = x.webhook.requests.slice(r.marks.webhook).map((req) => webhookNotice(req, NOTIFY_SECRET));
  for (const req of x.slack.requests.slice(r.marks.slack)) {
    const title = slackTitle(req);
    r.result.notifications.push({ at, channel: 'slack', title });
    const twin = hooks.findIndex((h) => h.title === title);
    const signed = twin >= 0 ? hooks.splice(twin, 1)[0] : undefined;
    if (signed) r.result.notifications.push({ at, channel: 'webhook', ...signed });
    lines.push(`slack   ◀ ${title}${signed ? `  (+ webhook, signature ${signed.signature})` : ''}`);
  }
  for (const h of hooks) {
    r.result.notifications.push({ at, channel: 'webhook', ...h });
    lines.push(`webhook ◀ ${h.title}  (signature ${h.signature})`);
  }
  for (const c of r.world.dbControl.calls.slice(r.marks.calls)) {
    r.result.promotionCalls.push({ at, ...c });
    lines.push(
      `db-control ◀ POST ${c.path}${c.promotionId ? ` (X-R53F-Id ${c.promotionId}, signature ${c.signature})` : ''} → ${c.status}: ${c.detail}`,
    );
  }
  r.marks = {
    slack: x.slack.requests.length,
    webhook: x.webhook.requests.length,
    entries: sink.entries.length,
    notifications: sink.notifications.length,
    calls: r.world.dbControl.calls.length,
  };
  if (lines.length && lead) say(x, r, lead);
  for (const line of lines) more(x, line);
};

const view = (x: Infra, r: Run): ScenarioView => ({
  events: x.pipeline.sink.entries.slice(r.entriesFrom).map((e) => e.event),
  slack: r.result.notifications.filter((n) => n.channel === 'slack').map((n) => n.title),
});

/** A state change of `site`'s alarm, in the alarm's own region: us-east-1, or the load balancer's. */
const transitionOf = (site: Site, t: Pick<SampleTransition, 'state' | 'previousState' | 'at'>): SampleTransition => ({
  alarmName: site.alarm.name,
  healthCheckId: site.healthCheckId,
  ...(site.lb
    ? { targetGroup: site.lb.targetGroup, loadBalancer: site.lb.loadBalancer, region: site.region }
    : { region: ROUTE53_METRICS_REGION }),
  ...t,
});

/**
 * One alarm state change, delivered the way AWS does: EventBridge always (from another region, forwarded by the
 * regional stack's rule to the us-east-1 default bus, keeping its region); an ALARM of an alarm in us-east-1 also
 * through the SNS topic (a regional target-health alarm has no actions).
 */
const deliverChange = async (x: Infra, r: Run, role: Role, t: SampleTransition): Promise<void> => {
  const region = t.region ?? ROUTE53_METRICS_REGION;
  const home = region === ROUTE53_METRICS_REGION;
  const paths = [
    ['eventbridge', eventBridgeEvent(t)] as const,
    ...(t.state === 'ALARM' && home ? [['sns', snsEvent(t)] as const] : []),
  ];
  const deliveries: ScenarioResult['alarms'][number]['deliveries'] = [];
  for (const [path, payload] of paths) {
    for (const o of await x.pipeline.deliver(payload, `${path}:${t.alarmName}:${t.at}`)) {
      deliveries.push({
        path,
        outcome: o.outcome,
        ...(o.outcome === 'recorded' || o.outcome === 'duplicate' ? { event: o.event, seq: o.seq } : {}),
      });
      const via = path === 'sns' ? 'SNS copy' : home ? 'EventBridge' : `EventBridge (forwarded from ${region})`;
      more(x, `${via} → ${describeOutcome(o)}`);
    }
    flush(x, r);
  }
  r.result.alarms.push({ at: t.at, member: role, region, from: t.previousState, to: t.state, deliveries });
};

const deliverAlarms = async (x: Infra, r: Run, from: number, to: number) => {
  for (const role of ROLES) {
    const site = r.world.sites[role];
    for (const change of site.alarm.evaluate(from, to)) {
      say(
        x,
        r,
        `CloudWatch ${site.region === ROUTE53_METRICS_REGION ? '' : `${site.region} `}${site.alarm.name}: ${change.previousState} → ${change.state} (${site.alarm.metric} Minimum ${change.minimum} over ${clockTime(change.periodStart)}–${clockTime(change.periodStart + 60_000)})`,
      );
      await deliverChange(
        x,
        r,
        role,
        transitionOf(site, { state: change.state, previousState: change.previousState, at: iso(change.at) }),
      );
    }
  }
};

/** Runs the health checks of `site` due in (from, to]: Route 53's checkers, or its load balancer's; says what changed. */
const advanceSite = async (x: Infra, r: Run, site: Site, from: number, to: number): Promise<void> => {
  const last = (result: string | undefined) => (result ? `; last answer: ${result}` : '');
  if (site.lb) {
    const p = await site.lb.targets.advance(from, to);
    if (!p.countChanged) return;
    const verdict = site.lb.targets.healthy
      ? 'Route 53 still counts the alias healthy (one healthy target is enough)'
      : 'no healthy target: Route 53 counts the alias record UNHEALTHY (Evaluate Target Health)';
    say(
      x,
      r,
      `ELB ${site.region} ${site.lb.name}: ${p.healthyTargets} of ${p.targets} targets healthy${last(p.lastResult)} → ${verdict}`,
    );
    return;
  }
  if (!site.check) return;
  const p = await site.check.advance(from, to);
  if (!p.countChanged) return;
  const pct = Math.round((100 * p.healthyCheckers) / p.checkers);
  const verdict = p.healthy
    ? `healthy (${pct} % > ${HEALTHY_FRACTION * 100} %)`
    : `UNHEALTHY (${pct} % ≤ ${HEALTHY_FRACTION * 100} %)`;
  say(
    x,
    r,
    `Route 53 ${site.role} ${r.world.checkPath}: ${p.healthyCheckers} of ${p.checkers} checkers see it healthy → ${verdict}${last(p.lastResult)}${site.evaluated ? '' : ` (no record references this check: Route 53 keeps answering the ${site.role})`}`,
  );
};

/** One step of simulated time: health checkers, Route 53's answer, alarms, probe rounds, the minute's work, the operator. */
const step = async (x: Infra, r: Run, stepMs: number): Promise<void> => {
  const from = x.clock.ms;
  const to = from + stepMs;
  x.clock.ms = to;
  const { world } = r;
  const stepEntries = x.pipeline.sink.entries.length;
  for (const role of ROLES) await advanceSite(x, r, world.sites[role], from, to);
  const answer = world.route53Answer();
  if (answer !== r.serving) {
    r.serving = answer;
    world.publish(x.dns, answer);
    const site = world.sites[answer];
    say(
      x,
      r,
      `Route 53 now answers ${world.recordName} with the ${answer}: ${site.ips.join(', ')} (${site.lb ? `load balancer ${site.lb.name}, ` : ''}${site.region})`,
    );
  }
  await deliverAlarms(x, r, from, to);
  const reports = await x.pipeline.probeRound(world.group);
  const dnsSeen = reports.flatMap((rep) => rep.dns)[0]?.result;
  if (dnsSeen && dnsSeen.pointsTo !== r.dnsMember) {
    r.dnsMember = dnsSeen.pointsTo;
    const answers = dnsSeen.dns[0]?.answers ?? [];
    r.result.dns.push({ at: iso(to), member: dnsSeen.pointsTo, answers });
    say(
      x,
      r,
      `DNS probe (${PROBE_REGIONS.length} regions, resolver ${x.dns.address}): ${world.recordName} → ${answers.join(', ') || 'no answer'} = ${dnsSeen.pointsTo}`,
    );
  }
  flush(x, r, `probe round from ${PROBE_REGIONS.join(', ')}:`);
  if (Math.floor(from / 60_000) !== Math.floor(to / 60_000)) {
    await x.pipeline.everyMinute(world.group);
    flush(x, r, 'every-minute schedule (notifier sweep, promotion tick):');
  }
  for (const e of x.pipeline.sink.entries.slice(stepEntries)) {
    if (e.kind !== 'promotion' || e.event !== 'PROMOTION_AWAITING_APPROVAL') continue;
    say(x, r, `the operator approves: r53-failover promote approve ${e.promotion.id} --actor "${OPERATOR}"`);
    await x.pipeline.approve(e.promotion.id, OPERATOR);
    flush(x, r);
  }
  r.result.steps++;
};

const runStep = async (x: Infra, r: Run, s: ScriptStep): Promise<void> => {
  const { world } = r;
  if (s.kind === 'run') {
    if (s.note) say(x, r, s.note);
    const end = x.clock.ms + s.seconds * 1000;
    while (x.clock.ms < end) {
      await step(x, r, (s.stepSeconds ?? STEP_SECONDS) * 1000);
      if (s.until?.(view(x, r))) return;
    }
    if (s.until) say(x, r, `(gave up waiting after ${s.seconds} s)`);
    return;
  }
  if (s.kind === 'fault') {
    s.apply(world);
    say(x, r, `✖ ${s.say}`);
    return;
  }
  if (s.kind === 'write') {
    const site = world.sites[s.role];
    const res = await httpCall(`${site.url}/orders`, { method: 'POST', body: '{"item":"drill"}' });
    const detail =
      'body' in res ? ((JSON.parse(res.body) as { error?: string }).error ?? `written in ${site.region}`) : res.error;
    r.result.writes.push({ at: iso(x.clock.ms), region: site.region, status: res.status, detail });
    say(x, r, `${s.say}: POST /orders → ${res.status || 'no answer'} (${detail})`);
    return;
  }
  say(x, r, `${s.say}:`);
  more(x, world.failbackCommand());
  await httpCall(`${world.dbControl.receiver.url}/switchover`, {
    method: 'POST',
    body: JSON.stringify({ writer: world.sites.primary.region }),
  });
  flush(x, r);
};

/** A scenario's setup as its first lines say it: members, what Route 53 judges them by, the alarms and the probes. */
const setupLines = (world: World, spec: ScenarioSpec): string[] => {
  const [p, s] = [world.sites.primary, world.sites.secondary];
  const where = (site: Site) =>
    `${site.role} ${site.region} ${site.url} (${site.lb ? `load balancer ${site.lb.name}: ${site.apps.length} targets, ` : ''}${site.ips.join(', ')})`;
  const lines = [`group ${world.group}, record ${world.recordName}: ${where(p)}, ${where(s)}`];
  if (p.lb) {
    const t = p.lb.targets.settings;
    lines.push(
      `the failover records are aliases to the load balancers with Evaluate Target Health and no health check: Route 53 counts one healthy while its target group has a healthy target;`,
      `each load balancer checks its targets with GET ${t.path} every ${t.intervalSeconds} s (timeout ${t.timeoutSeconds} s, unhealthy after ${t.unhealthyThreshold} failures, healthy after ${t.healthyThreshold} successes);`,
      `alarms: HealthyHostCount Minimum < 1 per 60 s period in each load balancer's region, forwarded by EventBridge to the us-east-1 default bus;`,
    );
  } else if (p.check) {
    lines.push(
      `Route 53 checks GET ${world.checkPath} every ${p.check.settings.requestIntervalSeconds} s from ${p.check.checkers.length} locations (failure threshold ${FAILURE_THRESHOLD}; healthy while more than ${HEALTHY_FRACTION * 100} % of them say so);`,
    );
    if (!p.evaluated)
      lines.push(
        `the PRIMARY record references no health check, so Route 53 treats it as always healthy; failover.yml still names the primary's check, whose alarm the stack watches;`,
      );
    lines.push('alarms: HealthCheckStatus Minimum < 1 per 60 s period;');
  }
  lines.push(
    `probes: GET /healthz from ${PROBE_REGIONS.join(', ')} every ${STEP_SECONDS} s, quorum 2 of 3, 3 in a row${spec.promotion === false ? '; no promotion hook in this group' : ''}`,
  );
  if (spec.servingMismatchSeconds)
    lines.push(
      `the drill sets this group's probes.servingMismatchSeconds to ${spec.servingMismatchSeconds} s (the default is 600 s), so SERVING_MISMATCH needs no 10-minute wait`,
    );
  return lines;
};

export const runScenario = async (
  x: Infra,
  spec: ScenarioSpec,
  world: World,
  index: string,
): Promise<ScenarioResult> => {
  x.clock.ms = x.startMs;
  const result: ScenarioResult = {
    scenario: spec.name,
    title: spec.title,
    group: world.group,
    recordName: world.recordName,
    startedAt: iso(x.startMs),
    endedAt: iso(x.startMs),
    steps: 0,
    ledger: [],
    alarms: [],
    dns: [],
    notifications: [],
    promotionCalls: [],
    writes: [],
    writer: null,
    checks: [],
    passed: false,
  };
  const { sink } = x.pipeline;
  const marks = {
    slack: x.slack.requests.length,
    webhook: x.webhook.requests.length,
    entries: sink.entries.length,
    notifications: sink.notifications.length,
    calls: 0,
  };
  const r: Run = { spec, world, result, serving: 'primary', entriesFrom: sink.entries.length, marks };
  world.publish(x.dns, 'primary');
  x.progress(`\n━━ ${spec.name} (${index}): ${spec.title} ━━`);
  for (const line of setupLines(world, spec)) x.progress(`  ${line}`);
  say(
    x,
    r,
    `clock ${iso(x.startMs)}: both regions healthy, Route 53 answers ${world.recordName} with the primary (${world.sites.primary.ips.join(', ')}); both alarms have data (OK)`,
  );
  for (const role of ROLES) {
    const site = world.sites[role];
    await deliverChange(
      x,
      r,
      role,
      transitionOf(site, { state: 'OK', previousState: 'INSUFFICIENT_DATA', at: iso(x.startMs) }),
    );
  }
  for (const s of spec.script) await runStep(x, r, s);
  result.endedAt = iso(x.clock.ms);
  const chain: LedgerEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await x.ledger.store.chain(world.group, cursor);
    chain.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  result.ledger = chain.map((e) => ({
    seq: e.seq,
    at: e.stateChangedAt,
    recordedAt: e.recordedAt,
    kind: e.kind,
    event: e.event,
    role: e.role,
    state: e.state,
    reason: e.reason,
  }));
  result.writer = world.dbs.writer?.region ?? null;
  result.checks = spec.expect(result);
  result.passed = result.checks.every((c) => c.ok);
  x.progress(
    `  ${result.passed ? 'PASSED' : 'FAILED'} after ${result.steps} steps (${offset(x.clock.ms - x.startMs)} simulated):`,
  );
  for (const c of result.checks) x.progress(`    ${c.ok ? '✔' : '✘'} ${c.what}`);
  return result;
};

/** Runs the scenarios one after the other, then writes the audit report (text returned, HTML to a file). */
