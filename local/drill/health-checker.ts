import { httpCall, ROUTE53_HTTP_LIMITS } from './regional-app.js';

/**
 * Route 53 health checking and the CloudWatch alarm on top of it, on a simulated clock. Real HTTP requests go to the
 * local apps; only time is simulated.
 *
 * Route 53: checkers in several locations each send a request every `requestIntervalSeconds` (not synchronised with
 * each other); each checker keeps its own view, flipping to unhealthy after `failureThreshold` consecutive failures
 * and back after as many consecutive successes. The endpoint is healthy while more than 18 % of the checkers consider
 * it healthy. A request succeeds on a 2xx or 3xx status within Route 53's timeouts (a TCP connection within 4 s, the
 * status within 2 s of connecting: ROUTE53_HTTP_LIMITS) and, with a search string (HTTP_STR_MATCH), when the string is
 * in the body's first 5,120 bytes, which must arrive within 2 s of the status ("How Amazon Route 53 determines whether
 * a health check is healthy", Route 53 Developer Guide,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 */

/** Route 53's default health checker regions (one checker location each here). */
export const CHECKER_LOCATIONS = [
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
] as const;

/** "If more than 18% of health checkers report that an endpoint is healthy, Route 53 considers it healthy." */
export const HEALTHY_FRACTION = 0.18;

export interface HealthCheckSettings {
  /** The URL a checker requests (the check's protocol, IP/port and resource path). */
  url: string;
  /** 30 (standard) or 10 (fast). */
  requestIntervalSeconds: number;
  /** Consecutive failures (or successes) that flip one checker's view; Route 53's default is 3. */
  failureThreshold: number;
  /** HTTP_STR_MATCH: the string the body's first 5,120 bytes must hold. */
  searchString?: string;
}

/** One health checker request, judged as Route 53 judges it: `ok`, and what it saw (`200`, `connection reset`, …). */
export const route53Request = async (
  settings: Pick<HealthCheckSettings, 'url' | 'searchString'>,
): Promise<{ ok: boolean; result: string }> => {
  const { searchString } = settings;
  const r = await httpCall(settings.url, {
    maxBodyBytes: searchString === undefined ? 0 : ROUTE53_HTTP_LIMITS.searchBytes,
  });
  if ('error' in r) return { ok: false, result: r.error };
  if (r.status < 200 || r.status >= 400) return { ok: false, result: String(r.status) };
  if (searchString !== undefined && !r.body.includes(searchString))
    return {
      ok: false,
      result: `${r.status} without ${JSON.stringify(searchString)} in the first ${ROUTE53_HTTP_LIMITS.searchBytes.toLocaleString('en-US')} bytes`,
    };
  return { ok: true, result: String(r.status) };
};

interface Checker {
  location: string;
  /** Where in the interval this checker's requests fall (checkers are not synchronised). */
  offsetMs: number;
  healthy: boolean;
  failures: number;
  successes: number;
}

/** What one advance of the clock changed. */
export interface HealthCheckProgress {
  healthyCheckers: number;
  checkers: number;
  /** The endpoint's status after the advance. */
  healthy: boolean;
  /** The number of healthy checkers changed (so did, perhaps, the status). */
  countChanged: boolean;
  statusChanged: boolean;
  /** The last request's outcome, e.g. `200` or `connection reset`. */
  lastResult?: string;
}

export class SimulatedHealthCheck {
  readonly checkers: Checker[];
  healthy = true;
  /** Status changes with their time (epoch ms); the status before the first entry was healthy. */
  readonly history: { at: number; healthy: boolean }[] = [];

  constructor(
    readonly settings: HealthCheckSettings,
    private readonly startMs: number,
    locations: readonly string[] = CHECKER_LOCATIONS,
  ) {
    const interval = settings.requestIntervalSeconds * 1000;
    this.checkers = locations.map((location, i) => ({
      location,
      offsetMs: Math.round((i * interval) / locations.length),
      healthy: true,
      failures: 0,
      successes: 0,
    }));
  }

  healthyCheckers(): number {
    return this.checkers.filter((c) => c.healthy).length;
  }

