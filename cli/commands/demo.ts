import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DEFAULT_FLAP } from '../../shared/core/group-events.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../shared/config/file.js';
import type { FailoverConfig } from '../../shared/config/schema.js';
import { startReceiver, type Receiver } from '../../local/receiver.js';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from '../../shared/net/signing.js';
import {
  alarmActionEvent,
  eventBridgeEvent,
  SAMPLE_ACCOUNT,
  snsEvent,
  type SampleTransition,
} from '../../local/sample-events.js';
import { COMMON_OPTIONS, parseFlags } from '../args.js';
import type { Io } from '../context.js';
import { history } from './history.js';
import { ingest } from './ingest.js';
import { status } from './status.js';

export const DEMO_HELP = `r53-failover demo [--config FILE] [--ledger DIR]

Replays a realistic regional outage of the example group "orders-api" through the real recorder and notifier on
an embedded ledger (no AWS account): the primary fails, the same alarm also arrives via SNS, a late delivery
arrives out of order, both regions fail, the standby comes back, another group flaps, the primary recovers.
Local Slack-, PagerDuty- and webhook-compatible receivers on 127.0.0.1 show what on-call would get. Then prints
the history and the status. Uses the groups of failover.example.yml and a fresh temporary ledger.`;

const DEMO_SECRET = 'demo-webhook-secret-0123456789';
const DEMO_ROUTING_KEY = 'demo-routing-key-00000000000000';

/** The example's groups, with every channel pointed at a local receiver. */
const demoConfig = (base: FailoverConfig, rx: { slack: Receiver; pagerduty: Receiver; webhook: Receiver }) => ({
  version: 1,
  // The account the replayed alarms come from: the recorder checks it, as a deployed one does.
  accountId: base.accountId ?? SAMPLE_ACCOUNT,
  groups: Object.fromEntries(Object.entries(base.groups).map(([name, g]) => [name, { ...g, notify: undefined }])),
  notify: {
    slack: { webhookUrl: `${rx.slack.url}/services/T000/B000/DEMO`, allowPrivateTargets: true },
    pagerduty: {
      routingKey: DEMO_ROUTING_KEY,
      eventsUrl: `${rx.pagerduty.url}/v2/enqueue`,
      allowPrivateTargets: true,
    },
    webhooks: [{ name: 'ops', url: `${rx.webhook.url}/r53-failover`, secret: DEMO_SECRET, allowPrivateTargets: true }],
    reminderMinutes: 30,
    noDataMinutes: 10,
    flap: DEFAULT_FLAP,
  },
});

/** One line per message a receiver got since `from`: what on-call would see. */
const describeReceived = (
  rx: { slack: Receiver; pagerduty: Receiver; webhook: Receiver },
  from: { slack: number; pagerduty: number; webhook: number },
): string[] => {
  const lines: string[] = [];
  for (const req of rx.slack.requests.slice(from.slack)) {
    const header = (req.json as { blocks?: { type: string; text?: { text: string } }[] })?.blocks?.find(
      (b) => b.type === 'header',
    )?.text?.text;
    lines.push(`    slack      ◀ ${header ?? '(no header)'}`);
  }
  for (const req of rx.pagerduty.requests.slice(from.pagerduty)) {
    const ev = req.json as { event_action?: string; dedup_key?: string; payload?: { severity?: string } };
    lines.push(
      `    pagerduty  ◀ ${ev.event_action} ${ev.dedup_key}${ev.payload?.severity ? ` (${ev.payload.severity})` : ''}`,
    );
  }
  for (const req of rx.webhook.requests.slice(from.webhook)) {
    const n = (req.json as { notification?: { title?: string } })?.notification;
    const ok = verifyWebhookSignature({
      secret: DEMO_SECRET,
      timestamp: String(req.headers[WEBHOOK_HEADERS.timestamp.toLowerCase()] ?? ''),
      body: req.body,
      signature: String(req.headers[WEBHOOK_HEADERS.signature.toLowerCase()] ?? ''),
      now: Date.now(),
    });
    lines.push(`    webhook    ◀ ${n?.title ?? '(no title)'}  [signature ${ok ? 'verified' : 'INVALID'}]`);
  }
  return lines;
};

const packageRoot = (): string => {
  // dist/cli/chunks/ when bundled, cli/commands/ from source: walk up to the directory holding package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || (existsSync(join(dir, 'package.json')) && dir.endsWith('dist')))
    dir = dirname(dir);
  return dir;
};

/** One replayed delivery: what the demo says about it, its event file and the payload. */
export interface Step {
  says: string;
  file: string;
  payload: unknown;
}

