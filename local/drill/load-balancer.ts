import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpCall, type RegionalApp } from './regional-app.js';

/**
 * An Application Load Balancer for the drill: one target group whose targets (regional app instances) the load balancer
 * health-checks as ELB does, the target group's `HealthyHostCount` metric, and an HTTP front on 127.0.0.1 that routes
 * each request to a healthy target. Real HTTP, simulated time.
 *
 * ELB: "The load balancer sends a health check request to each registered target every HealthCheckIntervalSeconds
 * seconds"; a target is unhealthy after UnhealthyThresholdCount consecutive failures (no answer within
 * HealthCheckTimeoutSeconds, or a code the matcher does not accept: default 200), healthy again after
 * HealthyThresholdCount consecutive successes; a registered target starts healthy once it passed one check; "if a target
 * group contains only unhealthy registered targets, the load balancer routes requests to all those targets" (fail-open).
 * "Health checks for Application Load Balancer target groups", Elastic Load Balancing User Guide,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
 */

export interface TargetHealthCheckSettings {
  /** HealthCheckPath. */
  path: string;
  /** HealthCheckIntervalSeconds (5–300; 30 by default). */
  intervalSeconds: number;
  /** HealthCheckTimeoutSeconds (5 by default for HTTP targets). */
  timeoutSeconds: number;
  /** HealthyThresholdCount (5 by default for an ALB). */
  healthyThreshold: number;
  /** UnhealthyThresholdCount (2 by default). */
  unhealthyThreshold: number;
}

/** An ALB target group's health check defaults, but for the interval the drill's speed sets. */
export const ALB_HEALTH_CHECK = { timeoutSeconds: 5, healthyThreshold: 5, unhealthyThreshold: 2 } as const;

export interface Target {
  app: RegionalApp;
  healthy: boolean;
  failures: number;
  successes: number;
  /** The last health check's outcome (`200`, `connection reset`, …). */
  lastResult?: string;
}

/** What one advance of the clock changed. */
export interface TargetGroupProgress {
  healthyTargets: number;
  targets: number;
  /** The number of healthy targets changed. */
  countChanged: boolean;
  lastResult?: string;
}

export class SimulatedTargetGroup {
  readonly targets: Target[];
  /** HealthyHostCount changes with their time (epoch ms); before the first entry every target was healthy. */
  readonly history: { at: number; count: number }[] = [];

  constructor(
    readonly settings: TargetHealthCheckSettings,
    apps: readonly RegionalApp[],
    private readonly startMs: number,
  ) {
    this.targets = apps.map((app) => ({ app, healthy: true, failures: 0, successes: 0 }));
  }

  healthyTargets(): number {
    return this.targets.filter((t) => t.healthy).length;
  }

  /**
   * Whether Route 53 counts this target group healthy for an alias record with Evaluate Target Health: it has a
   * healthy target; one with no registered target counts unhealthy ("AliasTarget", EvaluateTargetHealth, Route 53 API
   * Reference, https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html).
   */
  get healthy(): boolean {
    return this.targets.length > 0 && this.healthyTargets() > 0;
  }

  /** Runs every health check due in (fromMs, toMs] (targets spread over the interval), and folds each in. */
  async advance(fromMs: number, toMs: number): Promise<TargetGroupProgress> {
    const interval = this.settings.intervalSeconds * 1000;
    const due: { at: number; target: Target }[] = [];
    this.targets.forEach((target, i) => {
      const first = this.startMs + Math.round((i * interval) / this.targets.length);
      for (let k = Math.max(0, Math.floor((fromMs - first) / interval)); first + k * interval <= toMs; k++) {
        const at = first + k * interval;
        if (at > fromMs) due.push({ at, target });
      }
    });
    due.sort((a, b) => a.at - b.at);
    const before = this.healthyTargets();
    const timeoutMs = this.settings.timeoutSeconds * 1000;
    const results = await Promise.all(
      due.map(({ target }) =>
        httpCall(`${target.app.url}${this.settings.path}`, {
          connectTimeoutMs: timeoutMs,
          responseTimeoutMs: timeoutMs,
          totalTimeoutMs: timeoutMs,
          maxBodyBytes: 0,
        }),
      ),
    );
    let lastResult: string | undefined;
    due.forEach(({ at, target }, i) => {
      const r = results[i];
      const ok = r?.status === 200;
      target.lastResult = r ? ('error' in r ? r.error : String(r.status)) : 'no answer';
      lastResult = target.lastResult;
      target.failures = ok ? 0 : target.failures + 1;
      target.successes = ok ? target.successes + 1 : 0;
      const was = this.healthyTargets();
      if (target.healthy && target.failures >= this.settings.unhealthyThreshold) target.healthy = false;
      if (!target.healthy && target.successes >= this.settings.healthyThreshold) target.healthy = true;
      const count = this.healthyTargets();
      if (count !== was) this.history.push({ at, count });
    });
    const count = this.healthyTargets();
    return {
      healthyTargets: count,
      targets: this.targets.length,
      countChanged: count !== before,
      ...(lastResult !== undefined ? { lastResult } : {}),
    };
  }

  /** `HealthyHostCount` Minimum over (fromMs, toMs]. */
  minimumIn(fromMs: number, toMs: number): number {
    let count = this.targets.length;
    for (const h of this.history) if (h.at <= fromMs) count = h.count;
    let min = count;
    for (const h of this.history) if (h.at > fromMs && h.at <= toMs) min = Math.min(min, h.count);
    return min;
  }
}

/**
 * The load balancer's listener: each request goes to the next healthy target (all targets when none is healthy: ELB
 * fails open); a target that resets the connection or does not answer is a 502, as an ALB answers.
 */
export const startLoadBalancer = async (
  group: SimulatedTargetGroup,
): Promise<{ url: string; close(): Promise<void> }> => {
  let next = 0;
  const server = createServer((req, res) => {
    const healthy = group.targets.filter((t) => t.healthy);
    const pool = healthy.length > 0 ? healthy : group.targets;
    const target = pool[next++ % pool.length];
    const badGateway = () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end('502 Bad Gateway\n');
    };
    if (!target) return badGateway();
    const upstream = request(
      `${target.app.url}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', badGateway);
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
