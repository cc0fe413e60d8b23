// Realistic replay inputs for the CLI ingest bench and tests: a failover.yml with several groups and one event
// file per alarm transition, written the way a DLQ or an EventBridge archive dump would be.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmStateValue } from '../shared/core/alarm-event.js';
import { eventBridgeEvent, snsEvent, type SampleTransition } from './sample-events.js';

export const ingestHc = (group: number, role: 1 | 2) =>
  `${String(group).padStart(8, '0')}-0000-4000-8000-${String(role).padStart(12, '0')}`;

/**
 * `failover.yml` naming `groups` groups (`svc-0` …), each with a primary and a secondary health check; with
 * `promotion`, each group also promotes its database (dry-run, one Lambda hook: nothing is called).
 */
export const ingestConfigYaml = (groups: number, opts: { promotion?: boolean } = {}): string =>
  `version: 1\ngroups:\n${Array.from(
    { length: groups },
    (_, g) => `  svc-${g}:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: svc-${g}.example.com.
    primary: { region: us-east-1, healthCheckId: ${ingestHc(g, 1)} }
    secondary: { region: us-west-2, healthCheckId: ${ingestHc(g, 2)} }
${opts.promotion ? `    promotion: { mode: dry-run, hooks: [{ type: lambda, functionArn: 'arn:aws:lambda:us-west-2:123456789012:function:svc-${g}-promote' }] }\n` : ''}`,
  ).join('')}`;

/** Per group, a repeating outage: primary down (FAILED_OVER), primary back (RECOVERED), secondary down, back. */
const CYCLE: { role: 1 | 2; state: AlarmStateValue; previousState: AlarmStateValue }[] = [
  { role: 1, state: 'ALARM', previousState: 'OK' },
  { role: 1, state: 'OK', previousState: 'ALARM' },
  { role: 2, state: 'ALARM', previousState: 'OK' },
  { role: 2, state: 'OK', previousState: 'ALARM' },
];

export interface IngestEventFile {
  name: string;
  /** The transition and the form it is delivered in (the payload is built from them). */
  transition: SampleTransition;
  form: 'eventbridge' | 'sns';
  payload: unknown;
}

/**
 * `n` distinct alarm transitions round-robin over `groups` groups, both members of each, 7 minutes apart within a
 * group; every other file in the SNS form, the rest in the EventBridge form. File names sort in time order, so a
 * directory argument replays them in order.
 */
export const ingestEvents = (n: number, groups: number, start = Date.UTC(2025, 2, 1)): IngestEventFile[] =>
  Array.from({ length: n }, (_, i) => {
    const g = i % groups;
    const k = Math.floor(i / groups);
    const step = CYCLE[k % CYCLE.length] as (typeof CYCLE)[number];
    const member = step.role === 1 ? 'primary' : 'secondary';
    const transition: SampleTransition = {
      alarmName: `r53-failover-svc-${g}-${member}-health`,
      healthCheckId: ingestHc(g, step.role),
      state: step.state,
      previousState: step.previousState,
      at: new Date(start + k * 7 * 60_000 + g * 1_000 + 123).toISOString(),
      // Route 53 publishes HealthCheckStatus in us-east-1 only: both members' alarms live there.
      region: 'us-east-1',
    };
    const form = i % 2 === 0 ? 'eventbridge' : 'sns';
    return {
      name: `${String(i).padStart(6, '0')}-svc-${g}-${member}-${step.state.toLowerCase()}-${form}.json`,
      transition,
      form,
      payload: form === 'sns' ? snsEvent(transition) : eventBridgeEvent(transition),
    };
  });

/** Writes failover.yml and `events/` (one file per event) into `dir`; returns the events directory. */
export const writeIngestWorkspace = (dir: string, n: number, groups: number): { config: string; events: string } => {
  const events = join(dir, 'events');
  mkdirSync(events, { recursive: true });
  const config = join(dir, 'failover.yml');
  writeFileSync(config, ingestConfigYaml(groups));
  for (const e of ingestEvents(n, groups))
    writeFileSync(join(events, e.name), `${JSON.stringify(e.payload, null, 2)}\n`);
  return { config, events };
};
