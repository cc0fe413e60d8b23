'use strict';
// The health alarms (HealthCheckStatus in the recorder stack; HealthyHostCount per target group in the stack of the
// load balancer's region) live in nested stacks (AWS::CloudFormation::Stack), not in the root template: a template
// holds at most 500 resources and 1 MB ("CloudFormation quotas",
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html), and 1,000 groups are
// 2,000 alarms.
//
// Which nested stack holds a group: the first 4 bytes of SHA-256(group name), modulo ALARM_STACKS. The assignment
// depends on the group's name only, so adding or removing a group changes the template of its own nested stack and no
// other; a nested stack with no group is not created. Moving an alarm between stacks would be unsafe (the new stack
// creates the same AlarmName, then the old stack's cleanup deletes it), so the number of stacks is fixed.
//
// The nested templates are written beside the root template (`serverless package` moves them into the package
// directory) under a content-addressed name, and uploaded by `serverless deploy` (uploadAlarmStacks, hooked after
// the framework's own uploads) to `<deploymentPrefix>/<service>/<stage>/r53-failover-alarm-stacks/` in the
// deployment bucket, outside the timestamped directories the framework compares and prunes. An unchanged nested
// template keeps its URL, so the framework's "no changes" check still holds and CloudFormation leaves that stack be.
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const { alarmResources } = require('./alarms.cjs');

/** Fixed forever: changing it would move alarms between stacks (see above). 16 stacks hold ~3,500 groups. */
const ALARM_STACKS = 16;
/** Per template ("CloudFormation quotas", see above). */
const MAX_RESOURCES = 500;
const TOPIC_ID = 'AlarmTopic';
const TOPIC_POLICY_ID = 'AlarmTopicPolicy';
/** The nested templates' one parameter: the alarm topic's ARN (the root passes `Ref: AlarmTopic`). */
const TOPIC_PARAMETER = 'AlarmTopicArn';
const S3_DIR = 'r53-failover-alarm-stacks';
/** Resource metadata naming the nested template's file and S3 key (read back by `deploy --package DIR`). */
const METADATA_KEY = 'R53Failover::AlarmStack';
const STACK_TYPE = 'AWS::CloudFormation::Stack';

/** The nested stack (0 … ALARM_STACKS-1) that holds `group`'s alarms. */
const alarmStackOf = (group) => createHash('sha256').update(group).digest().readUInt32BE(0) % ALARM_STACKS;
const stackLogicalId = (i) => `HealthAlarmStack${String(i).padStart(2, '0')}`;
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** Group names by nested stack index (ascending), each list sorted by name so a template's bytes ignore config order. */
const assignGroups = (groups) => {
  const byStack = new Map();
  for (const group of [...groups].sort()) {
    const i = alarmStackOf(group);
    byStack.set(i, [...(byStack.get(i) || []), group]);
  }
  return new Map([...byStack].sort(([a], [b]) => a - b));
};

/**
 * Adds one AWS::CloudFormation::Stack per non-empty alarm stack to the root `resources`; returns the nested
 * templates ({ id, file, key, body, template }) for writeAlarmStacks. `s3Prefix` is `<deploymentPrefix>/<service>/
 * <stage>`, `bucket` the deployment bucket as the functions' Code.S3Bucket names it. The recorder stack (`notify`)
 * passes its alarm topic in and holds the HealthCheckStatus alarms; a regional stack holds only its region's target
 * group alarms (`targetGroups`), with no topic: their state changes are forwarded by EventBridge instead.
 */
const addAlarmStacks = (
  resources,
  { config, tools, prefix, stage, s3Prefix, bucket, notify = true, targetGroups = [], error },
) => {
  const stacks = [];
  for (const [i, groups] of assignGroups(Object.keys(config.groups))) {
    const id = stackLogicalId(i);
    const alarms = alarmResources(groups, {
      config,
      tools,
      prefix,
      topic: notify ? { Ref: TOPIC_PARAMETER } : undefined,
      healthChecks: notify,
      targetGroups,
      error,
    });
    const count = Object.keys(alarms).length;
    // A template needs at least one resource: groups with nothing to alarm on here (healthCheck: none, or target
    // groups in another region) leave their stack out, which deletes no alarm that still has a reason to exist.
    if (count === 0) continue;
    if (count > MAX_RESOURCES) {
      throw error(
        `r53-failover: ${groups.length} groups hash into alarm stack ${id} (${count} alarms), but a CloudFormation ` +
          `template holds at most ${MAX_RESOURCES} resources: failover.yml has more groups than ${ALARM_STACKS} ` +
          'alarm stacks can hold (about 3,500). Split the groups across stages (see docs/deploy.md).',
      );
    }
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `r53-failover ${stage}: ${notify ? 'Route 53 health check and ' : ''}target group alarms of ${groups.length} group(s) (alarm stack ${i + 1} of ${ALARM_STACKS})`,
      ...(notify
        ? {
            Parameters: {
              [TOPIC_PARAMETER]: {
                Type: 'String',
                Description: 'The recorder stack’s alarm topic: every alarm state change notifies it',
                AllowedPattern: '^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$',
              },
            },
          }
        : {}),
      Resources: alarms,
    };
    const body = `${JSON.stringify(template, null, 1)}\n`;
    const file = `health-alarms-${String(i).padStart(2, '0')}-${sha256(body).slice(0, 16)}.json`;
    const key = `${s3Prefix}/${S3_DIR}/${file}`;
    if (resources[id]) throw error(`r53-failover: logical id ${id} (alarm stack) is already in use`);
    resources[id] = {
      Type: STACK_TYPE,
      // Alarms notify from their first evaluation: the topic policy letting CloudWatch publish must exist first.
      ...(notify ? { DependsOn: [TOPIC_POLICY_ID] } : {}),
      Metadata: { [METADATA_KEY]: { file, key, groups: groups.length, alarms: count } },
      Properties: {
        TemplateURL: {
          'Fn::Sub': [`https://s3.\${AWS::Region}.\${AWS::URLSuffix}/\${Bucket}/${key}`, { Bucket: bucket }],
        },
        ...(notify ? { Parameters: { [TOPIC_PARAMETER]: { Ref: TOPIC_ID } } } : {}),
      },
    };
    stacks.push({ id, file, key, body, template });
  }
  return stacks;
};

