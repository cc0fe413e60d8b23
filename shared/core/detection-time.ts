/**
 * How long Route 53, and then this stack, take to notice that a failover member changed: one model for `check`'s
 * detection rows and for the default of `probes.disagreementSeconds`. Every range is [earliest, latest] seconds after
 * the endpoint fails (or recovers).
 *
 * Sources (Amazon Route 53 Developer Guide, Amazon CloudWatch User Guide, Elastic Load Balancing guides):
 * - "How Amazon Route 53 determines whether a health check is healthy",
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html:
 *   health checkers in several locations each check every RequestInterval (10 or 30 s) without coordinating with one
 *   another; each calls the endpoint unhealthy after FailureThreshold consecutive failures (and healthy again after as
 *   many passes); Route 53 calls it unhealthy once 18 % or fewer of the checkers report it healthy. A calculated
 *   health check takes its status from its child health checks; a CloudWatch alarm health check from the alarm's data
 *   stream.
 * - "Monitoring health checks using CloudWatch",
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html: HealthCheckStatus is a
 *   one-minute metric, and "several minutes might elapse between the time that a health check fails and the time that
 *   you receive the associated SNS notification".
 * - "Using Amazon CloudWatch alarms", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html:
 *   an alarm with a period of a minute or more is evaluated once a minute, over complete periods.
 * - "Health checks for Application Load Balancer target groups",
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html, and the
 *   Network Load Balancer page of the same name: HealthCheckIntervalSeconds 30, UnhealthyThresholdCount 2,
 *   HealthyThresholdCount 5 by default; HealthyHostCount is published to CloudWatch every 60 seconds
 *   ("CloudWatch metrics for your Application Load Balancer").
 * EventBridge publishes no delivery bound for a cross-region event bus target; CROSS_REGION_DELIVERY_SECONDS is a
 * budget, not an AWS figure.
 */

/** [earliest, latest] seconds. */
export type SecondsRange = [number, number];

/** Route 53's defaults when a health check does not say (and what is assumed when it cannot be read). */
export const ROUTE53_DEFAULT_REQUEST_INTERVAL = 30;
export const ROUTE53_DEFAULT_FAILURE_THRESHOLD = 3;
/** Target group health check defaults of ALBs and NLBs. */
export const ELB_DEFAULT_INTERVAL = 30;
export const ELB_DEFAULT_UNHEALTHY_THRESHOLD = 2;
export const ELB_DEFAULT_HEALTHY_THRESHOLD = 5;
/** The stack's alarms judge one 1-minute period (`Minimum < 1`, 1 of 1). */
export const ALARM_PERIOD_SECONDS = 60;
/** Metric publication and alarm evaluation lag beyond the period itself: AWS's "several minutes", budgeted at two. */
export const ALARM_DELAY_SECONDS = 120;
/** A target-health alarm's state change forwarded by EventBridge from the load balancer's region to us-east-1. */
export const CROSS_REGION_DELIVERY_SECONDS = 30;

/** One step of a detection estimate, as `check` prints it: what adds time and how much. */
export interface DetectionStep {
  what: string;
  seconds: SecondsRange;
}

export interface Detection {
  /** From the failure until Route 53 treats the member as unhealthy (and answers the other member, when healthy). */
  unhealthy: SecondsRange;
  /** From the failure until the alarm's state change reaches record-failover. */
  recorded: SecondsRange;
  steps: DetectionStep[];
}

const plus = (a: SecondsRange, b: SecondsRange): SecondsRange => [a[0] + b[0], a[1] + b[1]];
const sum = (steps: DetectionStep[]): SecondsRange => steps.reduce<SecondsRange>((t, s) => plus(t, s.seconds), [0, 0]);

/** `threshold` checks every `interval` s: the first one after the change comes 0 to `interval` s later. */
const consecutive = (interval: number, threshold: number): SecondsRange => [
  (threshold - 1) * interval,
  threshold * interval,
];

