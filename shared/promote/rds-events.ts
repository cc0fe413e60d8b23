import * as z from 'zod/mini';
import { isoTimestampSchema } from '../core/alarm-event.js';
import { InvalidEventError } from '../support/errors.js';
import { once } from '../support/once.js';
import { parseOrThrow } from '../support/zod-errors.js';
import { isRecord, show } from '../support/values.js';
import { regionSchema } from '../config/fields.js';

/** RDS events (EventBridge `source: aws.rds`) that confirm or refute a promotion in flight. */

export type RdsPromotionKind =
  | 'global-failover-completed'
  | 'global-failover-failed'
  | 'global-switchover-finished'
  | 'global-switchover-failed'
  | 'global-switchover-started'
  | 'global-failover-resync'
  | 'replica-promoted';

export type RdsEvent =
  | {
      kind: RdsPromotionKind;
      /** The member DB cluster or DB instance the event is about. */
      sourceArn: string;
      /** Its identifier, without the `rds:` prefix some deliveries carry. */
      sourceId: string;
      region: string;
      /** Absent for read-replica promotion, which RDS documents no event ID for. */
      eventId?: string;
      /** ISO 8601 UTC with milliseconds. */
      at: string;
      /** RDS's own text (e.g. tells a cancelled switchover, RDS-EVENT-0186, from a failed one). */
      message: string;
    }
  | { kind: 'other'; reason: string };

// Keyed on EventID, never on message text (Aurora User Guide, DB cluster events, category global-failover).
const BY_EVENT_ID: Record<string, RdsPromotionKind> = {
  'RDS-EVENT-0238': 'global-failover-completed',
  'RDS-EVENT-0239': 'global-failover-failed',
  'RDS-EVENT-0240': 'global-failover-resync',
  'RDS-EVENT-0241': 'global-failover-resync',
  'RDS-EVENT-0181': 'global-switchover-started',
  'RDS-EVENT-0185': 'global-switchover-finished',
  // Cancelled: the switchover did not happen, which is a failure for the promotion waiting on it.
  'RDS-EVENT-0186': 'global-switchover-failed',
  'RDS-EVENT-0187': 'global-switchover-failed',
};

/** What RDS shows for a read-replica promotion; it documents no EventID for it, so this text is the only key. */
export const REPLICA_PROMOTED_MESSAGE = 'Promoted Read Replica to a stand-alone database instance';

/** The fields of an RDS EventBridge event this module reads; built the first time an RDS event arrives (rarely). */
const rdsEventSchema = /* @__PURE__ */ once(() => {
  const TimestampSchema = isoTimestampSchema('2025-06-12T14:27:36.118Z');

  const RdsArnSchema = z.string({ error: (i) => `expected an RDS ARN, got ${show(i.input)}` }).check(
    z.regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:[a-z-]+:[A-Za-z0-9-]+$/, {
      error: (i) =>
        `expected an RDS ARN like arn:aws:rds:us-west-2:123456789012:cluster:orders-aurora-usw2, got ${show(i.input)}`,
    }),
  );

  // Anything else RDS adds is passed over.
  return z.object({
    source: z.literal('aws.rds'),
    'detail-type': z.string().check(
      z.startsWith('RDS ', {
        error: (i) => `expected an RDS detail-type like "RDS DB Cluster Event", got ${show(i.input)}`,
      }),
    ),
    region: regionSchema(),
    time: TimestampSchema,
    resources: z.optional(z.array(z.string())),
    detail: z.object({
      EventID: z.optional(
        z.string().check(
          z.regex(/^RDS-EVENT-\d{4}$/, {
            error: (i) => `expected an event id like RDS-EVENT-0238, got ${show(i.input)}`,
          }),
        ),
      ),
      EventCategories: z.optional(z.array(z.string())),
      SourceType: z.string(),
      SourceArn: z.optional(RdsArnSchema),
      SourceIdentifier: z
        .string()
        .check(z.minLength(1, { error: 'expected a source identifier like orders-aurora-usw2' })),
      Message: z.string(),
      Date: z.optional(TimestampSchema),
    }),
  });
});
export type RdsEventInput = z.infer<ReturnType<typeof rdsEventSchema>>;

/**
 * An RDS event → the promotion step it reports, `other` (a valid RDS event about something else), or null when the
 * payload is not an RDS event at all. A malformed RDS event throws InvalidEventError naming each bad field.
 */
export const parseRdsEvent = (raw: unknown): RdsEvent | null => {
  if (!isRecord(raw) || raw.source !== 'aws.rds') return null;
  const evt = parseOrThrow(rdsEventSchema(), raw, InvalidEventError);
  const d = evt.detail;
  const isReplicaPromotion =
    d.Message.trim().replace(/\.$/, '').toLowerCase() === REPLICA_PROMOTED_MESSAGE.toLowerCase();
  const kind =
    (d.EventID ? BY_EVENT_ID[d.EventID] : undefined) ?? (isReplicaPromotion ? 'replica-promoted' : undefined);
  if (!kind) {
    return {
      kind: 'other',
      reason: `RDS event ${d.EventID ?? '(no EventID)'} on ${d.SourceIdentifier} is not a promotion event: ${d.Message.slice(0, 200)}`,
    };
  }
  // EventBridge also lists the source in `resources`; SourceArn is the field RDS documents.
  const sourceArn = d.SourceArn ?? evt.resources?.find((r) => r.startsWith('arn:') && r.includes(':rds:'));
  if (!sourceArn)
    throw new InvalidEventError('detail.SourceArn: is required for a promotion event (and resources names no RDS ARN)');
  return {
    kind,
    sourceArn,
    sourceId: d.SourceIdentifier.replace(/^rds:/, ''),
    region: evt.region,
    ...(d.EventID ? { eventId: d.EventID } : {}),
    at: d.Date ?? evt.time,
    message: d.Message,
  };
};
