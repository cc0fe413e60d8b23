import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { DeliverySource } from '../core/alarm-event.js';
import { LedgerWriteError, R53FailoverError } from '../support/errors.js';
import {
  ALL_GROUPS_PK,
  GROUP_PK_PREFIX,
  GSI_BY_GROUP_TIME,
  GSI_BY_TIME,
  SEQ_PREFIX,
  groupPk,
  seqSk,
} from './schema.js';
import type { LedgerEntry, LedgerHead, LedgerStore, ListQuery } from './store.js';
import { isRecord } from '../support/values.js';

type Item = Record<string, unknown>;

const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'] as const;
const GROUPS_PK = 'GROUPS';
/** How many of a group's newest entries `findTransition` reads exactly before it asks the index. */
const RECENT_WINDOW = 16;

/** Opaque pagination cursors: the query's LastEvaluatedKey, base64url-encoded. */
export class InvalidCursorError extends R53FailoverError {
  override readonly name: string = 'InvalidCursorError';
}
const encodeCursor = (key: Item): string => Buffer.from(JSON.stringify(key)).toString('base64url');
const decodeCursor = (cursor: string): Item => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (isRecord(key) && Object.values(key).every((v) => typeof v === 'string' || typeof v === 'number')) return key;
  } catch {
    // fall through: not base64url JSON
  }
  throw new InvalidCursorError(`cursor: not a cursor this ledger handed out (${cursor.slice(0, 20)}…)`);
};

/** The stored form of an entry (keys and index attributes added): the store writes it, the bench bulk-loads it. */
export const toItem = (e: LedgerEntry): Item => ({
  ...e,
  pk: groupPk(e.group),
  sk: seqSk(e.seq),
  gsi1pk: ALL_GROUPS_PK,
  gsi1sk: `${e.stateChangedAt}#${e.group}#${seqSk(e.seq)}`,
  gsi2pk: groupPk(e.group),
  gsi2sk: `${e.stateChangedAt}#${e.transitionId}`,
  sources: new Set(e.sources),
});

const fromItem = (item: Item): LedgerEntry => {
  const out: Item = { ...item };
  for (const k of KEY_ATTRS) delete out[k];
  const sources =
    item.sources instanceof Set ? [...(item.sources as Set<string>)] : ((item.sources as string[] | undefined) ?? []);
  out.sources = sources.sort();
  out.previousState = item.previousState ?? null;
  out.episode = item.episode ?? null;
  out.openEpisode = item.openEpisode ?? null;
  return out as unknown as LedgerEntry;
};