/** The deployment bucket as the packaged functions name it (`Ref: ServerlessDeploymentBucket` or a bucket name). */
const deploymentBucketOf = (resources) => {
  const fn = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Code?.S3Bucket);
  return fn ? fn.Properties.Code.S3Bucket : { Ref: 'ServerlessDeploymentBucket' };
};

/** Writes each nested template into `dir` (the framework's `.serverless`, moved to `--package DIR` with the rest). */
const writeAlarmStacks = (dir, stacks) => {
  for (const s of stacks) writeFileSync(path.join(dir, s.file), s.body);
};

/** The nested alarm stacks a root template references: [{ id, file, key }]. */
const alarmStacksOf = (template) =>
  Object.entries(template.Resources || {})
    .filter(([, r]) => r.Type === STACK_TYPE && r.Metadata?.[METADATA_KEY])
    .map(([id, r]) => ({ id, ...r.Metadata[METADATA_KEY] }));

/**
 * Uploads the nested templates the root template references from `dir` to the deployment bucket, each to its key.
 * `put(params)` sends one S3 PutObject. A missing file, or one whose bytes do not match its content-addressed name,
 * stops the deploy before CloudFormation sees a URL with nothing (or something else) behind it.
 */
const uploadAlarmStacks = async ({ template, dir, bucket, put, extraParams = {}, error }) => {
  const stacks = alarmStacksOf(template);
  for (const s of stacks) {
    const file = path.join(dir, s.file);
    if (!existsSync(file)) {
      throw error(`r53-failover: nested alarm template ${s.file} (${s.id}) is missing from ${dir}; package again`);
    }
    const body = readFileSync(file, 'utf8');
    if (!s.file.endsWith(`-${sha256(body).slice(0, 16)}.json`)) {
      throw error(
        `r53-failover: ${file} was changed after packaging (its SHA-256 does not match its name); package again`,
      );
    }
    await put({ ...extraParams, Bucket: bucket, Key: s.key, Body: body, ContentType: 'application/json' });
  }
  return stacks;
};

/**
 * `serverless deploy`: uploads the nested alarm templates from .serverless (where `deploy --package` copies them) to
 * the deployment bucket with the framework's own S3 client and encryption settings. Undefined when nothing is due.
 */
const deployAlarmStacks = async (serverless, provider, serviceDir, error) => {
  if (serverless.service.provider.shouldNotDeploy) return undefined;
  const template = serverless.service.provider.compiledCloudFormationTemplate;
  if (alarmStacksOf(template).length === 0) return undefined; // the probe stack, or no groups
  const osls = createRequire(require.resolve('osls/package.json'));
  const { S3Client, PutObjectCommand } = osls('@aws-sdk/client-s3');
  const s3 = new S3Client(await provider.getAwsSdkV3Config());
  const bucketOptions = serverless.service.provider.deploymentBucketObject || {};
  const stacks = await uploadAlarmStacks({
    template,
    dir: path.join(serviceDir, '.serverless'),
    bucket: await provider.getServerlessDeploymentBucketName(),
    put: (params) => s3.send(new PutObjectCommand(params)),
    // The deployment bucket's upload encryption settings (provider.deploymentBucket), as the framework applies them.
    extraParams: {
      ...(bucketOptions.serverSideEncryption ? { ServerSideEncryption: bucketOptions.serverSideEncryption } : {}),
      ...(bucketOptions.sseKMSKeyId ? { SSEKMSKeyId: bucketOptions.sseKMSKeyId } : {}),
    },
    error: error,
  });
  return stacks;
};

module.exports = {
  deployAlarmStacks,
  ALARM_STACKS,
  MAX_RESOURCES,
  addAlarmStacks,
  alarmStackOf,
  alarmStacksOf,
  deploymentBucketOf,
  uploadAlarmStacks,
  writeAlarmStacks,
};
