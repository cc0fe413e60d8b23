import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod/mini';
import { type OpsAlarmChange, parseOpsAlarmChange } from '../core/ops-alarm.js';
import { InvalidEventError } from '../support/errors.js';
import { once } from '../support/once.js';
import { parseOrThrow } from '../support/zod-errors.js';
import { isRecord } from '../support/values.js';
import { LEDGER_ENTRY_KINDS } from './store.js';

/**
 * The ledger table's stream is the outbox: every new entry reaches `notify` and `promote-replica` through it. This
 * module reads what those consumers are invoked with, and walks a batch in order.
 */

/** A pointer to one ledger entry: what the stream (or the CLI's in-process publisher) hands a consumer. */
export interface GroupEventRef {
  group: string;
  seq: number;
  correlationId?: string;
}

/** A stream record of a new ledger entry, reduced to its pointer and the stream's sequence number. */
export interface StreamEntryRef extends GroupEventRef {
  sequenceNumber: string;
}

/**
 * What a ledger consumer was invoked with: stream records, the every-minute schedule, a hand-made pointer, or (notify
 * only, through the ops alarm rule) a state change of one of the stack's own alarms.
 */
export type LedgerTrigger =
  | { kind: 'stream'; refs: StreamEntryRef[] }
  | { kind: 'sweep' }
  | { kind: 'group-event'; ref: GroupEventRef }
  | { kind: 'ops-alarm'; alarm: OpsAlarmChange };

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
 * A ledger consumer's input: the ledger table's stream (new entries; the filter on each event source mapping
 * already drops stale and other items, this re-checks), the every-minute schedule, or a hand-made pointer to one entry.
 */
export const parseLedgerTrigger = (raw: unknown): LedgerTrigger => {
  if (isRecord(raw) && Array.isArray(raw.Records)) {
    const ev = parseOrThrow(streamEventSchema(), raw, InvalidEventError);
    const refs: StreamEntryRef[] = [];
    for (const r of ev.Records) {
      if (r.eventName !== 'INSERT' || !r.dynamodb.NewImage) continue;
      const item = unmarshall(r.dynamodb.NewImage as Parameters<typeof unmarshall>[0]);
      if (
        !(LEDGER_ENTRY_KINDS as readonly string[]).includes(String(item.kind)) ||
        item.stale === true ||
        typeof item.group !== 'string' ||
        typeof item.seq !== 'number'
      )
        continue;
      refs.push({
        group: item.group,
        seq: item.seq,
        correlationId: String(item.transitionId ?? ''),
        sequenceNumber: r.dynamodb.SequenceNumber,
      });
    }
    return { kind: 'stream', refs };
  }
  if (
    isRecord(raw) &&
    (raw.source === 'aws.events' || raw.source === 'aws.scheduler') &&
    typeof raw['detail-type'] === 'string' &&
    /Scheduled Event/.test(raw['detail-type'])
  ) {
    return { kind: 'sweep' };
  }
  if (isRecord(raw) && raw.source === 'aws.cloudwatch' && raw['detail-type'] === 'CloudWatch Alarm State Change')
    return { kind: 'ops-alarm', alarm: parseOpsAlarmChange(raw) };
  if (isRecord(raw) && raw.source === 'r53-failover') {
    const ev = parseOrThrow(groupEventSchema(), raw, InvalidEventError);
    return {
      kind: 'group-event',
      ref: { group: ev.detail.group, seq: ev.detail.seq, correlationId: ev.detail.correlationId ?? ev.id ?? '' },
    };
  }
  throw new InvalidEventError(
    '(root): expected DynamoDB stream records of the ledger, a scheduled event, a CloudWatch alarm state change, or {"source": "r53-failover", "detail": {"group", "seq"}}',
  );
};

/** Lambda's partial batch response for a stream: retried from the first failed record. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * The ordered stream-batch loop of every ledger consumer: records are handled one after another, and the first one
 * that fails ends the batch with a partial batch response naming it, so Lambda retries from there and a group's
 * entries are never handled out of order.
 */
export const inStreamOrder = async <R>(
  refs: readonly StreamEntryRef[],
  handle: (ref: StreamEntryRef) => Promise<R>,
  onFailure: (err: unknown, ref: StreamEntryRef) => void,
): Promise<{ results: R[] } & BatchResponse> => {
  const results: R[] = [];
  for (const ref of refs) {
    try {
      results.push(await handle(ref));
    } catch (err) {
      onFailure(err, ref);
      return { results, batchItemFailures: [{ itemIdentifier: ref.sequenceNumber }] };
    }
  }
  return { results, batchItemFailures: [] };
};
