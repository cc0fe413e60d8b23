import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { LedgerWriteError } from '../support/errors.js';
import { groupPk } from '../ledger/schema.js';
import type { Notification } from './notification.js';

/** Per-channel delivery state of one notification: `sending` is a lease, `sent`/`failed` are outcomes. */
export type DeliveryStatus = 'sending' | 'sent' | 'failed' | 'suppressed';

export interface DeliveryRecord {
  group: string;
  seq: number;
  notificationId: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  /** `failed: <reason>`; never contains a secret (channels classify errors without URLs or keys). */
  lastError?: string;
  permanent?: boolean;
  sentAt?: string;
  updatedAt: string;
  notification: Notification;
}

/**
 * Flap bookkeeping per group (see notifier.ts). Only idempotent facts live here (a duplicate invocation writes the
 * same values); counts are derived from the ledger when the summary is written. `version` makes updates conditional.
 */
export interface FlapState {
  flapping: boolean;
  since?: string;
  lastTransitionAt?: string;
  lastSeq?: number;
  /**
   * The episode whose key (PagerDuty's dedup_key) stands for the whole flapping period: the flapping message and the
   * summary use it; when flapping ends with the group still failed over, `incidentOpen` keeps mapping the group's
   * notifications onto it until RECOVERED resolves it, so no incident is left dangling.
   */
  episode?: number;
  incidentOpen?: boolean;
  version: number;
}

export type ClaimResult = { claimed: true; attempts: number } | { claimed: false; status: DeliveryStatus | 'unknown' };

/** Exactly-once bookkeeping for notifications, in the ledger table beside the entries they are about. */
export interface DeliveryStore {
  /** Takes the lease on (notification, channel) unless it was sent, is being sent, or failed permanently (redrive takes those too). */
  claim(
    n: Notification,
    channel: string,
    opts: { owner: string; now: Date; leaseMs: number; redrive?: boolean },
  ): Promise<ClaimResult>;
  /** Records the outcome; only the lease holder can. */
  complete(
    n: Notification,
    channel: string,
    owner: string,
    outcome: { status: 'sent'; info?: string } | { status: 'failed'; reason: string; permanent: boolean },
    now: Date,
  ): Promise<void>;
  /** Marks a retryable failure as final (retries exhausted); true for the one caller that did it. */
  giveUp(n: Notification, channel: string, reason: string, now: Date): Promise<boolean>;
  /** Records that a notification was deliberately not sent (flapping), once. */
  suppress(n: Notification, reason: string, now: Date): Promise<void>;
  /** The notifier saw the group event of this entry (the recorder re-emits until then). */
  ack(group: string, seq: number, now: Date): Promise<void>;
  isAcked(group: string, seq: number): Promise<boolean>;
  list(group: string, statuses?: DeliveryStatus[]): Promise<DeliveryRecord[]>;
  getFlap(group: string): Promise<FlapState>;
  /** Conditional on `expectedVersion`; false when another writer got there first. */
  putFlap(group: string, state: FlapState, expectedVersion: number): Promise<boolean>;
}

const NOTIFY_PREFIX = 'NOTIFY#';
const seqPart = (seq: number) => String(seq).padStart(10, '0');
/** `NOTIFY#<seq>#<kind>[#n]#<channel>`: sorts with the entry it belongs to; begins_with(seq) finds them all. */
const deliverySk = (n: Notification, channel: string) =>
  `${NOTIFY_PREFIX}${seqPart(n.seq)}#${n.id.split('#').slice(2).join('#')}#${channel}`;
const ackSk = (seq: number) => `${NOTIFY_PREFIX}${seqPart(seq)}#ack`;
const FLAP_SK = 'FLAP';

