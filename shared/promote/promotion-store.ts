import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LedgerWriteError } from '../support/errors.js';
import type { PromotionStatus } from '../ledger/store.js';

export type HookStatus = 'pending' | 'calling' | 'started' | 'done' | 'failed';

/** One promotion per group episode: the lock, the state machine and each hook's progress. */
export interface PromotionRecord {
  /** `<group>#<episode>`: what operators approve. */
  id: string;
  group: string;
  episode: number;
  status: PromotionStatus;
  mode: 'auto' | 'approve' | 'dry-run';
  /** When the failover that opened the episode happened, and when the hold-down ends. */
  failedOverAt: string;
  dueAt: string;
  expiresAt?: string;
  /** Incremented by every run that takes the lease; a hook call is marked with the epoch that made it. */
  epoch: number;
  leaseOwner?: string;
  leaseUntil?: number;
  /** Each hook's progress; `attempts` counts calls begun (a call is counted before it is made, so a run that dies mid-call still counts). */
  hooks: { status: HookStatus; detail: string; epoch?: number; attempts?: number }[];
  /** After a failed attempt: no run resumes the promotion before this time (backoff). */
  retryAt?: string;
  lagSeconds?: number;
  actor: string;
  reason?: string;
  updatedAt: string;
  version: number;
}

export interface PromotionStore {
  get(group: string, episode: number): Promise<PromotionRecord | undefined>;
  /** Creates the record unless one exists for the episode (20 concurrent FAILED_OVER deliveries → one record). */
  create(rec: PromotionRecord): Promise<boolean>;
  /** Replaces the record if nobody changed it since `expectedVersion`; false when someone did. */
  update(rec: PromotionRecord, expectedVersion: number): Promise<boolean>;
  list(group: string): Promise<PromotionRecord[]>;
}

const pk = (group: string) => `PROMO#${group}`;
const sk = (episode: number) => `EP#${String(episode).padStart(10, '0')}`;
const strip = ({ pk: _pk, sk: _sk, ...rest }: Record<string, unknown>) => rest as unknown as PromotionRecord;

export class DynamoDbPromotionStore implements PromotionStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(group: string, episode: number): Promise<PromotionRecord | undefined> {
    const res = await this.#send(`read promotion ${group}#${episode}`, () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: pk(group), sk: sk(episode) }, ConsistentRead: true }),
      ),
    );
    return res.Item ? strip(res.Item) : undefined;
  }

  async create(rec: PromotionRecord): Promise<boolean> {
    return this.#conditional(`create promotion ${rec.id}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...rec, pk: pk(rec.group), sk: sk(rec.episode) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async update(rec: PromotionRecord, expectedVersion: number): Promise<boolean> {
    return this.#conditional(`update promotion ${rec.id}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...rec, version: expectedVersion + 1, pk: pk(rec.group), sk: sk(rec.episode) },
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        }),
      ),
    );
  }

  async list(group: string): Promise<PromotionRecord[]> {
    const res = await this.#send(`list promotions of ${group}`, () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk(group) },
          ConsistentRead: true,
        }),
      ),
    );
    return (res.Items ?? []).map(strip);
  }

  async #conditional(what: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new LedgerWriteError(`${what} in ${this.tableName} failed`, { cause: err });
    }
  }

  async #send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new LedgerWriteError(`${what} in ${this.tableName} failed`, { cause: err });
    }
  }
}
