import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import dynalite from 'dynalite';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../shared/support/clients.js';
import { DynamoDbLedgerStore } from '../shared/ledger/dynamodb-store.js';
import { ConfigError, LedgerWriteError, UsageError } from '../shared/support/errors.js';
import { ledgerTableDefinition } from '../shared/ledger/schema.js';

export const DEFAULT_LEDGER_DIR = '.r53-failover';
export const DEFAULT_TABLE = 'r53-failover-ledger';
/**
 * Where a deployed ledger lives: the recorder stack deploys to us-east-1 only (serverless/plugin/region.cjs; Route 53
 * publishes its health-check metrics there), wherever the CLI runs.
 */
export const LEDGER_REGION = 'us-east-1';
export { stageTable } from '../shared/ledger/schema.js';

export interface OpenedLedger {
  store: DynamoDbLedgerStore;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Where the ledger lives, for messages: a directory or a table/endpoint. */
  location: string;
  /**
   * True for the embedded ledger: this process holds its directory's lock, so nothing else writes to it while it
   * is open. A table (AWS or a local endpoint) may have other writers (the deployed functions, other CLIs).
   */
  exclusive: boolean;
  /** DynamoDB requests sent so far through `client` (and `doc`), by operation, retries included. */
  requests(): Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * Counts every HTTP request the client sends, by operation (`PutItem`, `Query`, …). In the deserialize step, so
 * inside the retry loop: a retried call counts once per attempt, as the table sees it.
 */
export const countRequests = (client: DynamoDBClient): (() => Readonly<Record<string, number>>) => {
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => (args) => {
      const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts[op] = (counts[op] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'r53fCountRequests' },
  );
  return () => counts;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the ledger table if it does not exist yet (embedded and local endpoints only) and waits until ACTIVE. */
export const ensureLedgerTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    await client.send(new CreateTableCommand({ TableName: tableName, ...structuredClone(ledgerTableDefinition) }));
  }
  for (let i = 0; i < 200; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (
      d.Table?.TableStatus === 'ACTIVE' &&
      (d.Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')
    )
      return;
    await sleep(25);
  }
  throw new LedgerWriteError(`table ${tableName} did not become ACTIVE`);
};

/** Starts dynalite on 127.0.0.1 (a random port), persisted in `dir` when given, in memory otherwise. */
export const startDynalite = async (dir?: string): Promise<{ endpoint: string; stop(): Promise<void> }> => {
  if (dir) mkdirSync(dir, { recursive: true });
  const server = dynalite({ ...(dir ? { path: dir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((res) => server.close(() => res())),
  };
};

export const localClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });

export interface OpenLedgerOptions {
  /** Embedded ledger directory (`--ledger` / `R53F_LEDGER_DIR`). */
  ledgerDir?: string;
  /** A real table (`--table` or `R53F_TABLE`); with `AWS_ENDPOINT_URL_DYNAMODB` the SDK talks to that endpoint instead of AWS. */
  table?: string;
  /** The table's region (`--region`); default {@link LEDGER_REGION}, whatever `AWS_REGION` says. */
  region?: string;
  /** A profile of the shared config and credentials files (`--profile`); without it the SDK's chain (`AWS_PROFILE`, …). */
  profile?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * The CLI's ledger: `--table` or `AWS_ENDPOINT_URL_DYNAMODB` → a real table in `region` (default us-east-1), with
 * credentials from `profile` or else the SDK's default chain; otherwise an embedded dynalite persisted in
 * `--ledger DIR` (default `.r53-failover/`), no AWS account needed.
 */
export const openLedger = async (opts: OpenLedgerOptions = {}): Promise<OpenedLedger> => {
  const env = opts.env ?? process.env;
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
  const named = opts.table ?? env.R53F_TABLE;
  if (named || endpoint) {
    const table = named ?? DEFAULT_TABLE;
    const client = new DynamoDBClient({
      region: opts.region ?? LEDGER_REGION,
      // The profile's own credentials (static keys, role, SSO, process), as `AWS_PROFILE` would resolve them, but
      // never the AWS_ACCESS_KEY_ID pair the default chain would also find in the environment.
      ...(opts.profile ? { credentials: fromIni({ profile: opts.profile }) } : {}),
      ...(endpoint ? { endpoint } : {}),
    });
    const requests = countRequests(client);
    // Only a local endpoint gets its table created on demand; a real AWS table comes from `serverless deploy`.
    if (endpoint)
      await ensureLedgerTable(client, table).catch((err: unknown) => {
        client.destroy();
        throw new LedgerWriteError(`opening table ${table} at ${endpoint} failed`, { cause: err });
      });
    const doc = makeDocumentClient(client);
    return {
      store: new DynamoDbLedgerStore(doc, table),
      client,
      doc,
      location: endpoint ? `table ${table} at ${endpoint}` : `table ${table}`,
      exclusive: false,
      requests,
      close: async () => client.destroy(),
    };
  }
  const dir = resolve(opts.cwd ?? process.cwd(), opts.ledgerDir ?? env.R53F_LEDGER_DIR ?? DEFAULT_LEDGER_DIR);
  const awsOnly = [opts.region && '--region', opts.profile && '--profile'].filter(Boolean);
  if (awsOnly.length > 0)
    throw new UsageError(
      `${awsOnly.join(' and ')} ${awsOnly.length > 1 ? 'are' : 'is'} for a DynamoDB table (--table NAME or --stage NAME); the embedded ledger in ${dir} needs no AWS region or credentials`,
    );
  let server: Awaited<ReturnType<typeof startDynalite>>;
  try {
    server = await startDynalite(dir);
  } catch (err) {
    throw new ConfigError(`cannot open the embedded ledger in ${dir} (is another r53-failover process using it?)`, {
      cause: err,
    });
  }
  const client = localClient(server.endpoint);
  const requests = countRequests(client);
  try {
    await ensureLedgerTable(client, DEFAULT_TABLE);
  } catch (err) {
    client.destroy();
    await server.stop();
    throw new ConfigError(`cannot open the embedded ledger in ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const doc = makeDocumentClient(client);
  return {
    store: new DynamoDbLedgerStore(doc, DEFAULT_TABLE),
    client,
    doc,
    location: dir,
    exclusive: true,
    requests,
    close: async () => {
      client.destroy();
      await server.stop();
    },
  };
};