/** Ledger on a DynamoDB table (AWS or dynalite). Keeps each group's head in memory: recording is one PutItem. */
export class DynamoDbLedgerStore implements LedgerStore {
  readonly #heads = new Map<string, LedgerHead>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async head(group: string, opts: { fresh?: boolean } = {}): Promise<LedgerHead> {
    const cached = opts.fresh ? undefined : this.#heads.get(group);
    if (cached) return cached;
    const [item] = await this.#newest('read head of', group, 1);
    const head: LedgerHead = item
      ? { seq: Number(item.seq), snapshot: (item.snapshot as LedgerHead['snapshot']) ?? {}, entry: fromItem(item) }
      : { seq: 0, snapshot: {} };
    this.#heads.set(group, head);
    return head;
  }

  async append(entry: LedgerEntry): Promise<'appended' | 'conflict'> {
    if (entry.seq === 1) await this.#register(entry.group);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(entry),
          // The per-group sequence number is the lock: two writers racing for one seq cannot both win.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      this.#heads.delete(entry.group);
      if (err instanceof ConditionalCheckFailedException) return 'conflict';
      throw new LedgerWriteError(`append ${groupPk(entry.group)}/${seqSk(entry.seq)} to ${this.tableName} failed`, {
        cause: err,
      });
    }
    this.#heads.set(entry.group, { seq: entry.seq, snapshot: entry.snapshot, entry });
    return 'appended';
  }

  /**
   * The entry that recorded `transitionId`, if any. The newest entries first, with a strongly consistent read: a
   * concurrent copy of the same transition appended moments ago is found there exactly (the index below is
   * eventually consistent and may not show it yet). Older ones through the `byGroupTime` index: an entry with more
   * than RECENT_WINDOW appends after it has long reached the index.
   */
  async findTransition(group: string, stateChangedAt: string, transitionId: string): Promise<LedgerEntry | undefined> {
    const hit = (await this.#newest('read recent entries of', group, RECENT_WINDOW)).find(
      (i) => i.transitionId === transitionId,
    );
    if (hit) return fromItem(hit);
    const res = await this.#send('look up transition in', group, () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI_BY_GROUP_TIME,
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk = :sk',
          ExpressionAttributeValues: { ':pk': groupPk(group), ':sk': `${stateChangedAt}#${transitionId}` },
          Limit: 1,
        }),
      ),
    );
    const item = res.Items?.[0];
    if (!item) return undefined;
    // GSIs are eventually consistent: re-read the base item so the caller sees its current sources.
    const base = await this.#send('read', group, () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
      ),
    );
    return base.Item ? fromItem(base.Item) : fromItem(item);
  }

  async get(group: string, seq: number): Promise<LedgerEntry | undefined> {
    const res = await this.#send('read', group, () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: groupPk(group), sk: seqSk(seq) },
          ConsistentRead: true,
        }),
      ),
    );
    return res.Item ? fromItem(res.Item) : undefined;
  }

  async addSource(group: string, seq: number, source: DeliverySource): Promise<void> {
    await this.#send('add source to', group, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: groupPk(group), sk: seqSk(seq) },
          UpdateExpression: 'ADD sources :s',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':s': new Set([source]) },
        }),
      ),
    );
    const cached = this.#heads.get(group);
    if (cached?.entry?.seq === seq && !cached.entry.sources.includes(source)) {
      cached.entry = { ...cached.entry, sources: [...cached.entry.sources, source].sort() as DeliverySource[] };
    }
  }

  /** The group registry (`pk GROUPS`): written once, when a group's first entry is appended. */
  async #register(group: string): Promise<void> {
    await this.#send('register group', group, () =>
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: GROUPS_PK, sk: group } })),
    );
  }

  async groups(): Promise<string[]> {
    const groups: string[] = [];
    await this.#queryEach(
      'list groups of',
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': GROUPS_PK },
      },
      (i) => groups.push(String(i.sk)),
    );
    return groups.sort();
  }

  /**
   * Groups from the chain entries: every entry (and only an entry) is in the `byTime` index, so one pass over it,
   * keys only, finds each group that has one, registry item or not. The index is eventually consistent: a group whose
   * first entry was appended a moment ago may show up on the next call only (its registry item is written first).
   */
  async chainGroups(): Promise<string[]> {
    const groups = new Set<string>();
    await this.#queryEach(
      'discover groups of',
      {
        TableName: this.tableName,
        IndexName: GSI_BY_TIME,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': ALL_GROUPS_PK },
        ProjectionExpression: 'pk',
      },
      ({ pk }) => {
        if (typeof pk === 'string' && pk.startsWith(GROUP_PK_PREFIX)) groups.add(pk.slice(GROUP_PK_PREFIX.length));
      },
    );
    return [...groups].sort();
  }

  /** Hands `each` every item a query across all groups matches, a page at a time (the registry, `byTime`). */
  async #queryEach(what: string, input: QueryCommandInput, each: (item: Item) => void): Promise<void> {
    let startKey: Item | undefined;
    do {
      const page = await this.#send(what, 'all groups', () =>
        this.doc.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) })),
      );
      for (const item of page.Items ?? []) each(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** A group's chain entries (`SEQ#…`), read strongly consistent. */
  #chainInput(group: string) {
    return {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :seq)',
      ExpressionAttributeValues: { ':pk': groupPk(group), ':seq': SEQ_PREFIX },
      ConsistentRead: true,
    };
  }

  /** The group's newest chain items, newest first. */
  async #newest(what: string, group: string, limit: number): Promise<Item[]> {
    const res = await this.#send(what, group, () =>
      this.doc.send(new QueryCommand({ ...this.#chainInput(group), ScanIndexForward: false, Limit: limit })),
    );
    return res.Items ?? [];
  }

  async chain(group: string, cursor?: string, limit = 500): Promise<{ items: LedgerEntry[]; cursor?: string }> {
    const start = cursor ? decodeCursor(cursor) : undefined;
    const page = await this.#send('read chain of', group, () =>
      this.doc.send(
        new QueryCommand({ ...this.#chainInput(group), Limit: limit, ...(start ? { ExclusiveStartKey: start } : {}) }),
      ),
    );
    return {
      items: (page.Items ?? []).map(fromItem),
      ...(page.LastEvaluatedKey ? { cursor: encodeCursor(page.LastEvaluatedKey) } : {}),
    };
  }

  async page(query: ListQuery & { cursor?: string }): Promise<{ items: LedgerEntry[]; cursor?: string }> {
    const start = query.cursor ? decodeCursor(query.cursor) : undefined;
    const page = await this.#send('list', query.group ?? 'all groups', () =>
      this.doc.send(
        new QueryCommand({
          ...this.#listInput(query),
          Limit: query.limit ?? 100,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
    return {
      items: (page.Items ?? []).map(fromItem),
      ...(page.LastEvaluatedKey ? { cursor: encodeCursor(page.LastEvaluatedKey) } : {}),
    };
  }

  #listInput(query: ListQuery): QueryCommandInput {
    const since = query.since ?? '0000';
    // '~' sorts after every character used in keys, so `until` is inclusive of all entries at that instant.
    const until = `${query.until ?? '9999'}~`;
    const input: QueryCommandInput = query.group
      ? {
          TableName: this.tableName,
          IndexName: GSI_BY_GROUP_TIME,
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :a AND :b',
          ExpressionAttributeValues: { ':pk': groupPk(query.group), ':a': since, ':b': until },
        }
      : {
          TableName: this.tableName,
          IndexName: GSI_BY_TIME,
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :a AND :b',
          ExpressionAttributeValues: { ':pk': ALL_GROUPS_PK, ':a': since, ':b': until },
        };
    input.ScanIndexForward = query.order !== 'desc';
    return input;
  }

  async list(query: ListQuery): Promise<LedgerEntry[]> {
    const input = this.#listInput(query);
    const out: LedgerEntry[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.#send('list', query.group ?? 'all groups', () =>
        this.doc.send(
          new QueryCommand({
            ...input,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            ...(query.limit ? { Limit: query.limit - out.length } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) out.push(fromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (!query.limit || out.length < query.limit));
    return out;
  }

  async #send<T>(what: string, group: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new LedgerWriteError(`${what} ${groupPk(group)} in ${this.tableName} failed`, { cause: err });
    }
  }
}
