import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../shared/config-file.js';
import { alarmActionEvent, eventBridgeEvent, snsEvent, type SampleTransition } from '../../shared/sample-events.js';
import { COMMON_OPTIONS, parseFlags } from '../args.js';
import type { Io } from '../context.js';
import { history } from './history.js';
import { ingest } from './ingest.js';
import { status } from './status.js';

export const DEMO_HELP = `r53-failover demo [--config FILE] [--ledger DIR]

Replays a realistic regional outage of the example group "orders-api" through the real recorder on an embedded
ledger (no AWS account): the primary fails, the same alarm also arrives via SNS, the standby loses data, a late
delivery arrives out of order, both regions fail, the standby comes back, the primary recovers. Then prints the
history and the status. Uses failover.example.yml and a fresh temporary ledger unless told otherwise.`;

const packageRoot = (): string => {
  // dist/cli/main.mjs when bundled, cli/commands/demo.ts from source: walk up to the directory holding package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'package.json')) && dir.endsWith('dist')) dir = dirname(dir);
  return dir;
};

interface Step {
  says: string;
  file: string;
  payload: unknown;
}

const scenario = (primaryHc: string, secondaryHc: string, group: string): Step[] => {
  const p = (state: SampleTransition['state'], previousState: SampleTransition['state'], at: string): SampleTransition =>
    ({ alarmName: `r53-failover-prod-${group}-primary-health`, healthCheckId: primaryHc, state, previousState, at });
  const s = (state: SampleTransition['state'], previousState: SampleTransition['state'], at: string): SampleTransition =>
    ({ alarmName: `r53-failover-prod-${group}-secondary-health`, healthCheckId: secondaryHc, state, previousState, at });
  const primaryDown = p('ALARM', 'OK', '2025-06-12T14:03:27.412Z');
  const standbyNoData = s('INSUFFICIENT_DATA', 'OK', '2025-06-12T14:05:10.020Z');
  const standbyBack = s('OK', 'INSUFFICIENT_DATA', '2025-06-12T14:07:44.731Z');
  const standbyDown = s('ALARM', 'OK', '2025-06-12T14:20:03.118Z');
  const standbyUp = s('OK', 'ALARM', '2025-06-12T14:26:51.904Z');
  const primaryUp = p('OK', 'ALARM', '2025-06-12T16:48:05.093Z');
  return [
    { says: '14:03 the primary region (us-east-1) fails its health check; EventBridge delivers the alarm', file: '01-primary-down.eventbridge.json', payload: eventBridgeEvent(primaryDown) },
    { says: '14:03 the same alarm arrives through the SNS topic as well', file: '02-primary-down.sns.json', payload: snsEvent(primaryDown) },
    { says: '14:07 the standby\'s alarm is OK again after a minute without data (via a Lambda alarm action)', file: '03-standby-ok.alarm-action.json', payload: alarmActionEvent(standbyBack) },
    { says: '14:08 the 14:05 "no data" event arrives late, out of order: recorded, state does not move back', file: '04-standby-no-data-late.eventbridge.json', payload: eventBridgeEvent(standbyNoData) },
    { says: '14:08 ... and its SNS copy: a duplicate of the late one', file: '05-standby-no-data-late.sns.json', payload: snsEvent(standbyNoData) },
    { says: '14:20 the standby region fails too: both unhealthy', file: '06-standby-down.eventbridge.json', payload: eventBridgeEvent(standbyDown) },
    { says: '14:26 the standby comes back: traffic on the standby again', file: '07-standby-up.eventbridge.json', payload: eventBridgeEvent(standbyUp) },
    { says: '14:30 someone edits an alarm (configuration change, not a state change)', file: '08-config-change.json', payload: { ...eventBridgeEvent(standbyUp), 'detail-type': 'CloudWatch Alarm Configuration Change', detail: { alarmName: standbyUp.alarmName, operation: 'update', state: { value: 'OK', timestamp: '2025-06-12T14:30:00.000+0000' } } } },
    { says: '16:48 the primary recovers: DNS returns to us-east-1 (SNS first this time)', file: '09-primary-up.sns.json', payload: snsEvent(primaryUp) },
    { says: '16:48 ... and EventBridge delivers the same recovery', file: '10-primary-up.eventbridge.json', payload: eventBridgeEvent(primaryUp) },
    { says: 'a test message published from the SNS console (not JSON): rejected, nothing written', file: '11-console-test.sns.json', payload: { Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'demo-console-test', Message: 'hello from the console', Timestamp: '2025-06-12T17:00:00.000Z' } }] } },
  ];
};

export const demo = async (args: string[], io: Io): Promise<number> => {
  const { values } = parseFlags('demo', args, COMMON_OPTIONS);
  if (values.help) {
    io.out(DEMO_HELP);
    return 0;
  }
  const configPath = values.config ?? join(packageRoot(), 'failover.example.yml');
  const { config } = loadConfigFile(configPath, io.cwd);
  const [group, g] = Object.entries(config.groups)[0] ?? [];
  if (!group || !g) {
    io.err(`demo: ${configPath} has no group to replay an outage on`);
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'r53-failover-demo-'));
  const eventsDir = join(work, 'events');
  mkdirSync(eventsDir);
  const ledgerDir = values.ledger ?? join(work, 'ledger');
  const common = ['--config', configPath, '--ledger', ledgerDir];
  const steps = scenario(g.primary.healthCheckId, g.secondary.healthCheckId, group);
  io.out(`r53-failover demo: a regional outage of "${group}" (${g.recordName}), primary ${g.primary.region}, secondary ${g.secondary.region}`);
  io.out(`config ${configPath}; embedded ledger ${ledgerDir}; events written to ${eventsDir}\n`);
  for (const step of steps) {
    const file = join(eventsDir, step.file);
    writeFileSync(file, JSON.stringify(step.payload, null, 2));
    io.out(`▶ ${step.says}`);
    const lines: string[] = [];
    await ingest([...common, file], { ...io, out: (t) => lines.push(t) });
    io.out(`  ${lines[0]?.replace(/\s+\S*events\/\S+\s+/, '  ') ?? ''}`);
  }
  io.out('\n── r53-failover history --order asc ──');
  await history([...common, '--order', 'asc'], io);
  io.out('\n── r53-failover status ──');
  await status(common, io);
  io.out(`\nReplay these files yourself: npx r53-failover ingest --ledger /tmp/my-ledger --config ${configPath} ${eventsDir}`);
  return 0;
};
