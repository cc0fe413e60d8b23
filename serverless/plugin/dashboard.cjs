'use strict';
// The recorder stack's CloudWatch dashboard (AWS::CloudWatch::Dashboard): what DNS serves per group, failovers,
// probe success and latency per probe region, notification deliveries, promotions, and the ops alarms. docs/operations.md
// draws it and says what each widget means; keep the two together. Metric names and namespaces are the ones in
// shared/support/metrics.ts (test/integration/monitoring-template.test.ts checks they agree).
const NAMESPACE = 'R53Failover';
const PROBES_NAMESPACE = 'R53Failover/Probes';
/** Powertools' EMF writer adds `service` to every metric's dimensions. */
const SERVICE = 'r53-failover';
/** The recorder stack's region: the stack's own metrics and alarms are there; probe metrics are in each probe region. */
const HOME_REGION = 'us-east-1';

/** A SEARCH over one of our EMF metrics (every series with these dimension names), with a filter. */
const search = (namespace, dims, metric, filter, stat, period) =>
  `SEARCH('{${namespace},${[...dims, 'service'].join(',')}} MetricName="${metric}"${filter}', '${stat}', ${period})`;

/**
 * A dynamic label (`${PROP('Dim.Channel')}`: the series' dimension value), written `${!…}` because the body goes
 * through Fn::Sub, which turns `${!x}` into a literal `${x}` (CloudFormation User Guide, "Fn::Sub").
 */
const dimLabel = (dim, prefix = '') => `${prefix}\${!PROP('Dim.${dim}')}`;

const metricWidget = (title, props) => ({
  type: 'metric',
  properties: { title, region: HOME_REGION, view: 'timeSeries', stacked: false, ...props },
});

/**
 * A probe metric across every group and member probed from region `r`, in that region (EMF metrics stay where the
 * function logs): one line per `[function over the series, statistic, label]`.
 */
const probeWidget = (r, title, metric, yAxisLeft, lines) =>
  metricWidget(title, {
    region: r,
    metrics: lines.map(([fn, stat, label]) => [
      {
        expression: `${fn}(${search(PROBES_NAMESPACE, ['Group', 'Member', 'ProbeRegion'], metric, ` ProbeRegion="${r}"`, stat, 60)})`,
        id: fn.toLowerCase(),
        label,
      },
    ]),
    period: 60,
    yAxis: { left: yAxisLeft },
  });

/** Widgets in reading order; `layout` places them on the 24-column grid. */
const widgets = ({ stage, probeRegions, alarmIds }) => [
  {
    type: 'text',
    width: 24,
    height: 2,
    properties: {
      markdown:
        `## r53-failover ${stage}\n` +
        'What each widget means: docs/operations.md in the r53-failover repository. Lines stay empty until the ' +
        'first event of their kind; the stack alarms below are what pages.',
    },
  },
  metricWidget('Serving member per group (1 primary, 2 secondary, 0 none)', {
    // Written by the recorder on each transition, so the line holds its last value between them (FILL REPEAT), over
    // a week so a quiet group still shows where it is.
    metrics: [
      [
        {
          expression: `FILL(${search(NAMESPACE, ['Group'], 'ServingMember', '', 'Maximum', 300)}, REPEAT)`,
          id: 'serving',
        },
      ],
    ],
    start: '-P7D',
    period: 300,
    yAxis: { left: { min: 0, max: 2, showUnits: false } },
    annotations: {
      horizontal: [
        { value: 1, label: 'primary' },
        { value: 2, label: 'secondary', color: '#d62728' },
      ],
    },
  }),
  metricWidget('Failovers (group events per 5 minutes)', {
    metrics: [
      ['FAILED_OVER', 'failed over', '#d62728'],
      ['BOTH_UNHEALTHY', 'both unhealthy', '#9467bd'],
      ['RECOVERED', 'recovered', '#2ca02c'],
    ].map(([event, label, color]) => [NAMESPACE, 'GroupEvents', 'service', SERVICE, 'Event', event, { label, color }]),
    stat: 'Sum',
    period: 300,
    yAxis: { left: { min: 0 } },
  }),
  metricWidget('Notification deliveries and failures (per channel, 5 minutes)', {
    metrics: [
      ['NotificationsSent', 'sent'],
      ['NotificationsFailed', 'failed attempts'],
      ['NotificationsDeadLettered', 'given up (DLQ)'],
    ].map(([metric, label], i) => [
      {
        expression: search(NAMESPACE, ['Channel'], metric, '', 'Sum', 300),
        id: `n${i}`,
        label: dimLabel('Channel', `${label} `),
      },
    ]),
    period: 300,
    yAxis: { left: { min: 0 } },
  }),
  metricWidget('Promotions (steps recorded, per event, 5 minutes)', {
    metrics: [
      [
        {
          expression: search(NAMESPACE, ['Event'], 'PromotionSteps', '', 'Sum', 300),
          id: 'p',
          label: dimLabel('Event'),
        },
      ],
    ],
    period: 300,
    yAxis: { left: { min: 0 } },
  }),
  {
    type: 'alarm',
    width: 12,
    height: 6,
    properties: {
      title: 'Stack alarms (DLQ, errors, throttles, stream lag, silent probe regions)',
      alarms: alarmIds.map((id) => `\${${id}.Arn}`),
    },
  },
  ...(probeRegions.length === 0
    ? []
    : [
        metricWidget('Probe rounds reported per minute (heartbeat, per probe region)', {
          metrics: probeRegions.map((r) => [PROBES_NAMESPACE, 'RoundCompleted', 'ProbeRegion', r, { label: r }]),
          stat: 'Sum',
          period: 60,
          yAxis: { left: { min: 0 } },
        }),
      ]),
  ...probeRegions.flatMap((r) => [
    probeWidget(r, `Probe success from ${r} (1 = every probe passed)`, 'ProbeSuccess', { min: 0, max: 1 }, [
      ['AVG', 'Average', 'all members'],
      ['MIN', 'Average', 'worst member'],
    ]),
    probeWidget(r, `Probe latency from ${r} (ms)`, 'ProbeLatency', { min: 0 }, [
      ['AVG', 'Average', 'average'],
      ['MAX', 'Maximum', 'slowest probe'],
    ]),
  ]),
];

/** Two 12-column widgets per row (a widget that sets its own width takes what it asks for). */
const layout = (list) => {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return list.map((w) => {
    const width = w.width ?? 12;
    const height = w.height ?? 6;
    if (x + width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...w, x, y, width, height };
    x += width;
    rowHeight = Math.max(rowHeight, height);
    return placed;
  });
};

/**
 * The dashboard resource, `<service>-<stage>`. Its body is JSON inside Fn::Sub: the alarm widget names the alarms by
 * `${Id.Arn}`, which also makes the dashboard wait for them.
 */
const opsDashboard = ({ service, stage, probeRegions, alarmIds }) => ({
  Type: 'AWS::CloudWatch::Dashboard',
  Properties: {
    DashboardName: `${service}-${stage}`,
    DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets: layout(widgets({ stage, probeRegions, alarmIds })) }) },
  },
});

module.exports = { opsDashboard, HOME_REGION };
