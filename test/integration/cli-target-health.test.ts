import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventBridgeEvent } from '../../local/sample-events.js';
import { cliIn } from '../helpers/cli.js';
import { EVENTS_DIR, TARGET_HEALTH_CONFIG_YAML, TG_USE2, TG_USW2 } from '../helpers/events.js';

// The local pipeline (`ingest`, `status`) on target-health members (orders-web: ALB aliases with Evaluate Target Health)
// and a `healthCheck: none` member (billing-api's secondary): forwarded target-group alarm events, in their own region,
// as the recorder Lambda receives them. The ledger is a real embedded dynalite on disk.

const NOW = new Date('2025-06-13T00:00:00.000Z');
const cli = cliIn({ now: () => NOW });
const TG = TG_USW2;

const workspace = () => {
  const dir = mkdtempSync(join(tmpdir(), 'r53f-tg-'));
  writeFileSync(join(dir, 'failover.yml'), TARGET_HEALTH_CONFIG_YAML);
  return dir;
};
const json = (s: string) => JSON.parse(s) as Record<string, unknown[]>;
const fixture = (name: string) => join(EVENTS_DIR, 'eventbridge', name);

describe('r53-failover ingest and status: target-health members', () => {
  it('records FAILED_OVER and RECOVERED from forwarded ELB alarm events; a second delivery is a duplicate', async () => {
    const cwd = workspace();
    const res = await cli(
      cwd,
      'ingest',
      '--json',
      '--no-notify',
      '--no-promote',
      fixture('elb-target-health-alarm.json'),
      fixture('elb-target-health-alarm.json'),
    );
    expect(res.code).toBe(0);
    expect(json(res.out).results).toMatchObject([
      { outcome: 'recorded', group: 'orders-web', event: 'FAILED_OVER' },
      { outcome: 'duplicate' },
    ]);
    const down = json((await cli(cwd, 'status', '--group', 'orders-web', '--json')).out).groups;
    expect(down).toMatchObject([
      {
        group: 'orders-web',
        serving: 'secondary',
        members: {
          primary: {
            basis: 'target-health',
            healthCheckId: '',
            region: 'us-west-2',
            state: 'ALARM',
            targetGroups: { [TG]: { state: 'ALARM', stateChangedAt: '2025-06-12T14:03:27.412Z' } },
          },
          secondary: {
            basis: 'target-health',
            state: null,
            targetGroups: { [TG_USE2]: { state: null, stateChangedAt: null } },
          },
        },
      },
    ]);
    expect((await cli(cwd, 'status', '--group', 'orders-web')).out).toContain(
      `primary    us-west-2      ${TG} ALARM  ALARM since 2025-06-12T14:03:27.412Z`,
    );
    const billing = await cli(cwd, 'status', '--group', 'billing-api');
    expect(billing.out).toContain(
      'secondary  us-west-2      healthCheck: none  no health check: Route 53 treats it as always healthy',
    );
    expect(json((await cli(cwd, 'status', '--group', 'billing-api', '--json')).out).groups).toMatchObject([
      { members: { secondary: { basis: 'none', healthCheckId: '', state: null } } },
    ]);
    const up = await cli(cwd, 'ingest', '--json', '--no-notify', '--no-promote', fixture('elb-target-health-ok.json'));
    expect(json(up.out).results).toMatchObject([{ outcome: 'recorded', event: 'RECOVERED' }]);
    expect(json((await cli(cwd, 'status', '--group', 'orders-web', '--json')).out).groups).toMatchObject([
      { serving: 'primary' },
    ]);
  });

  it('ignores a target-group alarm of another account, and of another region than its target group', async () => {
    const cwd = workspace();
    const alarm = (account: string, region: string) =>
      eventBridgeEvent({
        alarmName: 'r53-failover-prod-orders-web-primary-target-health',
        healthCheckId: '',
        targetGroup: TG,
        loadBalancer: 'app/orders-usw2/0fedcba987654321',
        state: 'ALARM',
        previousState: 'OK',
        at: '2025-06-12T14:03:27.412Z',
        account,
        region,
      });
    writeFileSync(join(cwd, 'theirs.json'), JSON.stringify(alarm('999988887777', 'us-west-2')));
    writeFileSync(join(cwd, 'elsewhere.json'), JSON.stringify(alarm('123456789012', 'eu-west-1')));
    const res = await cli(cwd, 'ingest', '--json', '--no-notify', '--no-promote', 'theirs.json', 'elsewhere.json');
    expect(json(res.out).results).toMatchObject([
      { outcome: 'ignored', reason: expect.stringContaining('not this deployment') },
      { outcome: 'ignored', reason: expect.stringContaining(`target group ${TG} is in us-west-2`) },
    ]);
    expect(json((await cli(cwd, 'status', '--group', 'orders-web', '--json')).out).groups).toMatchObject([
      { entries: 0, serving: 'primary' },
    ]);
  });
});
