import type { DbControlCall } from './regional-app.js';
import type { RecordSetup, Role, World } from './world.js';

/** The drill's scenarios: a script of faults and clock runs each, and what must have happened afterwards. */

export const SCENARIO_NAMES = [
  'primary-down',
  'broken-200',
  'both-down',
  'flapping',
  'failback',
  'target-health',
  'detached-check',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What an `until` condition can look at while a scenario runs. */
export interface ScenarioView {
  /** Group events appended to the ledger so far, in order. */
  events: readonly string[];
  /** Slack headers received so far (without the emoji). */
  slack: readonly string[];
}

export type ScriptStep =
  /** Advance the clock `seconds` (10 s per step unless `stepSeconds`), or until `until` holds. */
  | { kind: 'run'; seconds: number; stepSeconds?: number; until?: (v: ScenarioView) => boolean; note?: string }
  /** Change the world (a fault or a repair). */
  | { kind: 'fault'; say: string; apply: (w: World) => void }
  /** POST /orders through one region's app: is its database writable? */
  | { kind: 'write'; role: Role; say: string }
  /** The operator runs the switchover command FAILBACK_READY announced. */
  | { kind: 'failback'; say: string };

export interface ScenarioResult {
  scenario: ScenarioName;
  title: string;
  group: string;
  recordName: string;
  startedAt: string;
  endedAt: string;
  steps: number;
  /** The group's ledger chain, in sequence order (`at`: the state change; `recordedAt`: when it was appended). */
  ledger: {
    seq: number;
    at: string;
    recordedAt: string;
    kind: string;
    event: string;
    role: string;
    state: string;
    reason: string;
  }[];
  /** Each alarm state change (in the alarm's region) and how each of its deliveries was recorded. */
  alarms: {
    at: string;
    member: Role;
    region: string;
    from: string;
    to: string;
    deliveries: { path: 'eventbridge' | 'sns'; outcome: string; event?: string; seq?: number }[];
  }[];
  /** What the failover record resolved to, each time it changed (as the probe regions saw it). */
  dns: { at: string; member: string; answers: string[] }[];
  notifications: { at: string; channel: 'slack' | 'webhook'; title: string; signature?: 'verified' | 'invalid' }[];
  promotionCalls: (DbControlCall & { at: string })[];
  writes: { at: string; region: string; status: number; detail: string }[];
  /** The database writer's region at the end. */
  writer: string | null;
  checks: { what: string; ok: boolean }[];
  passed: boolean;
}

export interface ScenarioSpec {
  name: ScenarioName;
  title: string;
  /** How the hosted zone's failover records are set up (see RecordSetup). */
  setup: RecordSetup;
  /** The resource path Route 53 checks: `/` is the typical misconfiguration that only proves the process is up. */
  checkPath: '/healthz' | '/';
  /** `probes.servingMismatchSeconds` for this group, below the default (600 s) so the drill need not wait 10 minutes. */
  servingMismatchSeconds?: number;
  /** False: the group has no promotion hook. */
  promotion?: false;
  script: ScriptStep[];
  expect(r: ScenarioResult): { what: string; ok: boolean }[];
}

const run = (
  seconds: number,
  until?: (v: ScenarioView) => boolean,
  extra: { stepSeconds?: number; note?: string } = {},
): ScriptStep => ({ kind: 'run', seconds, ...(until ? { until } : {}), ...extra });
const fault = (say: string, apply: (w: World) => void): ScriptStep => ({ kind: 'fault', say, apply });
const has =
  (...events: string[]) =>
  (v: ScenarioView) =>
    events.every((e) => v.events.includes(e));
const times = (event: string, n: number) => (v: ScenarioView) => v.events.filter((e) => e === event).length >= n;

/** Probes need three rounds to establish their quorum before anything breaks. */
const WARM_UP = run(30);
const SETTLE = run(20);
const UP_TO = 900;
/** `probes.servingMismatchSeconds` of the target-health and detached-check groups (the default is 600 s). */
export const MISMATCH_SECONDS = 120;

const darken = (role: Role) => (w: World) => {
  w.sites[role].app.up = false;
  w.sites[role].db.up = false;
};

/** `wanted` appear in `events` in this order (other events may come in between). */
export const inOrder = (events: readonly string[], wanted: readonly string[]): boolean => {
  let i = 0;
  for (const e of events) if (e === wanted[i]) i++;
  return i === wanted.length;
};

const slackCount = (r: ScenarioResult, prefix: string) =>
  r.notifications.filter((n) => n.channel === 'slack' && n.title.startsWith(prefix)).length;
const events = (r: ScenarioResult) => r.ledger.map((e) => e.event);
const lastDns = (r: ScenarioResult) => r.dns.at(-1)?.member;
const signedPromotions = (r: ScenarioResult) =>
  r.promotionCalls.filter((c) => c.path === '/promote' && c.signature === 'verified').length;

const failOver = [
  WARM_UP,
  fault('us-east-1 goes dark: its app resets every connection and its database is unreachable', darken('primary')),
  run(UP_TO, has('PROMOTION_SUCCEEDED')),
];

export const SCENARIOS: Record<ScenarioName, ScenarioSpec> = {
  'primary-down': {
    name: 'primary-down',
    title: 'the primary region goes dark; traffic and the database writer move to us-west-2',
    setup: 'health-checks',
    checkPath: '/healthz',
    script: [...failOver, { kind: 'write', role: 'secondary', say: 'a test order through the us-west-2 app' }, SETTLE],
    expect: (r) => [
      { what: 'probes saw the primary fail (PROBE_DOWN)', ok: events(r).includes('PROBE_DOWN') },
      {
        what: 'FAILED_OVER, then the promotion: awaiting approval → in progress → succeeded',
        ok: inOrder(events(r), [
          'FAILED_OVER',
          'PROMOTION_AWAITING_APPROVAL',
          'PROMOTION_IN_PROGRESS',
          'PROMOTION_SUCCEEDED',
        ]),
      },
      { what: 'DNS answered the secondary after the flip', ok: lastDns(r) === 'secondary' },
      { what: 'Slack got exactly one FAILED OVER message', ok: slackCount(r, 'FAILED OVER:') === 1 },
      {
        what: 'the SNS copy of the alarm was absorbed as a duplicate',
        ok: r.alarms.some((a) => a.deliveries.some((d) => d.path === 'sns' && d.outcome === 'duplicate')),
      },
      {
        what: 'one signed promotion call; the writer is in us-west-2',
        ok: signedPromotions(r) === 1 && r.writer === 'us-west-2',
      },
      {
        what: 'orders can be written in us-west-2',
        ok: r.writes.at(-1)?.region === 'us-west-2' && r.writes.at(-1)?.status === 201,
      },
    ],
  },
  'broken-200': {
    name: 'broken-200',
    title: 'the primary database dies but GET / still answers 200: Route 53 checks / and sees nothing',
    setup: 'health-checks',
    checkPath: '/',
    script: [
      WARM_UP,
      fault('the us-east-1 database becomes unreachable; the app process keeps answering GET / with 200', (w) => {
        w.sites.primary.db.up = false;
      }),
      run(UP_TO, has('HEALTH_DISAGREEMENT')),
      SETTLE,
    ],
    expect: (r) => [
      { what: 'Route 53 stayed healthy: no FAILED_OVER', ok: !events(r).includes('FAILED_OVER') },
      {
        what: 'probes of /healthz saw it (PROBE_DOWN), then HEALTH_DISAGREEMENT',
        ok: inOrder(events(r), ['PROBE_DOWN', 'HEALTH_DISAGREEMENT']),
      },
      { what: 'Slack got the HEALTH DISAGREEMENT message', ok: slackCount(r, 'HEALTH DISAGREEMENT:') === 1 },
      {
        what: 'DNS kept answering the (broken) primary',
        ok: r.dns.length > 0 && r.dns.every((d) => d.member === 'primary'),
      },
    ],
  },
  'both-down': {
    name: 'both-down',
    title: 'both regions go dark: Route 53 answers the primary anyway and nothing is promoted',
    setup: 'health-checks',
    checkPath: '/healthz',
    script: [
      WARM_UP,
      fault('us-east-1 goes dark', darken('primary')),
      run(30),
      fault('us-west-2 goes dark too', darken('secondary')),
      run(UP_TO, has('BOTH_UNHEALTHY', 'PROMOTION_SKIPPED')),
      SETTLE,
    ],
    expect: (r) => [
      { what: 'BOTH_UNHEALTHY recorded', ok: events(r).includes('BOTH_UNHEALTHY') },
      {
        what: 'promotion skipped, with the reason',
        ok: r.ledger.some((e) => e.event === 'PROMOTION_SKIPPED' && /both regions are unhealthy/.test(e.reason)),
      },
      {
        what: 'DNS went to the secondary, then back to the primary when both were unhealthy',
        ok: r.dns.some((d) => d.member === 'secondary') && lastDns(r) === 'primary',
      },
      { what: 'no promotion call was made', ok: r.promotionCalls.length === 0 },
    ],
  },
  flapping: {
    name: 'flapping',
    title: 'the primary app crash-loops: one FLAPPING message, then one summary once it is stable',
    setup: 'health-checks',
    checkPath: '/healthz',
    script: [
      WARM_UP,
      fault('the us-east-1 app crashes (its database is fine)', (w) => void (w.sites.primary.app.up = false)),
      run(UP_TO, times('FAILED_OVER', 1)),
      fault('the us-east-1 app restarts', (w) => void (w.sites.primary.app.up = true)),
      run(UP_TO, times('RECOVERED', 1)),
      fault('the us-east-1 app crashes again', (w) => void (w.sites.primary.app.up = false)),
      run(UP_TO, times('FAILED_OVER', 2)),
      fault('the us-east-1 app restarts and stays up', (w) => void (w.sites.primary.app.up = true)),
      run(UP_TO, times('RECOVERED', 2)),
      run(1800, (v) => v.slack.some((t) => t.startsWith('FLAPPING ENDED')), {
        stepSeconds: 60,
        note: 'quiet now: the clock advances 60 s per step until the flap hold time has passed',
      }),
    ],
    expect: (r) => [
      { what: 'the 3rd transition within 10 min became one FLAPPING message', ok: slackCount(r, 'FLAPPING:') === 1 },
      { what: 'one summary once the group was stable', ok: slackCount(r, 'FLAPPING ENDED') === 1 },
      {
        what: 'every transition is still in the ledger',
        ok: inOrder(events(r), ['FAILED_OVER', 'RECOVERED', 'FAILED_OVER', 'RECOVERED']),
      },
      {
        what: 'nothing was promoted (the hold-down outlasted each failover)',
        ok: !events(r).includes('PROMOTION_SUCCEEDED') && r.promotionCalls.length === 0,
      },
    ],
  },
  failback: {
    name: 'failback',
    title: 'after a promoted failover the primary recovers: DNS fails back on its own, the database by hand',
    setup: 'health-checks',
    checkPath: '/healthz',
    script: [
      ...failOver,
      run(30),
      fault('us-east-1 comes back: the app answers again and its database rejoins as a replica of us-west-2', (w) => {
        w.sites.primary.app.up = true;
        w.dbs.rejoin(w.sites.primary.region);
      }),
      run(UP_TO, has('FAILBACK_READY')),
      { kind: 'write', role: 'primary', say: 'a test order through the us-east-1 app, before the switchover' },
      { kind: 'failback', say: 'the operator runs the switchover command from FAILBACK_READY' },
      { kind: 'write', role: 'primary', say: 'the same test order after the switchover' },
      SETTLE,
    ],
    expect: (r) => [
      {
        what: 'failed over and promoted, then RECOVERED and FAILBACK_READY',
        ok: inOrder(events(r), ['FAILED_OVER', 'PROMOTION_SUCCEEDED', 'RECOVERED', 'FAILBACK_READY']),
      },
      {
        what: 'FAILBACK_READY names the switchover command',
        ok: r.ledger.some((e) => e.event === 'FAILBACK_READY' && e.reason.includes('/switchover')),
      },
      { what: 'DNS is back on the primary', ok: lastDns(r) === 'primary' },
      {
        what: 'writes in us-east-1 failed until the switchover, then succeeded',
        ok: r.writes.map((w) => `${w.region} ${w.status}`).join(', ') === 'us-east-1 503, us-east-1 201',
      },
      { what: 'the writer is back in us-east-1', ok: r.writer === 'us-east-1' },
    ],
  },
  'target-health': {
    name: 'target-health',
    title:
      'alias records to load balancers with Evaluate Target Health, no health check: the primary’s targets die one by one',
    setup: 'target-health',
    checkPath: '/healthz',
    servingMismatchSeconds: MISMATCH_SECONDS,
    script: [
      WARM_UP,
      fault('one of the two us-west-2 targets dies (it resets every connection); the other still answers', (w) => {
        for (const app of w.sites.primary.apps.slice(0, 1)) app.up = false;
      }),
      run(90),
      fault('the other us-west-2 target dies too: the target group has no healthy target left', (w) => {
        for (const app of w.sites.primary.apps) app.up = false;
      }),
      run(UP_TO, has('FAILED_OVER', 'DNS_SERVING_CHANGED', 'PROMOTION_SUCCEEDED')),
      { kind: 'write', role: 'secondary', say: 'a test order through the eu-west-1 load balancer' },
      SETTLE,
    ],
    expect: (r) => [
      {
        what: 'DNS answered the primary’s load balancer, then the secondary’s: one move, after the last target died',
        ok: r.dns.map((d) => d.member).join(' → ') === 'primary → secondary',
      },
      {
        what: 'the us-west-2 HealthyHostCount alarm, forwarded to us-east-1 by EventBridge, recorded FAILED_OVER',
        ok: r.alarms.some(
          (a) =>
            a.member === 'primary' &&
            a.region === 'us-west-2' &&
            a.to === 'ALARM' &&
            a.deliveries.map((d) => `${d.path} ${d.outcome} ${d.event}`).join() === 'eventbridge recorded FAILED_OVER',
        ),
      },
      {
        what: `the DNS observation agrees: DNS_SERVING_CHANGED, and no SERVING_MISMATCH (${MISMATCH_SECONDS} s)`,
        ok: events(r).includes('DNS_SERVING_CHANGED') && !events(r).includes('SERVING_MISMATCH'),
      },
      { what: 'Slack got exactly one FAILED OVER message', ok: slackCount(r, 'FAILED OVER:') === 1 },
      {
        what: 'promoted: the writer is in eu-west-1 and orders can be written there',
        ok: r.writer === 'eu-west-1' && r.writes.at(-1)?.status === 201,
      },
    ],
  },
  'detached-check': {
    name: 'detached-check',
    title: 'the primary’s health check fails, but the PRIMARY record does not reference it: DNS never moves',
    setup: 'detached-check',
    checkPath: '/healthz',
    servingMismatchSeconds: MISMATCH_SECONDS,
    promotion: false,
    script: [
      WARM_UP,
      fault('us-east-1 goes dark: its app resets every connection and its database is unreachable', darken('primary')),
      run(UP_TO, has('FAILED_OVER', 'SERVING_MISMATCH')),
      SETTLE,
    ],
    expect: (r) => {
      const mismatch = r.ledger.find((e) => e.event === 'SERVING_MISMATCH');
      return [
        {
          what: 'the alarm of the unattached health check recorded FAILED_OVER',
          ok: events(r).includes('FAILED_OVER'),
        },
        {
          what: 'DNS never moved: it answered the primary throughout (no DNS_SERVING_CHANGED)',
          ok:
            r.dns.length > 0 &&
            r.dns.every((d) => d.member === 'primary') &&
            !events(r).includes('DNS_SERVING_CHANGED'),
        },
        {
          what: `SERVING_MISMATCH once DNS and the alarms had disagreed for servingMismatchSeconds (${MISMATCH_SECONDS} s)`,
          ok:
            mismatch !== undefined &&
            Date.parse(mismatch.recordedAt) - Date.parse(mismatch.at) >= MISMATCH_SECONDS * 1000 &&
            /does not reference that health check/.test(mismatch.reason),
        },
        { what: 'Slack got the SERVING MISMATCH message', ok: slackCount(r, 'SERVING MISMATCH:') === 1 },
      ];
    },
  },
};
