import { describe, expect, it } from 'vitest';
import { normaliseAlarmEvent } from '../../shared/core/alarm-event.js';
import { foreignAlarm } from '../../shared/core/alarm-origin.js';
import { alarmActionEvent, eventBridgeEvent, snsEvent } from '../../local/sample-events.js';
import { SAMPLE_ALARM } from '../helpers/events.js';

const OURS = '123456789012';
const THEIRS = '999988887777';
const arn = (region: string, account: string) =>
  `arn:aws:cloudwatch:${region}:${account}:alarm:r53-failover-orders-api-primary-health`;

const SAMPLE = SAMPLE_ALARM;

describe('foreignAlarm: the alarm ARN must be this account’s, in us-east-1', () => {
  it('accepts our account in us-east-1', () => {
    expect(foreignAlarm({ alarmArn: arn('us-east-1', OURS), accountId: OURS, region: 'us-east-1' }, OURS)).toBe(
      undefined,
    );
  });

  it('names the other account and ours', () => {
    const f = foreignAlarm({ alarmArn: arn('us-east-1', THEIRS), accountId: THEIRS, region: 'us-east-1' }, OURS);
    expect(f?.rule).toBe('foreign-account');
    expect(f?.reason).toContain(`is in account ${THEIRS}, not this deployment's account ${OURS}`);
    expect(f?.reason).toContain(arn('us-east-1', THEIRS));
  });

  it('refuses an envelope that names another account than the ARN', () => {
    const f = foreignAlarm({ alarmArn: arn('us-east-1', OURS), accountId: THEIRS, region: 'us-east-1' }, OURS);
    expect(f).toMatchObject({ rule: 'foreign-account', reason: expect.stringContaining(THEIRS) });
  });

  it('names the region: AWS/Route53 alarms exist only in us-east-1', () => {
    const f = foreignAlarm({ alarmArn: arn('eu-west-1', OURS), accountId: OURS, region: 'eu-west-1' }, OURS);
    expect(f?.rule).toBe('foreign-region');
    expect(f?.reason).toContain('is in region eu-west-1');
    expect(f?.reason).toContain('only in us-east-1');
  });

  it('checks the region but not the account when the account is unknown', () => {
    expect(
      foreignAlarm({ alarmArn: arn('us-east-1', THEIRS), accountId: THEIRS, region: 'us-east-1' }, undefined),
    ).toBe(undefined);
    expect(
      foreignAlarm({ alarmArn: arn('us-west-2', THEIRS), accountId: THEIRS, region: 'us-west-2' }, undefined)?.rule,
    ).toBe('foreign-region');
  });
});

describe('normaliseAlarmEvent with a foreign check: every delivery form', () => {
  const foreign = (t: Parameters<typeof foreignAlarm>[0]) => foreignAlarm(t, OURS);
  it.each([
    ['EventBridge', eventBridgeEvent],
    ['SNS', snsEvent],
    ['Lambda alarm action', alarmActionEvent],
  ])('%s: another account’s alarm is ignored with its reason and rule', (_label, build) => {
    const [n] = normaliseAlarmEvent(build({ ...SAMPLE, account: THEIRS }), undefined, { foreign });
    expect(n).toMatchObject({ kind: 'ignored', rule: 'foreign-account', reason: expect.stringContaining(THEIRS) });
  });

  it.each([
    ['EventBridge', eventBridgeEvent],
    ['SNS', snsEvent],
    ['Lambda alarm action', alarmActionEvent],
  ])('%s: an alarm in another region is ignored naming the region', (_label, build) => {
    const [n] = normaliseAlarmEvent(build({ ...SAMPLE, region: 'ap-southeast-2' }), undefined, { foreign });
    expect(n).toMatchObject({
      kind: 'ignored',
      rule: 'foreign-region',
      reason: expect.stringContaining('ap-southeast-2'),
    });
  });

  it('ignores another account’s alarm before judging its time: a foreign 2099 event is ignored, not rejected', () => {
    const raw = snsEvent({ ...SAMPLE, account: THEIRS, at: '2099-01-01T00:00:00.000Z' });
    const [n] = normaliseAlarmEvent(raw, undefined, { foreign, receivedAt: new Date('2025-06-12T15:00:00Z') });
    expect(n).toMatchObject({ kind: 'ignored', rule: 'foreign-account' });
  });
});

describe('foreignAlarm: a target-group alarm belongs in its target group’s region', () => {
  const TG = 'targetgroup/orders-usw2/0123456789abcdef';
  const home = (tg: string) => (tg === TG ? 'us-west-2' : undefined);
  const elb = (region: string, account = OURS) => ({
    alarmArn: arn(region, account),
    accountId: account,
    region,
    targetGroup: TG,
  });

  it('accepts the alarm from the region of the target group it names (forwarded to us-east-1)', () => {
    expect(foreignAlarm(elb('us-west-2'), OURS, home)).toBe(undefined);
  });

  it('refuses it from another region, naming both', () => {
    const f = foreignAlarm(elb('eu-west-1'), OURS, home);
    expect(f?.rule).toBe('foreign-region');
    expect(f?.reason).toContain('is in region eu-west-1');
    expect(f?.reason).toContain(`target group ${TG} is in us-west-2`);
  });

  it('refuses it from us-east-1 when the target group is elsewhere', () => {
    expect(foreignAlarm(elb('us-east-1'), OURS, home)?.rule).toBe('foreign-region');
  });

  it('keeps refusing another account’s target-group alarm', () => {
    expect(foreignAlarm(elb('us-west-2', THEIRS), OURS, home)?.rule).toBe('foreign-account');
  });

  it('accepts a target group in no member from any one region (it is recorded as unassigned)', () => {
    expect(foreignAlarm({ ...elb('ap-southeast-2'), targetGroup: 'targetgroup/x/aaaaaaaaaaaaaaaa' }, OURS, home)).toBe(
      undefined,
    );
  });

  it('still refuses a HealthCheckStatus alarm outside us-east-1 when target groups are configured', () => {
    const f = foreignAlarm({ alarmArn: arn('us-west-2', OURS), accountId: OURS, region: 'us-west-2' }, OURS, home);
    expect(f?.rule).toBe('foreign-region');
    expect(f?.reason).toContain('only in us-east-1');
  });
});
