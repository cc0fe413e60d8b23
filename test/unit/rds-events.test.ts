import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../shared/support/errors.js';
import { parseRdsEvent } from '../../shared/promote/rds-events.js';
import { errorOf } from '../helpers/errors.js';
import { loadEvent } from '../helpers/events.js';

/** A fixture with `detail` fields replaced (undefined removes one). */
const withDetail = (path: string, detail: Record<string, unknown>) => {
  const evt = loadEvent(path);
  const merged: Record<string, unknown> = { ...(evt.detail as Record<string, unknown>), ...detail };
  for (const [k, v] of Object.entries(detail)) if (v === undefined) delete merged[k];
  return { ...evt, detail: merged };
};

describe('parseRdsEvent: the fixtures', () => {
  it('reads an unplanned global failover to us-west-2 as completed (RDS-EVENT-0238)', () => {
    // Arrange
    const raw = loadEvent('rds/global-failover-completed.json');
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toEqual({
      kind: 'global-failover-completed',
      sourceArn: 'arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2',
      sourceId: 'orders-aurora-usw2',
      region: 'us-west-2',
      eventId: 'RDS-EVENT-0238',
      at: '2025-06-12T14:27:36.118Z',
      message: 'Global failover to DB cluster orders-aurora-usw2 in Region us-west-2 completed.',
    });
  });

  it('reads a planned switchover back to us-east-1 as finished (RDS-EVENT-0185)', () => {
    // Arrange
    const raw = loadEvent('rds/global-switchover-completed.json');
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toMatchObject({
      kind: 'global-switchover-finished',
      sourceId: 'orders-aurora-use1',
      region: 'us-east-1',
      eventId: 'RDS-EVENT-0185',
      at: '2025-06-21T03:18:52.904Z',
    });
  });

  it('reads the read-replica promotion by its message, with no event id', () => {
    // Arrange
    const raw = loadEvent('rds/db-instance-promotion.json');
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toEqual({
      kind: 'replica-promoted',
      sourceArn: 'arn:aws:rds:us-west-2:123456789012:db:inventory-db-usw2',
      sourceId: 'inventory-db-usw2',
      region: 'us-west-2',
      at: '2025-06-12T14:36:52.418Z',
      message: 'Promoted Read Replica to a stand-alone database instance',
    });
  });
});

describe('parseRdsEvent: event ids and identifiers', () => {
  it.each([
    ['RDS-EVENT-0239', 'global-failover-failed'],
    ['RDS-EVENT-0240', 'global-failover-resync'],
    ['RDS-EVENT-0241', 'global-failover-resync'],
    ['RDS-EVENT-0181', 'global-switchover-started'],
    ['RDS-EVENT-0186', 'global-switchover-failed'],
    ['RDS-EVENT-0187', 'global-switchover-failed'],
  ])('maps %s to %s', (eventId, kind) => {
    // Arrange
    const raw = withDetail('rds/global-failover-completed.json', {
      EventID: eventId,
      Message: 'text that must not matter',
    });
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toMatchObject({ kind, eventId });
  });

  it('strips the rds: prefix the RDS guide shows on SourceIdentifier', () => {
    // Arrange
    const raw = withDetail('rds/db-instance-promotion.json', { SourceIdentifier: 'rds:inventory-db-usw2' });
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toMatchObject({ kind: 'replica-promoted', sourceId: 'inventory-db-usw2' });
  });

  it('keys on EventID, not on message text that merely mentions a failover', () => {
    // Arrange
    const raw = withDetail('rds/global-failover-completed.json', {
      EventID: 'RDS-EVENT-0006',
      Message: 'DB instance restarted after global failover completed.',
    });
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toEqual({
      kind: 'other',
      reason: expect.stringContaining('RDS-EVENT-0006 on orders-aurora-usw2 is not a promotion event'),
    });
  });

  it('reports a valid RDS event about something else as other, with a reason', () => {
    // Arrange
    const raw = withDetail('rds/db-instance-promotion.json', {
      EventCategories: ['backup'],
      Message: 'Backing up DB instance',
      EventID: 'RDS-EVENT-0001',
    });
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toMatchObject({ kind: 'other' });
  });

  it('takes the source ARN from resources when SourceArn is absent', () => {
    // Arrange
    const raw = withDetail('rds/global-failover-completed.json', { SourceArn: undefined });
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toMatchObject({ sourceArn: 'arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2' });
  });
});

describe('parseRdsEvent: malformed and foreign input', () => {
  it('rejects an RDS event without detail.Message, naming the field', () => {
    // Arrange
    const raw = withDetail('rds/global-failover-completed.json', { Message: undefined });
    // Act
    const err = errorOf(() => parseRdsEvent(raw));
    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toContain('detail.Message: is required');
  });

  it('rejects a malformed event id and an unreadable date in one message', () => {
    // Arrange
    const raw = withDetail('rds/global-failover-completed.json', { EventID: 238, Date: 'yesterday' });
    // Act
    const err = errorOf(() => parseRdsEvent(raw));
    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toContain('detail.EventID: expected string, got 238');
    expect(err.message).toContain('detail.Date: expected an ISO 8601 timestamp');
  });

  it('rejects an RDS event with a bad region', () => {
    // Arrange
    const raw = { ...loadEvent('rds/global-failover-completed.json'), region: 'Oregon' };
    // Act
    const err = errorOf(() => parseRdsEvent(raw));
    // Assert
    expect(err.message).toContain('region: expected an AWS region like us-east-1, got "Oregon"');
  });

  it.each([
    ['a CloudWatch alarm event', loadEvent('eventbridge/alarm-state-change-alarm.json')],
    ['an SNS alarm notification', loadEvent('sns/alarm-notification.json')],
    ['null', null],
    ['a string', 'aws.rds'],
    ['an array', [{ source: 'aws.rds' }]],
  ])('returns null for %s', (_name, raw) => {
    // Act
    const evt = parseRdsEvent(raw);
    // Assert
    expect(evt).toBeNull();
  });
});
