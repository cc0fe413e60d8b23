import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod/mini';
import { InvalidEventError } from '../support/errors.js';
import { once } from '../support/once.js';
import { parseOrThrow } from '../support/zod-errors.js';
import type { GroupEventRef } from './notifier.js';
import { isRecord } from '../support/values.js';

/** A stream record of a new ledger entry, reduced to what the notifier needs; `id` is the stream sequence number. */
export interface StreamEntryRef extends GroupEventRef {
  sequenceNumber: string;
}

export type NotifyEvent = { kind: 'stream'; refs: StreamEntryRef[] } | { kind: 'sweep' } | { kind: 'group-event'; ref: GroupEventRef };

// Built the first time that form arrives: the every-minute schedule, most of this function's cold starts, needs none.
const streamEventSchema = /* @__PURE__ */ once(() =>
  z.looseObject({
    Records: z.array(
      z.looseObject({
        eventName: z.optional(z.string()),
        eventSource: z.literal('aws:dynamodb'),
        dynamodb: z.looseObject({
          SequenceNumber: z.string(),
          NewImage: z.optional(z.record(z.string(), z.unknown())),
        }),
      }),
    ),
  }),
);

/** A manual or forwarded pointer to a ledger entry: `{"source": "r53-failover", "detail": {"group", "seq"}}`. */
const groupEventSchema = /* @__PURE__ */ once(() =>
  z.looseObject({
    source: z.literal('r53-failover'),
    id: z.optional(z.string()),
    detail: z.looseObject({
      group: z.string().check(z.minLength(1)),
      seq: z.number().check(z.int(), z.positive()),
      correlationId: z.optional(z.string()),
    }),
  }),
);

/**
 * The notify function's input: the ledger table's stream (new entries; the filter on the event source mapping
 * already drops everything but fresh, non-stale transitions, this re-checks), the every-minute schedule, or a
 * hand-made pointer to one entry.
 */
export const parseNotifyEvent = (raw: unknown): NotifyEvent => {
  if (isRecord(raw) && Array.isArray(raw.Records)) {
    const ev = parseOrThrow(streamEventSchema(), raw, InvalidEventError);
    const refs: StreamEntryRef[] = [];
    for (const r of ev.Records) {
      if (r.eventName !== 'INSERT' || !r.dynamodb.NewImage) continue;
      const item = unmarshall(r.dynamodb.NewImage as Parameters<typeof unmarshall>[0]);
      if (!['transition', 'probe', 'promotion'].includes(String(item.kind)) || item.stale === true || typeof item.group !== 'string' || typeof item.seq !== 'number') continue;
      refs.push({ group: item.group, seq: item.seq, correlationId: String(item.transitionId ?? ''), sequenceNumber: r.dynamodb.SequenceNumber });
    }
    return { kind: 'stream', refs };
  }
  if (isRecord(raw) && (raw.source === 'aws.events' || raw.source === 'aws.scheduler') && typeof raw['detail-type'] === 'string' && /Scheduled Event/.test(raw['detail-type'])) {
    return { kind: 'sweep' };
  }
  if (isRecord(raw) && raw.source === 'r53-failover') {
    const ev = parseOrThrow(groupEventSchema(), raw, InvalidEventError);
    return { kind: 'group-event', ref: { group: ev.detail.group, seq: ev.detail.seq, correlationId: ev.detail.correlationId ?? ev.id ?? '' } };
  }
  throw new InvalidEventError('(root): expected DynamoDB stream records of the ledger, a scheduled event, or {"source": "r53-failover", "detail": {"group", "seq"}}');
};
