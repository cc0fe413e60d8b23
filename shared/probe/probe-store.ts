import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { LedgerWriteError } from '../support/errors.js';
import type { ProbeResult } from './types.js';
import type { ObservedServing, Quorum, RegionVerdict } from '../core/probe-verdicts.js';

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

/**
 * What DNS answers for a group's record: as one probe region sees it (`OBSERVED#<region>`), or as recorded for the
 * group (`OBSERVED`, what `status` shows and DNS_SERVING_CHANGED follows). Versioned: each change has one writer.
 */
export interface ObservedState {
  serving: ObservedServing;
  /** When this answer was first seen (for the group: by the region whose observation it took). */
  at: string;
  /** The values answered (normalised), empty for NXDOMAIN/NODATA, and the resolver that answered them. */
  answer: string[];
  resolver: string;
  negative?: 'NXDOMAIN' | 'NODATA';
  /** The probe region (or `cli`) that saw it. */
  region: string;
  version: number;
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
  /** One region's observation of the record's answer (`region`), or the group's (`region` undefined). */
  getObserved(group: string, region?: string): Promise<ObservedState | undefined>;
  /** Conditional on `expectedVersion` (0: none yet): only one writer records a given change. */
  putObserved(
    group: string,
    region: string | undefined,
    state: Omit<ObservedState, 'version'>,
    expectedVersion: number,
  ): Promise<boolean>;
  /** True the first time a serving mismatch that began at `since` is claimed (so it is reported once). */
  claimMismatch(group: string, since: string): Promise<boolean>;
  getDnsState(group: string, region: string): Promise<DnsState>;
  putDnsState(group: string, region: string, state: DnsState): Promise<void>;
}

const pk = (group: string) => `PROBE#${group}`;
const observedSk = (region?: string) => (region === undefined ? 'OBSERVED' : `OBSERVED#${region}`);
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
    return this.#claim(group, `DISAGREE#${member}#${since}`, since, `disagreement of ${member}`);
  }

  /** A once-only marker: true for the writer that creates it. */
  async #claim(group: string, sk: string, since: string, what: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: pk(group), sk, since },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new LedgerWriteError(`record ${what} of ${group} failed`, { cause: err });
    }
  }

  async getObserved(group: string, region?: string): Promise<ObservedState | undefined> {
    const res = await this.#send(`read the DNS observation of ${group}`, () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: pk(group), sk: observedSk(region) },
          ConsistentRead: true,
        }),
      ),
    );
    const i = res.Item;
    if (!i) return undefined;
    return {
      serving: i.serving as ObservedServing,
      at: String(i.at),
      answer: Array.isArray(i.answer) ? i.answer.map(String) : [],
      resolver: String(i.resolver ?? ''),
      ...(i.negative ? { negative: i.negative as 'NXDOMAIN' | 'NODATA' } : {}),
      region: String(i.region ?? ''),
      version: Number(i.version),
    };
  }

  async putObserved(
    group: string,
    region: string | undefined,
    state: Omit<ObservedState, 'version'>,
    expectedVersion: number,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...state, pk: pk(group), sk: observedSk(region), version: expectedVersion + 1 },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new LedgerWriteError(`store the DNS observation of ${group} failed`, { cause: err });
    }
  }

  async claimMismatch(group: string, since: string): Promise<boolean> {
    return this.#claim(group, `MISMATCH#${since}`, since, 'serving mismatch');
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
