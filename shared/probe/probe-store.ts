import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LedgerWriteError } from '../support/errors.js';
import type { ProbeResult } from './types.js';
import type { Quorum, RegionVerdict } from '../core/probe-verdicts.js';

export interface StoredProbeResult extends ProbeResult {
  group: string;
  member: string;
  region: string;
}

/** Where one region last saw a group's record settle, and when it first saw it move (for convergence). */
export interface DnsState {
  settled?: string;
  since?: string;
  flipSeenAt?: string;
}

export interface QuorumState {
  quorum: Quorum;
  since: string;
  version: number;
}

/** Probe results, per-region verdicts and quorum state, in the ledger table under `PROBE#<group>` (results expire by TTL). */
export interface ProbeStore {
  putResult(r: StoredProbeResult, retentionDays: number): Promise<void>;
  listResults(group: string, member?: string, limit?: number): Promise<StoredProbeResult[]>;
  getVerdicts(group: string, member: string): Promise<RegionVerdict[]>;
  /** Monotonic: an older round never overwrites a newer one. */
  putVerdict(group: string, member: string, v: RegionVerdict): Promise<void>;
  getQuorum(group: string, member: string): Promise<QuorumState>;
  /** Conditional on `expectedVersion`: only one region records a given change. */
  putQuorum(group: string, member: string, q: QuorumState, expectedVersion: number): Promise<boolean>;
  /** True the first time a disagreement that began at `since` is claimed (so it is reported once). */
  claimDisagreement(group: string, member: string, since: string): Promise<boolean>;
  getDnsState(group: string, region: string): Promise<DnsState>;
  putDnsState(group: string, region: string, state: DnsState): Promise<void>;
}

const pk = (group: string) => `PROBE#${group}`;
const BODY_SNIPPET_MAX = 512;

export class DynamoDbProbeStore implements ProbeStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async putResult(r: StoredProbeResult, retentionDays: number): Promise<void> {
    const expiresAt = Math.floor(Date.parse(r.startedAt) / 1000) + retentionDays * 86_400;
    await this.#send(`store probe result of ${r.group}/${r.member}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...r,
            ...(r.bodySnippet ? { bodySnippet: r.bodySnippet.slice(0, BODY_SNIPPET_MAX) } : {}),
            pk: pk(r.group),
            sk: `RESULT#${r.member}#${r.startedAt}#${r.region}#${r.probe}`,
            kind: 'probe-result',
            expiresAt,
          },
        }),
      ),
    );
  }

  async listResults(group: string, member?: string, limit = 100): Promise<StoredProbeResult[]> {
    const res = await this.#send(`list probe results of ${group}`, () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': pk(group), ':p': member ? `RESULT#${member}#` : 'RESULT#' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (res.Items ?? []).map(
      ({ pk: _pk, sk: _sk, kind: _kind, expiresAt: _e, ...rest }) => rest as StoredProbeResult,
    );
  }

  async getVerdicts(group: string, member: string): Promise<RegionVerdict[]> {
    const res = await this.#send(`read verdicts of ${group}/${member}`, () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': pk(group), ':p': `VERDICT#${member}#` },
          ConsistentRead: true,
        }),
      ),
    );
    return (res.Items ?? []).map((i) => ({
      region: i.region,
      ok: Boolean(i.ok),
      consecutiveFailures: Number(i.consecutiveFailures),
      consecutiveSuccesses: Number(i.consecutiveSuccesses),
      at: i.at,
      ...(i.error ? { error: i.error } : {}),
    }));
  }

  async putVerdict(group: string, member: string, v: RegionVerdict): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: pk(group), sk: `VERDICT#${member}#${v.region}`, ...v },
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': v.at },
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return; // a newer round already reported
      throw new LedgerWriteError(`store verdict of ${group}/${member}/${v.region} failed`, { cause: err });
    }
  }

  async getQuorum(group: string, member: string): Promise<QuorumState> {
    const res = await this.#send(`read quorum of ${group}/${member}`, () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: pk(group), sk: `QUORUM#${member}` },
          ConsistentRead: true,
        }),
      ),
    );
    const i = res.Item;
    return i
      ? { quorum: i.quorum as Quorum, since: i.since, version: Number(i.version) }
      : { quorum: 'UNKNOWN', since: new Date(0).toISOString(), version: 0 };
  }

  async putQuorum(group: string, member: string, q: QuorumState, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: pk(group),
            sk: `QUORUM#${member}`,
            quorum: q.quorum,
            since: q.since,
            version: expectedVersion + 1,
          },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new LedgerWriteError(`store quorum of ${group}/${member} failed`, { cause: err });
    }
  }

  async claimDisagreement(group: string, member: string, since: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: pk(group), sk: `DISAGREE#${member}#${since}`, since },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new LedgerWriteError(`record disagreement of ${group}/${member} failed`, { cause: err });
    }
  }

  async getDnsState(group: string, region: string): Promise<DnsState> {
    const res = await this.#send(`read DNS state of ${group}`, () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: pk(group), sk: `DNS#${region}` },
          ConsistentRead: true,
        }),
      ),
    );
    const i = res.Item;
    return i
      ? {
          ...(i.settled ? { settled: i.settled } : {}),
          ...(i.since ? { since: i.since } : {}),
          ...(i.flipSeenAt ? { flipSeenAt: i.flipSeenAt } : {}),
        }
      : {};
  }

  async putDnsState(group: string, region: string, state: DnsState): Promise<void> {
    await this.#send(`store DNS state of ${group}`, () =>
      this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { pk: pk(group), sk: `DNS#${region}`, ...state } }),
      ),
    );
  }

  async #send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new LedgerWriteError(`${what} in ${this.tableName} failed`, { cause: err });
    }
  }
}
