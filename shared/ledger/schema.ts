import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * Key design of the ledger table, shared by the embedded ledger, the CloudFormation template check and the store.
 *
 * - Ledger entries: pk `GROUP#<group>`, sk `SEQ#<10-digit seq>`. The per-group sequence is assigned with a
 *   conditional put (`attribute_not_exists(pk)`), so each group's history is one linear chain and the head
 *   (highest seq) carries the group's current state snapshot: recording is one PutItem when the head is cached.
 * - GSI `byTime`: `gsi1pk` = `LEDGER`, `gsi1sk` = `<stateChangedAt>#<group>#<seq>`: all groups by time.
 * - GSI `byGroupTime`: `gsi2pk` = `GROUP#<group>`, `gsi2sk` = `<stateChangedAt>#<transitionId>`: one group by
 *   time range, and the exact lookup that finds an already-recorded transition older than the head.
 */
export const LEDGER_KEY = { pk: 'pk', sk: 'sk' } as const;
export const GSI_BY_TIME = 'byTime';
export const GSI_BY_GROUP_TIME = 'byGroupTime';
export const ALL_GROUPS_PK = 'LEDGER';

export const GROUP_PK_PREFIX = 'GROUP#';
export const groupPk = (group: string): string => `${GROUP_PK_PREFIX}${group}`;
export const seqSk = (seq: number): string => `SEQ#${String(seq).padStart(10, '0')}`;
export const SEQ_PREFIX = 'SEQ#';

/** The ledger table `serverless deploy --stage <stage>` creates (serverless.yml: `${self:service}-${sls:stage}-ledger`). */
export const stageTable = (stage: string): string => `r53-failover-${stage}-ledger`;

/** The CLI's flag for a deployed ledger table: `--stage prod` for a stage's own table (stageTable), else `--table NAME`. */
export const ledgerFlagFor = (table: string): string => {
  const stage = /^r53-failover-([A-Za-z0-9-]+)-ledger$/.exec(table)?.[1];
  return stage ? `--stage ${stage}` : `--table ${table}`;
};

/** CreateTable input (minus the name) used for the embedded ledger; serverless.yml declares the same shape. */
export const ledgerTableDefinition: Omit<CreateTableCommandInput, 'TableName'> = {
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
    { AttributeName: 'gsi2pk', AttributeType: 'S' },
    { AttributeName: 'gsi2sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: GSI_BY_TIME,
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: GSI_BY_GROUP_TIME,
      KeySchema: [
        { AttributeName: 'gsi2pk', KeyType: 'HASH' },
        { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
};
