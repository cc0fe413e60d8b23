import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { makeDocumentClient } from '../../shared/support/clients.js';
import { parseConfigText } from '../../shared/config/file.js';
import { DynamoDbLedgerStore } from '../../shared/ledger/dynamodb-store.js';
import { ensureLedgerTable, localClient, startDynalite } from '../../local/embedded-ledger.js';
import type { Log } from '../../shared/support/logger.js';
import type { RecorderDeps } from '../../shared/record/recorder.js';
import { FIXTURE_CONFIG_YAML } from './events.js';
import { indexHealthChecks, indexTargetGroups } from '../../shared/config/lookups.js';

/** dynalite over HTTP on 127.0.0.1, in memory: one server per test file, one fresh table per test. */
export const startLocalDynamo = async () => {
  const server = await startDynalite();
  const client = localClient(server.endpoint);
  return {
    endpoint: server.endpoint,
    client,
    /** A fresh ledger table and a store on it (a new store = a new Lambda container with an empty head cache). */
    async freshTable(): Promise<{ table: string; store: () => DynamoDbLedgerStore }> {
      const table = `ledger-${randomUUID().slice(0, 8)}`;
      await ensureLedgerTable(client, table);
      return { table, store: () => new DynamoDbLedgerStore(makeDocumentClient(client), table) };
    },
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
};

/** Every item in a table but the group registry (tests assert "nothing written", or "one entry", on it). */
export const scanAll = async (client: DynamoDBClient, table: string) =>
  ((await client.send(new ScanCommand({ TableName: table }))).Items ?? []).filter((i) => i.pk?.S !== 'GROUPS');

/** The group registry rows (written once per group, with its first entry). */
export const scanRegistry = async (client: DynamoDBClient, table: string) =>
  ((await client.send(new ScanCommand({ TableName: table }))).Items ?? []).filter((i) => i.pk?.S === 'GROUPS');

export interface CapturedLog extends Log {
  lines: { level: string; message: string; extra: Record<string, unknown> }[];
}

export const captureLog = (): CapturedLog => {
  const lines: CapturedLog['lines'] = [];
  const at =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      lines.push({ level, message, extra: Object.assign({}, ...extra) });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

/** The recorder's moment of receipt in tests: after every state change they record (later ones are refused). */
export const NOW = new Date('2025-07-04T00:00:00.000Z');

export const recorderDeps = (
  ledger: DynamoDbLedgerStore,
  log: Log = captureLog(),
  yaml = FIXTURE_CONFIG_YAML,
): RecorderDeps => {
  const config = parseConfigText(yaml, 'test.yml');
  return {
    ledger,
    placements: indexHealthChecks(config),
    targetGroups: indexTargetGroups(config),
    log,
    now: () => NOW,
  };
};