  /** Runs every request due in (fromMs, toMs], in time order, and folds each into its checker's view. */
  async advance(fromMs: number, toMs: number): Promise<HealthCheckProgress> {
    const interval = this.settings.requestIntervalSeconds * 1000;
    const due: { at: number; checker: Checker }[] = [];
    for (const checker of this.checkers) {
      const first = this.startMs + checker.offsetMs;
      for (let k = Math.max(0, Math.floor((fromMs - first) / interval)); first + k * interval <= toMs; k++) {
        const at = first + k * interval;
        if (at > fromMs) due.push({ at, checker });
      }
    }
    due.sort((a, b) => a.at - b.at);
    const before = { count: this.healthyCheckers(), healthy: this.healthy };
    // The requests of one step run concurrently: nothing in the world changes within a step.
    const results = await Promise.all(due.map(() => route53Request(this.settings)));
    let lastResult: string | undefined;
    due.forEach(({ at, checker }, i) => {
      const ok = results[i]?.ok === true;
      lastResult = results[i]?.result ?? lastResult;
      checker.failures = ok ? 0 : checker.failures + 1;
      checker.successes = ok ? checker.successes + 1 : 0;
      if (checker.healthy && checker.failures >= this.settings.failureThreshold) checker.healthy = false;
      if (!checker.healthy && checker.successes >= this.settings.failureThreshold) checker.healthy = true;
      const healthy = this.healthyCheckers() / this.checkers.length > HEALTHY_FRACTION;
      if (healthy !== this.healthy) {
        this.healthy = healthy;
        this.history.push({ at, healthy });
      }
    });
    const count = this.healthyCheckers();
    return {
      healthyCheckers: count,
      checkers: this.checkers.length,
      healthy: this.healthy,
      countChanged: count !== before.count,
      statusChanged: this.healthy !== before.healthy,
      ...(lastResult !== undefined ? { lastResult } : {}),
    };
  }

  /** The status in effect just after `t`. */
  statusAt(t: number): boolean {
    let healthy = true;
    for (const h of this.history) if (h.at <= t) healthy = h.healthy;
    return healthy;
  }

  /** `HealthCheckStatus` Minimum over (fromMs, toMs]: 0 when the check was unhealthy at any moment of it. */
  minimumIn(fromMs: number, toMs: number): 0 | 1 {
    const unhealthy = !this.statusAt(fromMs) || this.history.some((h) => h.at > fromMs && h.at <= toMs && !h.healthy);
    return unhealthy ? 0 : 1;
  }
}

export type AlarmState = 'OK' | 'ALARM';

export interface AlarmChange {
  state: AlarmState;
  previousState: AlarmState;
  /** Epoch ms: when the period was evaluated (the alarm's state change time). */
  at: number;
  /** The period evaluated (it ends one period later) and its Minimum. */
  periodStart: number;
  minimum: number;
}

/** A metric the alarm reads: its Minimum over a period (fromMs, toMs]. */
export interface MinimumSource {
  minimumIn(fromMs: number, toMs: number): number;
}

/**
 * The stack's alarm on a member: Minimum < 1 over one 60-second period of `AWS/Route53 HealthCheckStatus` (a health
 * check) or of `HealthyHostCount` (a target group, in the load balancer's region). It evaluates each period shortly
 * after it closes (`evaluationDelayMs`), so a change reaches the alarm (and EventBridge/SNS) about one period later at
 * most; OK needs a whole healthy period.
 */
export class SimulatedAlarm {
  state: AlarmState = 'OK';

  constructor(
    readonly name: string,
    /** `HealthCheckStatus` or `HealthyHostCount`, for the progress lines. */
    readonly metric: string,
    private readonly source: MinimumSource,
    private readonly periodMs = 60_000,
    private readonly evaluationDelayMs = 5_000,
  ) {}

  /** Evaluates every period whose evaluation falls in (fromMs, toMs]; returns the state changes. */
  evaluate(fromMs: number, toMs: number): AlarmChange[] {
    const changes: AlarmChange[] = [];
    const delay = this.evaluationDelayMs;
    for (
      let end = Math.floor((fromMs - delay) / this.periodMs) * this.periodMs + this.periodMs;
      end + delay <= toMs;
      end += this.periodMs
    ) {
      const minimum = this.source.minimumIn(end - this.periodMs, end);
      const state: AlarmState = minimum < 1 ? 'ALARM' : 'OK';
      if (state !== this.state) {
        changes.push({ state, previousState: this.state, at: end + delay, periodStart: end - this.periodMs, minimum });
        this.state = state;
      }
    }
    return changes;
  }
}