export class DynamoDbDeliveryStore implements DeliveryStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async claim(
    n: Notification,
    channel: string,
    opts: { owner: string; now: Date; leaseMs: number; redrive?: boolean },
  ): Promise<ClaimResult> {
    const key = { pk: groupPk(n.group), sk: deliverySk(n, channel) };
    const retryableFailed = opts.redrive ? '#st = :failed' : '(#st = :failed AND #perm = :false)';
    try {
      const res = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression:
            'SET #st = :sending, #owner = :owner, leaseUntil = :lease, attempts = if_not_exists(attempts, :zero) + :one, ' +
            '#n = if_not_exists(#n, :n), #ch = :ch, #grp = :grp, #seq = :seq, nid = :nid, updatedAt = :now',
          ConditionExpression: `attribute_not_exists(pk) OR ${retryableFailed} OR (#st = :sending AND leaseUntil < :nowMs)`,
          ExpressionAttributeNames: {
            '#st': 'status',
            '#owner': 'owner',
            '#n': 'notification',
            '#ch': 'channel',
            '#grp': 'group',
            '#seq': 'seq',
            ...(opts.redrive ? {} : { '#perm': 'permanent' }),
          },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':failed': 'failed',
            ':owner': opts.owner,
            ':lease': opts.now.getTime() + opts.leaseMs,
            ':zero': 0,
            ':one': 1,
            ':n': n,
            ':ch': channel,
            ':grp': n.group,
            ':seq': n.seq,
            ':nid': n.id,
            ':now': opts.now.toISOString(),
            ':nowMs': opts.now.getTime(),
            ...(opts.redrive ? {} : { ':false': false }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { claimed: true, attempts: Number(res.Attributes?.attempts ?? 1) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException))
        throw new LedgerWriteError(`claim ${n.id} on ${channel} failed`, { cause: err });
      const cur = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return { claimed: false, status: (cur.Item?.status as DeliveryStatus | undefined) ?? 'unknown' };
    }
  }

  async complete(
    n: Notification,
    channel: string,
    owner: string,
    outcome: { status: 'sent'; info?: string } | { status: 'failed'; reason: string; permanent: boolean },
    now: Date,
  ): Promise<void> {
    const sent = outcome.status === 'sent';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: groupPk(n.group), sk: deliverySk(n, channel) },
          UpdateExpression: sent
            ? 'SET #st = :st, sentAt = :now, updatedAt = :now, info = :info REMOVE leaseUntil, lastError, #perm'
            : 'SET #st = :st, updatedAt = :now, lastError = :err, #perm = :perm REMOVE leaseUntil',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#st': 'status', '#owner': 'owner', '#perm': 'permanent' },
          ExpressionAttributeValues: sent
            ? { ':st': 'sent', ':now': now.toISOString(), ':info': outcome.info ?? '', ':owner': owner }
            : {
                ':st': 'failed',
                ':now': now.toISOString(),
                ':err': outcome.reason.slice(0, 500),
                ':perm': outcome.permanent,
                ':owner': owner,
              },
        }),
      );
    } catch (err) {
      // Lost the lease (it expired and someone else claimed): their outcome stands.
      if (err instanceof ConditionalCheckFailedException) return;
      throw new LedgerWriteError(`record delivery of ${n.id} on ${channel} failed`, { cause: err });
    }
  }

  async giveUp(n: Notification, channel: string, reason: string, now: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: groupPk(n.group), sk: deliverySk(n, channel) },
          UpdateExpression: 'SET #perm = :true, lastError = :err, updatedAt = :now',
          ConditionExpression: '#st = :failed AND #perm = :false',
          ExpressionAttributeNames: { '#st': 'status', '#perm': 'permanent' },
          ExpressionAttributeValues: {
            ':true': true,
            ':false': false,
            ':failed': 'failed',
            ':err': reason.slice(0, 500),
            ':now': now.toISOString(),
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new LedgerWriteError(`give up ${n.id} on ${channel} failed`, { cause: err });
    }
  }

  async suppress(n: Notification, reason: string, now: Date): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: groupPk(n.group),
            sk: deliverySk(n, '*'),
            status: 'suppressed',
            lastError: reason,
            group: n.group,
            seq: n.seq,
            nid: n.id,
            channel: '*',
            attempts: 0,
            updatedAt: now.toISOString(),
            notification: n,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException))
        throw new LedgerWriteError(`record suppression of ${n.id} failed`, { cause: err });
    }
  }

  async ack(group: string, seq: number, now: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: groupPk(group), sk: ackSk(seq), group, seq, ackedAt: now.toISOString() },
      }),
    );
  }

  async isAcked(group: string, seq: number): Promise<boolean> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: groupPk(group), sk: ackSk(seq) }, ConsistentRead: true }),
    );
    return Boolean(res.Item);
  }

  async list(group: string, statuses?: DeliveryStatus[]): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': groupPk(group), ':p': NOTIFY_PREFIX },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (!item.nid) continue; // ack markers
        const rec: DeliveryRecord = {
          group: item.group,
          seq: Number(item.seq),
          notificationId: item.nid,
          channel: item.channel,
          status: item.status,
          attempts: Number(item.attempts ?? 0),
          updatedAt: item.updatedAt,
          notification: item.notification,
          ...(item.lastError ? { lastError: item.lastError } : {}),
          ...(item.permanent !== undefined ? { permanent: Boolean(item.permanent) } : {}),
          ...(item.sentAt ? { sentAt: item.sentAt } : {}),
        };
        if (!statuses || statuses.includes(rec.status)) out.push(rec);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  async getFlap(group: string): Promise<FlapState> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: groupPk(group), sk: FLAP_SK }, ConsistentRead: true }),
    );
    const i = res.Item;
    if (!i) return { flapping: false, version: 0 };
    return {
      flapping: Boolean(i.flapping),
      version: Number(i.version ?? 0),
      ...(i.since ? { since: i.since } : {}),
      ...(i.lastTransitionAt ? { lastTransitionAt: i.lastTransitionAt } : {}),
      ...(i.lastSeq ? { lastSeq: Number(i.lastSeq) } : {}),
      ...(i.episode ? { episode: Number(i.episode) } : {}),
      ...(i.incidentOpen ? { incidentOpen: true } : {}),
    };
  }

  async putFlap(group: string, state: FlapState, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: groupPk(group), sk: FLAP_SK, ...state, version: expectedVersion + 1 },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new LedgerWriteError(`update flap state of ${group} failed`, { cause: err });
    }
  }
}