/** The second group's primary flapping: six transitions in eight minutes, then stable (tests replay it too). */
export const flappingSteps = (group: string, hc: string): Step[] => {
  const at = (m: number) => `2025-06-12T15:0${m}:00.000Z`;
  const t = (
    state: SampleTransition['state'],
    previousState: SampleTransition['state'],
    m: number,
  ): SampleTransition => ({
    alarmName: `r53-failover-prod-${group}-primary-health`,
    healthCheckId: hc,
    state,
    previousState,
    at: at(m),
  });
  return [
    {
      says: `15:00 ${group}'s primary starts flapping: down`,
      file: '20-flap-1.json',
      payload: eventBridgeEvent(t('ALARM', 'OK', 0)),
    },
    { says: '15:02 ... up', file: '21-flap-2.json', payload: eventBridgeEvent(t('OK', 'ALARM', 2)) },
    {
      says: '15:04 ... down again: the 3rd transition in 10 min becomes one "flapping" message',
      file: '22-flap-3.json',
      payload: eventBridgeEvent(t('ALARM', 'OK', 4)),
    },
    {
      says: '15:06 ... up (held back while flapping)',
      file: '23-flap-4.json',
      payload: eventBridgeEvent(t('OK', 'ALARM', 6)),
    },
    { says: '15:07 ... down (held back)', file: '24-flap-5.json', payload: eventBridgeEvent(t('ALARM', 'OK', 7)) },
    { says: '15:08 ... up, and it stays up', file: '25-flap-6.json', payload: eventBridgeEvent(t('OK', 'ALARM', 8)) },
  ];
};

const scenario = (primaryHc: string, secondaryHc: string, group: string): Step[] => {
  const p = (
    state: SampleTransition['state'],
    previousState: SampleTransition['state'],
    at: string,
  ): SampleTransition => ({
    alarmName: `r53-failover-prod-${group}-primary-health`,
    healthCheckId: primaryHc,
    state,
    previousState,
    at,
  });
  const s = (
    state: SampleTransition['state'],
    previousState: SampleTransition['state'],
    at: string,
  ): SampleTransition => ({
    alarmName: `r53-failover-prod-${group}-secondary-health`,
    healthCheckId: secondaryHc,
    state,
    previousState,
    at,
  });
  const primaryDown = p('ALARM', 'OK', '2025-06-12T14:03:27.412Z');
  const standbyNoData = s('INSUFFICIENT_DATA', 'OK', '2025-06-12T14:05:10.020Z');
  const standbyBack = s('OK', 'INSUFFICIENT_DATA', '2025-06-12T14:07:44.731Z');
  const standbyDown = s('ALARM', 'OK', '2025-06-12T14:20:03.118Z');
  const standbyUp = s('OK', 'ALARM', '2025-06-12T14:26:51.904Z');
  const primaryUp = p('OK', 'ALARM', '2025-06-12T16:48:05.093Z');
  return [
    {
      says: '14:03 the primary region (us-east-1) fails its health check; EventBridge delivers the alarm',
      file: '01-primary-down.eventbridge.json',
      payload: eventBridgeEvent(primaryDown),
    },
    {
      says: '14:03 the same alarm arrives through the SNS topic as well',
      file: '02-primary-down.sns.json',
      payload: snsEvent(primaryDown),
    },
    {
      says: "14:07 the standby's alarm is OK again after a minute without data (via a Lambda alarm action)",
      file: '03-standby-ok.alarm-action.json',
      payload: alarmActionEvent(standbyBack),
    },
    {
      says: '14:08 the 14:05 "no data" event arrives late, out of order: recorded, state does not move back',
      file: '04-standby-no-data-late.eventbridge.json',
      payload: eventBridgeEvent(standbyNoData),
    },
    {
      says: '14:08 ... and its SNS copy: a duplicate of the late one',
      file: '05-standby-no-data-late.sns.json',
      payload: snsEvent(standbyNoData),
    },
    {
      says: '14:20 the standby region fails too: both unhealthy',
      file: '06-standby-down.eventbridge.json',
      payload: eventBridgeEvent(standbyDown),
    },
    {
      says: '14:26 the standby comes back: traffic on the standby again',
      file: '07-standby-up.eventbridge.json',
      payload: eventBridgeEvent(standbyUp),
    },
    {
      says: '14:30 someone edits an alarm (configuration change, not a state change)',
      file: '08-config-change.json',
      payload: {
        ...eventBridgeEvent(standbyUp),
        'detail-type': 'CloudWatch Alarm Configuration Change',
        detail: {
          alarmName: standbyUp.alarmName,
          operation: 'update',
          state: { value: 'OK', timestamp: '2025-06-12T14:30:00.000+0000' },
        },
      },
    },
    {
      says: '16:48 the primary recovers: DNS returns to us-east-1 (SNS first this time; reminders and the flap summary fall due first)',
      file: '09-primary-up.sns.json',
      payload: snsEvent(primaryUp),
    },
    {
      says: '16:48 ... and EventBridge delivers the same recovery',
      file: '10-primary-up.eventbridge.json',
      payload: eventBridgeEvent(primaryUp),
    },
    {
      says: 'a test message published from the SNS console (not JSON): rejected, nothing written',
      file: '11-console-test.sns.json',
      payload: {
        Records: [
          {
            EventSource: 'aws:sns',
            Sns: {
              MessageId: 'demo-console-test',
              Message: 'hello from the console',
              Timestamp: '2025-06-12T17:00:00.000Z',
            },
          },
        ],
      },
    },
  ];
};

