'use strict';
// Recorder template checks and edits once resources are merged: the ledger table's drift check, the one DLQ policy
// and the digest bucket's retention.
const { isDeepStrictEqual } = require('node:util');

const TABLE_ID = 'LedgerTable';
const DIGEST_BUCKET_ID = 'DigestBucket';
const DLQ_POLICY_ID = 'DeadLetterQueuePolicy';
/** The DLQ policy statement for the RDS event rule (serverless.yml); dropped with the rule. */
const RDS_RULE_DLQ_SID = 'RdsEventRuleDeadLetters';

/** LedgerTable must equal ledgerTableDefinition (from the bundled tools); a string deletion protection becomes a boolean. */
const checkLedgerTable = (resources, tools, error) => {
  const table = resources[TABLE_ID];
  if (table?.Type !== 'AWS::DynamoDB::Table') throw error(`r53-failover: resource ${TABLE_ID} (the ledger) is missing`);
  // Every key of the CreateTable input the store and the embedded ledger use (keys, attributes, indexes, billing).
  const expected = JSON.parse(JSON.stringify(tools.ledgerTableDefinition));
  for (const key of Object.keys(expected)) {
    if (!isDeepStrictEqual(table.Properties[key], expected[key])) {
      throw error(
        `r53-failover: ${TABLE_ID}.Properties.${key} in serverless.yml differs from ledgerTableDefinition ` +
          '(shared/ledger/schema.ts); the deployed ledger must match the store. Update serverless.yml.',
      );
    }
  }
  const protection = table.Properties.DeletionProtectionEnabled;
  if (protection === 'true' || protection === 'false')
    table.Properties.DeletionProtectionEnabled = protection === 'true';
};

/** DigestBucket's default retention: failover.yml `audit.digestRetentionDays` (from the bundled tools: default 400). */
const setDigestRetention = (resources, tools, config, error) => {
  const rule = resources[DIGEST_BUCKET_ID]?.Properties?.ObjectLockConfiguration?.Rule?.DefaultRetention;
  if (!rule) throw error(`r53-failover: resource ${DIGEST_BUCKET_ID} (the digest bucket, with Object Lock) is missing`);
  rule.Days = tools.digestRetentionDays(config);
};

/** Without an RDS event rule in the template (no promotion target), its DLQ policy statement goes too. */
const dropRdsRuleDeadLetters = (resources) => {
  const policy = resources[DLQ_POLICY_ID];
  if (!policy?.Properties?.PolicyDocument) return;
  const hasRule = Object.values(resources).some(
    (r) =>
      r.Type === 'AWS::Events::Rule' &&
      r.Properties &&
      r.Properties.EventPattern &&
      [].concat(r.Properties.EventPattern.source || []).includes('aws.rds'),
  );
  if (hasRule) return;
  const doc = policy.Properties.PolicyDocument;
  doc.Statement = doc.Statement.filter((st) => st.Sid !== RDS_RULE_DLQ_SID);
};

/**
 * SQS keeps one policy per queue: two AWS::SQS::QueuePolicy resources on one queue overwrite each other. The
 * framework adds its own for an SNS redrive policy, so fold every extra policy on a queue into the first one.
 */
const mergeQueuePolicies = (resources) => {
  const byQueue = new Map();
  for (const [id, res] of Object.entries(resources)) {
    if (res.Type !== 'AWS::SQS::QueuePolicy') continue;
    const queues = res.Properties?.Queues || [];
    if (queues.length !== 1) continue; // multi-queue policies are left alone
    const key = JSON.stringify(queues[0]);
    const list = byQueue.get(key) || [];
    list.push(id);
    byQueue.set(key, list);
  }
  for (const ids of byQueue.values()) {
    if (ids.length < 2) continue;
    // Prefer the policy written in serverless.yml (it has Sids) as the survivor.
    ids.sort((a, b) => hasSids(resources[b]) - hasSids(resources[a]));
    const [keep, ...extra] = ids;
    const statements = resources[keep].Properties.PolicyDocument.Statement;
    for (const id of extra) {
      for (const st of resources[id].Properties.PolicyDocument.Statement) {
        if (!statements.some((s) => sameStatement(s, st))) statements.push(st);
      }
      delete resources[id];
      renameDependsOn(resources, id, keep);
    }
  }
};
const hasSids = (res) => Number(res.Properties.PolicyDocument.Statement.some((s) => s.Sid));
const withoutSid = ({ Sid, ...rest }) => rest;
/** Equal up to Sid and scalar-vs-one-element-array spellings of Action/Resource. */
const sameStatement = (a, b) => isDeepStrictEqual(canonical(withoutSid(a)), canonical(withoutSid(b)));
const canonical = (st) => {
  const out = { ...st };
  for (const k of ['Action', 'Resource']) if (out[k] !== undefined && !Array.isArray(out[k])) out[k] = [out[k]];
  return out;
};
const renameDependsOn = (resources, from, to) => {
  for (const res of Object.values(resources)) {
    if (res.DependsOn === from) res.DependsOn = to;
    else if (Array.isArray(res.DependsOn))
      res.DependsOn = [...new Set(res.DependsOn.map((d) => (d === from ? to : d)))];
  }
};

module.exports = { checkLedgerTable, dropRdsRuleDeadLetters, mergeQueuePolicies, setDigestRetention };
