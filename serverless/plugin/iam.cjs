'use strict';
// IAM: the statements the plugin adds to the notify and promote-replica roles, and the unused default role's removal.
const NOTIFY_FUNCTION = 'notify';
/** Statement ids the plugin owns in promote-replica's iamRoleStatements (replaced on every validation). */
const PROMOTE_SIDS = [
  'PromoteAuroraGlobal',
  'PromoteReadReplica',
  'DescribePromotionGlobalClusters',
  'DescribePromotionClusters',
  'DescribePromotionInstances',
  'InvokePromotionHooks',
  'ReadPromotionMetrics',
  'ReadPromotionSecrets',
  'DecryptPromotionSecretsViaSsm',
];
const DEFAULT_ROLE_ID = 'IamRoleLambdaExecution';

/**
 * The notify role may read exactly the SSM parameters failover.yml names (and decrypt them through SSM only).
 * Runs before serverless-iam-roles-per-function builds the role.
 */
const grantNotifySecrets = (functions, config) => {
  const fn = functions?.[NOTIFY_FUNCTION];
  if (!fn || !config) return;
  const n = config.notify || {};
  const names = [
    n.slack?.webhookSsmParameter,
    n.teams?.webhookUrlSsmParameter,
    n.pagerduty?.routingKeySsmParameter,
    ...(n.webhooks || []).flatMap((w) => [w.urlSsmParameter, w.secretSsmParameter]),
  ].filter(Boolean);
  const statements = (fn.iamRoleStatements || []).filter(
    (st) => st.Sid !== 'ReadNotifySecrets' && st.Sid !== 'DecryptNotifySecretsViaSsm',
  );
  if (names.length > 0) {
    statements.push({
      Sid: 'ReadNotifySecrets',
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: [...new Set(names)].map(ssmParameterArn),
    });
    statements.push(decryptViaSsm('DecryptNotifySecretsViaSsm'));
  }
  fn.iamRoleStatements = statements;
};

/**
 * promote-replica's role statements from the promotion targets (promotion.cjs promotionTargets): rds
 * failover/switchover/promote/describe, lambda:InvokeFunction, cloudwatch:GetMetricData (replica lag; mode auto's
 * HealthCheckStatus), ssm:GetParameter (+ kms:Decrypt via SSM), each only when something needs it. Replaces the
 * statements of PROMOTE_SIDS.
 */
const grantPromotion = (fn, t) => {
  const statements = (fn.iamRoleStatements || []).filter((st) => !PROMOTE_SIDS.includes(st.Sid));
  const add = (Sid, Action, Resource) => {
    if (Resource.length > 0) statements.push({ Sid, Effect: 'Allow', Action, Resource });
  };
  // The global cluster ARN has an empty region field: a global database belongs to no single region.
  const globalArns = t.globalClusters.map((id) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:rds::\${AWS::AccountId}:global-cluster:${id}`,
  }));
  // Both actions require the global cluster and the DB cluster resource types: the target and, named in a
  // failback switchover, the primary.
  add(
    'PromoteAuroraGlobal',
    ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'],
    [...globalArns, ...t.clusters],
  );
  add('PromoteReadReplica', ['rds:PromoteReadReplica'], t.instances);
  add('DescribePromotionGlobalClusters', ['rds:DescribeGlobalClusters'], globalArns);
  add('DescribePromotionClusters', ['rds:DescribeDBClusters'], t.clusters);
  add('DescribePromotionInstances', ['rds:DescribeDBInstances'], t.instances);
  add('InvokePromotionHooks', ['lambda:InvokeFunction'], t.functions);
  // cloudwatch:GetMetricData reads the replica lag of the RDS hooks and, in mode auto, the primary's HealthCheckStatus
  // (us-east-1). It supports no resource-level permissions: its row in the Service Authorization Reference, "Actions,
  // resources, and condition keys for Amazon CloudWatch" (https://docs.aws.amazon.com/service-authorization/latest/
  // reference/list_amazoncloudwatch.html), names no resource type, so "*" is the only possible resource. Read-only,
  // and only granted when some hook is an RDS one or some group promotes in mode auto.
  if (t.globalClusters.length + t.instances.length + t.autoGroups.length > 0)
    add('ReadPromotionMetrics', ['cloudwatch:GetMetricData'], ['*']);
  add('ReadPromotionSecrets', ['ssm:GetParameter'], t.secrets.map(ssmParameterArn));
  if (t.secrets.length > 0) statements.push(decryptViaSsm('DecryptPromotionSecretsViaSsm'));
  fn.iamRoleStatements = statements;
};

/** An SSM parameter name (`/r53-failover/x`) → its ARN in the stack's region. */
const ssmParameterArn = (name) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}`,
});

/** kms:Decrypt on the account's keys in the stack's region, only on behalf of SSM (SecureString parameters). */
const decryptViaSsm = (Sid) => ({
  Sid,
  Effect: 'Allow',
  Action: ['kms:Decrypt'],
  Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' }],
  Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
});

/** serverless-iam-roles-per-function clones the default role but leaves it behind; drop it when nothing uses it. */
const removeUnusedDefaultRole = (template) => {
  const role = template.Resources[DEFAULT_ROLE_ID];
  if (!role) return;
  delete template.Resources[DEFAULT_ROLE_ID];
  // Any Ref, GetAtt or DependsOn left anywhere in the template (outputs included) means it is still used.
  if (JSON.stringify(template).includes(`"${DEFAULT_ROLE_ID}"`)) template.Resources[DEFAULT_ROLE_ID] = role;
};

module.exports = { grantNotifySecrets, grantPromotion, removeUnusedDefaultRole };