export const demo = async (args: string[], io: Io): Promise<number> => {
  // Always the embedded ledger: a deployed table's flags would be silently ignored, so they are unknown here.
  const { table: _table, stage: _stage, region: _region, profile: _profile, ...options } = COMMON_OPTIONS;
  const { values } = parseFlags('demo', args, options);
  if (values.help) {
    io.out(DEMO_HELP);
    return 0;
  }
  const examplePath = values.config ?? join(packageRoot(), 'failover.example.yml');
  const { config: example } = loadConfigFile(examplePath, io.cwd);
  // The demo replays HealthCheckStatus alarms: it uses the groups whose members both have a health check.
  const groups = Object.entries(example.groups).flatMap(([name, eg]) => {
    const [p, s] = [eg.primary.healthCheckId, eg.secondary.healthCheckId];
    return p && s ? [[name, eg, p, s] as const] : [];
  });
  const [group, g, primaryHc, secondaryHc] = groups[0] ?? [];
  if (!group || !g || !primaryHc || !secondaryHc) {
    io.err(`demo: ${examplePath} has no group whose members both have a healthCheckId to replay an outage on`);
    return 2;
  }
  const rx = {
    slack: await startReceiver(() => ({ status: 200, body: 'ok' })),
    pagerduty: await startReceiver((req) => ({
      status: 202,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        status: 'success',
        message: 'Event processed',
        dedup_key: (req.json as { dedup_key?: string })?.dedup_key,
      }),
    })),
    webhook: await startReceiver(() => ({ status: 204 })),
  };
  try {
    const work = mkdtempSync(join(tmpdir(), 'r53-failover-demo-'));
    const eventsDir = join(work, 'events');
    mkdirSync(eventsDir);
    const configPath = join(work, 'failover.yml');
    writeFileSync(
      configPath,
      `# r53-failover demo: ${examplePath} with channels pointed at local receivers\n${stringify(demoConfig(example, rx))}`,
    );
    const ledgerDir = values.ledger ?? join(work, 'ledger');
    const common = ['--config', configPath, '--ledger', ledgerDir];
    const second = groups[1];
    const steps = scenario(primaryHc, secondaryHc, group);
    const [before, after] = [steps.slice(0, -3), steps.slice(-3)];
    const all = [...before, ...(second ? flappingSteps(second[0], second[2]) : []), ...after];
    io.out(
      `r53-failover demo: a regional outage of "${group}" (${g.recordName}), primary ${g.primary.region}, secondary ${g.secondary.region}`,
    );
    io.out(
      `config ${configPath} (channels on local receivers); embedded ledger ${ledgerDir}; events in ${eventsDir}\n`,
    );
    for (const step of all) {
      const file = join(eventsDir, step.file);
      writeFileSync(file, JSON.stringify(step.payload, null, 2));
      io.out(`▶ ${step.says}`);
      const mark = {
        slack: rx.slack.requests.length,
        pagerduty: rx.pagerduty.requests.length,
        webhook: rx.webhook.requests.length,
      };
      const lines: string[] = [];
      await ingest([...common, file], { ...io, out: (t) => lines.push(t) }, { offline: true });
      io.out(`  ${lines[0]?.replace(/\s+\S*events\/\S+\s+/, '  ') ?? ''}`);
      for (const l of describeReceived(rx, mark)) io.out(l);
    }
    io.out(
      `\nOn-call got ${rx.slack.requests.length} Slack message(s), ${rx.pagerduty.requests.length} PagerDuty event(s) and ${rx.webhook.requests.length} signed webhook(s) for ${all.length} deliveries: duplicates, the late event and the flapping burst were absorbed.`,
    );
    const first = rx.slack.requests[0];
    if (first) io.out(`\nThe first Slack message, as posted (Block Kit):\n${JSON.stringify(first.json, null, 2)}`);
    io.out('\n── r53-failover history --order asc ──');
    await history([...common, '--order', 'asc'], io);
    io.out('\n── r53-failover status ──');
    await status(common, io);
    io.out(
      `\nReplay these files yourself: npx r53-failover ingest --no-notify --ledger /tmp/my-ledger --config ${configPath} ${eventsDir}`,
    );
    return 0;
  } finally {
    await Promise.all([rx.slack.close(), rx.pagerduty.close(), rx.webhook.close()]);
  }
};