const alarmSteps = (metric: string): DetectionStep[] => [
  {
    what: `${ALARM_PERIOD_SECONDS} s alarm period (${metric}, one minute)`,
    seconds: [ALARM_PERIOD_SECONDS, ALARM_PERIOD_SECONDS],
  },
  {
    what: `up to ${ALARM_DELAY_SECONDS} s metric and alarm delay (AWS: several minutes may pass)`,
    seconds: [0, ALARM_DELAY_SECONDS],
  },
];

/** HTTP, HTTPS, *_STR_MATCH and TCP health checks (and CALCULATED ones, through their children's checks). */
export const endpointCheckDetection = (requestInterval: number, failureThreshold: number): Detection => {
  const route53: DetectionStep[] = [
    {
      what: `${failureThreshold} checks in a row every ${requestInterval} s`,
      seconds: consecutive(requestInterval, failureThreshold),
    },
    {
      what: `up to ${requestInterval} s checker spread (uncoordinated checkers; unhealthy once ≤ 18 % report healthy)`,
      seconds: [0, requestInterval],
    },
  ];
  const alarm = alarmSteps('HealthCheckStatus');
  return { unhealthy: sum(route53), recorded: sum([...route53, ...alarm]), steps: [...route53, ...alarm] };
};

/** CLOUDWATCH_METRIC health checks: Route 53 follows the data stream of the alarm it watches. */
export const metricCheckDetection = (period: number, evaluationPeriods: number): Detection => {
  const route53: DetectionStep[] = [
    {
      what: `the watched alarm: ${evaluationPeriods} × ${period} s period${evaluationPeriods === 1 ? '' : 's'}`,
      seconds: [period * evaluationPeriods, period * evaluationPeriods],
    },
    { what: `up to ${ALARM_DELAY_SECONDS} s for its metric and evaluation`, seconds: [0, ALARM_DELAY_SECONDS] },
  ];
  const alarm = alarmSteps('HealthCheckStatus');
  return { unhealthy: sum(route53), recorded: sum([...route53, ...alarm]), steps: [...route53, ...alarm] };
};

/**
 * An alias with Evaluate Target Health to an ALB/NLB: the load balancer's own health checks decide (`threshold` is the
 * unhealthy threshold for a failure, the healthy one for a recovery); Route 53 reads that state (allowed one more
 * interval), and the stack hears it from a HealthyHostCount alarm in the load balancer's region, forwarded to us-east-1.
 */
export const targetHealthDetection = (interval: number, threshold: number): Detection => {
  const elb: DetectionStep = {
    what: `${threshold} target health checks in a row every ${interval} s (the load balancer's)`,
    seconds: consecutive(interval, threshold),
  };
  const route53: DetectionStep = { what: `up to ${interval} s until Route 53 reads it`, seconds: [0, interval] };
  const alarm: DetectionStep[] = [
    ...alarmSteps('HealthyHostCount'),
    {
      what: `up to ${CROSS_REGION_DELIVERY_SECONDS} s cross-region EventBridge delivery`,
      seconds: [0, CROSS_REGION_DELIVERY_SECONDS],
    },
  ];
  return { unhealthy: sum([elb, route53]), recorded: sum([elb, ...alarm]), steps: [elb, route53, ...alarm] };
};

/**
 * `probes.disagreementSeconds` when failover.yml leaves it out: the latest a normal change (failure or recovery, with
 * Route 53's and the load balancers' default settings) reaches the recorder, rounded up to a whole minute. Probes
 * that see the change earlier disagree with the alarm until then, so a shorter threshold would report a
 * HEALTH_DISAGREEMENT for every ordinary failover.
 */
export const DEFAULT_DISAGREEMENT_SECONDS =
  Math.ceil(
    Math.max(
      endpointCheckDetection(ROUTE53_DEFAULT_REQUEST_INTERVAL, ROUTE53_DEFAULT_FAILURE_THRESHOLD).recorded[1],
      targetHealthDetection(ELB_DEFAULT_INTERVAL, ELB_DEFAULT_UNHEALTHY_THRESHOLD).recorded[1],
      targetHealthDetection(ELB_DEFAULT_INTERVAL, ELB_DEFAULT_HEALTHY_THRESHOLD).recorded[1],
    ) / 60,
  ) * 60;
