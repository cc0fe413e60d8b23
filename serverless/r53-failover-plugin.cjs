'use strict';
// Local osls plugin: validates failover.yml with the project's own loader, builds the bundles, ships the validated
// config with the recorder, and derives one Route 53 health check alarm per group member. CommonJS because the
// root package is ESM and osls loads local plugins with require().
//
// Two stacks use it (custom.r53failover.stack):
// - `recorder` (serverless.yml, the default): us-east-1 only; alarms, subscriptions, secret grants, table and DLQ checks;
// - `probe` (serverless.probe.yml): the regional probe alone, in any region but us-east-1; config validated, built and
//   shipped the same way; the only derived part is the RDS event forwarding rule (kept only where a promotion target
//   lives).
//
// Database promotion (groups.<g>.promotion): the promote-replica role's rds/lambda/cloudwatch/ssm statements and the
// RDS event rule's SourceArn list come from the hooks; groups without promotion contribute nothing.
const { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { isDeepStrictEqual } = require('node:util');
const { pathToFileURL } = require('node:url');

/** Route 53 publishes HealthCheckStatus only in us-east-1, so alarms, rule and topic must live there. */
const REQUIRED_REGION = 'us-east-1';
const DEFAULT_CONFIG = 'failover.yml';
const TOOLS_MODULE = 'dist/sls/config.cjs';
const BUILD_SCRIPT = 'scripts/build.mjs';
/** Where the recorder reads its config (R53F_CONFIG_FILE in serverless.yml); packaged with the function. */
const CONFIG_JSON = 'dist/config/failover.json';
const TABLE_ID = 'LedgerTable';
const TOPIC_ID = 'AlarmTopic';
const NOTIFICATION_TOPIC_ID = 'NotificationTopic';
const NOTIFY_FUNCTION = 'notify';
const PROBE_FUNCTION = 'regional-probe';
const PROMOTE_FUNCTION = 'promote-replica';
/** Statement ids the plugin owns in promote-replica's iamRoleStatements (replaced on every validation). */
const PROMOTE_SIDS = [
  'PromoteAuroraGlobal',
  'PromoteReadReplica',
  'DescribePromotionGlobalClusters',
  'DescribePromotionClusters',
  'DescribePromotionInstances',
  'InvokePromotionHooks',
  'ReadReplicaLag',
  'ReadPromotionSecrets',
  'DecryptPromotionSecretsViaSsm',
];
const DLQ_POLICY_ID = 'DeadLetterQueuePolicy';
/** The DLQ policy statement for the RDS event rule (serverless.yml); dropped with the rule. */
const RDS_RULE_DLQ_SID = 'RdsEventRuleDeadLetters';
/** serverless.probe.yml: forwards this region's RDS events about promotion targets to the us-east-1 default bus. */
const FORWARD_RULE_ID = 'RdsEventForwardRule';
const FORWARD_ROLE_ID = 'RdsEventForwardRole';
/** Held from writing CONFIG_JSON until the zips are written, so concurrent packages never ship each other's config. */
const PACKAGE_LOCK = 'dist/config/.package.lock';
const PACKAGE_LOCK_TIMEOUT_MS = 10 * 60 * 1000;
const STACKS = ['recorder', 'probe'];
const DEFAULT_ROLE_ID = 'IamRoleLambdaExecution';
const ROLES = ['primary', 'secondary'];

class R53FailoverPlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options || {};
    this.provider = serverless.getProvider('aws');
    this.log = (utils && utils.log) || { notice: console.error, warning: console.error, verbose: () => {} };
    /** The validated config, set by validate(). */
    this.config = undefined;
    this.built = false;

    serverless.configSchemaHandler.defineCustomProperties({
      type: 'object',
      properties: {
        r53failover: {
          type: 'object',
          properties: {
            config: { type: 'string', minLength: 1 },
            // recorder (serverless.yml, default) or probe (serverless.probe.yml).
            stack: { enum: STACKS },
            alarmPrefix: { type: 'string', pattern: '^[A-Za-z0-9_.-]+-$' },
            // `--param="ledgerDeletionProtection=false"` arrives as a string.
            ledgerDeletionProtection: { anyOf: [{ type: 'boolean' }, { enum: ['true', 'false'] }] },
          },
          additionalProperties: false,
        },
      },
    });

    this.hooks = {
      // Fail fast, before anything is cleaned up or built.
      'before:package:cleanup': () => this.validate(),
      'before:package:createDeploymentArtifacts': () => this.buildAndWriteConfig(),
      'after:package:createDeploymentArtifacts': () => this.releasePackageLock(),
      'package:compileEvents': () => {
        if (this.isProbeStack) return;
        this.addAlarms();
        this.addSubscriptions();
      },
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.finalizeTemplate(),
      'before:deploy:function:packageFunction': async () => {
        await this.validate();
        await this.buildAndWriteConfig();
        if (!this.isProbeStack) {
          this.log.notice('r53-failover: alarms are stack resources; run a full `serverless deploy` after changing groups');
        }
      },
      'after:deploy:function:packageFunction': () => this.releasePackageLock(),
      // `deploy --package DIR` skips the package lifecycle: still refuse the wrong region.
      'before:deploy:deploy': () => this.checkRegion(),
    };
  }

  error(message) {
    return new this.serverless.classes.Error(message, 'R53F_DEPLOY');
  }

  get serviceDir() {
    return this.serverless.serviceDir || process.cwd();
  }

  /** custom.r53failover.stack: `probe` for serverless.probe.yml, else the recorder stack. */
  get isProbeStack() {
    const custom = (this.serverless.service.custom || {}).r53failover || {};
    return custom.stack === 'probe';
  }

  get alarmPrefix() {
    const custom = (this.serverless.service.custom || {}).r53failover || {};
    return custom.alarmPrefix || `${this.serverless.service.service}-${this.provider.getStage()}-`;
  }

  checkRegion() {
    const region = this.provider.getRegion();
    if (this.isProbeStack) {
      // The recorder stack runs regional-probe in us-east-1; a second one there would double that region's rounds
      // (two writers of one region's verdict).
      if (region === REQUIRED_REGION) {
        throw this.error(
          `r53-failover-probe is for the probe regions other than ${REQUIRED_REGION}: the recorder stack (serverless.yml) ` +
            `already probes from ${REQUIRED_REGION}. Deploy this stack with --region <probe region>, once per other probe ` +
            'region (see docs/deploy.md).',
        );
      }
      return;
    }
    if (region !== REQUIRED_REGION) {
      throw this.error(
        `r53-failover deploys to ${REQUIRED_REGION} only, not ${region}: Route 53 publishes HealthCheckStatus ` +
          `metrics only in ${REQUIRED_REGION}, so the health check alarms, the EventBridge rule and the alarm topic ` +
          `must live there. Use --region ${REQUIRED_REGION} (the ledger can be read from any region; see docs/deploy.md).`,
      );
    }
  }

  /** The config file: R53F_CONFIG (relative to the working directory), else custom.r53failover.config. */
  configLocation() {
    const fromEnv = process.env.R53F_CONFIG;
    if (fromEnv) return { name: fromEnv, base: process.cwd(), via: 'R53F_CONFIG' };
    const custom = (this.serverless.service.custom || {}).r53failover || {};
    return { name: custom.config || DEFAULT_CONFIG, base: this.serviceDir, via: 'custom.r53failover.config' };
  }

  async runBuild() {
    const script = path.join(this.serviceDir, BUILD_SCRIPT);
    try {
      const { buildAll } = await import(pathToFileURL(script).href);
      await buildAll({ quiet: true });
    } catch (err) {
      throw this.error(`r53-failover: building the bundles (${BUILD_SCRIPT}) failed: ${err && err.message}`);
    }
    this.built = true;
  }

  /** dist/sls/config.cjs: the same loader and schema as the CLI and the Lambdas. `fresh` rereads it after a build. */
  async loadTools({ fresh = false } = {}) {
    const file = path.join(this.serviceDir, TOOLS_MODULE);
    if (!existsSync(file)) await this.runBuild();
    if (!existsSync(file)) throw this.error(`r53-failover: ${BUILD_SCRIPT} did not produce ${TOOLS_MODULE}`);
    if (fresh) delete require.cache[require.resolve(file)];
    return require(file);
  }

  async validate({ fresh = false } = {}) {
    this.checkRegion();
    const { name, base, via } = this.configLocation();
    const absolute = path.resolve(base, name);
    if (!existsSync(absolute)) {
      throw this.error(
        `r53-failover config ${name} not found (${absolute}). Create it from the example and edit it: ` +
          '`cp failover.example.yml failover.yml`, or point R53F_CONFIG (or custom.r53failover.config) at your file. ' +
          `(path taken from ${via})`,
      );
    }
    const tools = await this.loadTools({ fresh });
    try {
      this.config = tools.loadConfigFile(name, base).config;
    } catch (err) {
      // A ConfigError from the bundled loader (another module instance, so compare by name): its message names the field.
      if (err && err.name === 'ConfigError') throw this.error(`Invalid r53-failover config: ${err.message}`);
      throw err;
    }
    this.tools = tools;
    if (!this.isProbeStack) {
      this.grantSecrets();
      this.configurePromotion();
    }
    if (fresh) return; // a revalidation after the build: already reported
    const groups = Object.keys(this.config.groups);
    if (groups.length === 0) {
      this.log.warning(
        this.isProbeStack
          ? `r53-failover: ${name} has no groups, so there is nothing to probe`
          : `r53-failover: ${name} has no groups, so no health check alarms will be created`,
      );
    } else {
      this.log.verbose(`r53-failover: ${name} is valid (${groups.length} group(s): ${groups.join(', ')})`);
    }
  }

  /** Builds every bundle, then revalidates with the freshly built loader and writes the config the recorder reads. */
  async buildAndWriteConfig() {
    if (!this.built) {
      await this.runBuild();
      await this.validate({ fresh: true });
    }
    this.checkProbeRegions();
    const shipped = structuredClone(this.config);
    // Literal secrets are for local runs; deployed stacks read them from SSM SecureString parameters.
    const n = shipped.notify || {};
    const strip = (obj, key, ssmKey, what) => {
      if (!obj) return;
      // A channel with only a local secret cannot work deployed: refuse rather than ship a silently dead channel.
      if (!obj[ssmKey]) {
        throw this.error(
          `r53-failover: ${what} has ${key} (a local-only value) but no ${ssmKey}; deployed stacks read secrets from SSM. ` +
            `Create a SecureString parameter and set ${what}.${ssmKey} (see docs/deploy.md), or remove the channel.`,
        );
      }
      if (obj[key]) {
        delete obj[key];
        this.log.notice(`r53-failover: ${what}.${key} is not shipped to Lambda; deployed stacks use ${ssmKey}`);
      }
    };
    strip(n.slack, 'webhookUrl', 'webhookSsmParameter', 'notify.slack');
    strip(n.pagerduty, 'routingKey', 'routingKeySsmParameter', 'notify.pagerduty');
    (n.webhooks || []).forEach((w, i) => strip(w, 'secret', 'secretSsmParameter', `notify.webhooks[${i}] (${w.name})`));
    for (const [group, g] of Object.entries(shipped.groups || {})) {
      ((g.promotion && g.promotion.hooks) || []).forEach((h, i) => {
        if (h.type === 'webhook') strip(h, 'secret', 'secretSsmParameter', `groups.${group}.promotion.hooks[${i}] (webhook)`);
      });
    }
    const out = path.join(this.serviceDir, CONFIG_JSON);
    mkdirSync(path.dirname(out), { recursive: true });
    // Another package in this directory (another stack, region or config) writes the same file: hold the lock until
    // the zips are written (released after createDeploymentArtifacts / packageFunction, or when the process exits).
    await this.acquirePackageLock();
    const tmp = `${out}.${process.pid}.tmp`;
    // Validated again after stripping, and sealed: the functions skip re-validating a config whose digest matches.
    writeFileSync(tmp, `${JSON.stringify(this.sealShipped(shipped), null, 2)}\n`);
    renameSync(tmp, out);
  }

  /** The shipped config (local secrets stripped), validated with the same schema and sealed (shared/config/deployed.ts). */
  sealShipped(shipped) {
    try {
      return this.tools.sealConfig(shipped, `${this.configLocation().name} (as shipped to Lambda)`);
    } catch (err) {
      if (err && err.name === 'ConfigError') throw this.error(`Invalid r53-failover config: ${err.message}`);
      throw err;
    }
  }

  /**
   * Warns when this stack's region probes no group (probeSettingsFor: groups.<g>.probeSettings.regions, else
   * probes.regions, else the members' regions): its regional-probe would run every minute and do nothing.
   */
  checkProbeRegions() {
    if (this.probeRegionsChecked || !this.config) return;
    this.probeRegionsChecked = true;
    if (!(this.serverless.service.functions || {})[PROBE_FUNCTION]) return;
    const groups = Object.keys(this.config.groups);
    if (groups.length === 0) return; // already reported
    if (typeof this.tools.probeSettingsFor !== 'function') {
      throw this.error(`r53-failover: ${TOOLS_MODULE} does not export probeSettingsFor; rebuild with \`node ${BUILD_SCRIPT}\``);
    }
    const region = this.provider.getRegion();
    const byRegion = new Map();
    for (const group of groups) {
      for (const r of this.tools.probeSettingsFor(this.config, group).regions) byRegion.set(r, [...(byRegion.get(r) || []), group]);
    }
    if (byRegion.has(region)) {
      this.log.verbose(`r53-failover: ${PROBE_FUNCTION} in ${region} probes ${byRegion.get(region).join(', ')}`);
      return;
    }
    const listed = [...byRegion.keys()].sort();
    this.log.warning(
      `r53-failover: ${region} is not a probe region of any group, so ${PROBE_FUNCTION} in this stack will probe nothing ` +
        `(probe regions in ${this.configLocation().name}: ${listed.join(', ') || 'none'}). Probe regions come from ` +
        "probes.regions or groups.<group>.probeSettings.regions, by default the members' regions.",
    );
  }

  /** An exclusive directory lock in dist/config; a lock whose owner process is gone is taken over. */
  async acquirePackageLock() {
    if (this.releasePackageLockFn) return;
    const dir = path.join(this.serviceDir, PACKAGE_LOCK);
    const deadline = Date.now() + PACKAGE_LOCK_TIMEOUT_MS;
    for (;;) {
      try {
        mkdirSync(dir);
        writeFileSync(path.join(dir, 'pid'), `${process.pid}\n`);
        break;
      } catch (err) {
        if (!err || err.code !== 'EEXIST') throw err;
        if (isStaleLock(dir)) {
          rmSync(dir, { recursive: true, force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw this.error(`r53-failover: another serverless package in ${this.serviceDir} still holds ${PACKAGE_LOCK}; remove it if no package is running`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const release = () => {
      rmSync(dir, { recursive: true, force: true });
      process.removeListener('exit', release);
      this.releasePackageLockFn = undefined;
    };
    process.on('exit', release);
    this.releasePackageLockFn = release;
  }

  releasePackageLock() {
    if (this.releasePackageLockFn) this.releasePackageLockFn();
  }

  /** One HealthCheckStatus alarm per group member; every state change notifies the alarm topic. */
  addAlarms() {
    if (!this.config || !this.tools) throw this.error('r53-failover: config was not validated before compiling events');
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const prefix = this.alarmPrefix;
    const actions = [{ Ref: TOPIC_ID }];
    for (const [group, g] of Object.entries(this.config.groups)) {
      for (const role of ROLES) {
        const member = g[role];
        const id = alarmLogicalId(group, role);
        if (resources[id]) throw this.error(`r53-failover: logical id ${id} (alarm for ${group} ${role}) is already in use`);
        resources[id] = {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: this.tools.alarmNameFor(prefix, group, role),
            AlarmDescription:
              `${group} ${role} (${member.region}): Route 53 health check ${member.healthCheckId} is unhealthy ` +
              '(HealthCheckStatus Minimum < 1 over 1 minute). Managed by r53-failover.',
            Namespace: 'AWS/Route53',
            MetricName: 'HealthCheckStatus',
            Dimensions: [{ Name: 'HealthCheckId', Value: member.healthCheckId }],
            Statistic: 'Minimum',
            Period: 60,
            EvaluationPeriods: 1,
            DatapointsToAlarm: 1,
            Threshold: 1,
            ComparisonOperator: 'LessThanThreshold',
            // Missing data is never read as healthy: a check that stops reporting ends INSUFFICIENT_DATA (also notified).
            TreatMissingData: 'missing',
            ActionsEnabled: true,
            AlarmActions: actions,
            OKActions: actions,
            InsufficientDataActions: actions,
          },
        };
      }
    }
  }

  /** Email/SMS/… subscriptions to the notification topic, from failover.yml notify.sns.subscriptions. */
  addSubscriptions() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const subs = (this.config.notify && this.config.notify.sns && this.config.notify.sns.subscriptions) || [];
    subs.forEach((sub, i) => {
      resources[`NotificationSubscription${i + 1}`] = {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: NOTIFICATION_TOPIC_ID }, Protocol: sub.protocol, Endpoint: sub.endpoint },
      };
    });
  }

  /**
   * The notify role may read exactly the SSM parameters failover.yml names (and decrypt them through SSM only).
   * Runs before serverless-iam-roles-per-function builds the role.
   */
  grantSecrets() {
    const fn = (this.serverless.service.functions || {})[NOTIFY_FUNCTION];
    if (!fn || !this.config) return;
    const n = this.config.notify || {};
    const names = [
      n.slack && n.slack.webhookSsmParameter,
      n.pagerduty && n.pagerduty.routingKeySsmParameter,
      ...(n.webhooks || []).map((w) => w.secretSsmParameter),
    ].filter(Boolean);
    const statements = (fn.iamRoleStatements || []).filter((st) => st.Sid !== 'ReadNotifySecrets' && st.Sid !== 'DecryptNotifySecretsViaSsm');
    if (names.length > 0) {
      statements.push({
        Sid: 'ReadNotifySecrets',
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: [...new Set(names)].map(ssmParameterArn),
      });
      statements.push({
        Sid: 'DecryptNotifySecretsViaSsm',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' }],
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
      });
    }
    fn.iamRoleStatements = statements;
  }

  /**
   * promote-replica, from failover.yml's promotion hooks (before serverless-iam-roles-per-function builds the role and
   * before the events are compiled): the role statements below, and the RDS event rule limited to the named clusters
   * and replica instances (`detail.SourceArn`), or no rule when none is named. Groups without promotion add nothing;
   * with no promotion anywhere the role keeps only the ledger (and DLQ) statements of serverless.yml.
   */
  configurePromotion() {
    const fn = (this.serverless.service.functions || {})[PROMOTE_FUNCTION];
    if (!fn || !this.config) return;
    const t = promotionTargets(this.config);
    const statements = (fn.iamRoleStatements || []).filter((st) => !PROMOTE_SIDS.includes(st.Sid));
    const add = (Sid, Action, Resource, extra = {}) => {
      if (Resource.length > 0) statements.push({ Sid, Effect: 'Allow', Action, Resource, ...extra });
    };
    // The global cluster ARN has an empty region field: a global database belongs to no single region.
    const globalArns = t.globalClusters.map((id) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:rds::\${AWS::AccountId}:global-cluster:${id}` }));
    // Both actions require the global cluster and the DB cluster resource types: the target and, named in a
    // failback switchover, the primary.
    add('PromoteAuroraGlobal', ['rds:FailoverGlobalCluster', 'rds:SwitchoverGlobalCluster'], [...globalArns, ...t.clusters]);
    add('PromoteReadReplica', ['rds:PromoteReadReplica'], t.instances);
    add('DescribePromotionGlobalClusters', ['rds:DescribeGlobalClusters'], globalArns);
    add('DescribePromotionClusters', ['rds:DescribeDBClusters'], t.clusters);
    add('DescribePromotionInstances', ['rds:DescribeDBInstances'], t.instances);
    add('InvokePromotionHooks', ['lambda:InvokeFunction'], t.functions);
    // GetMetricData has no resource-level permissions, so "*" is the only possible resource. It is read-only
    // (metric values: the replica lag of the RDS hooks), and only granted when some hook is an RDS one.
    if (t.globalClusters.length + t.instances.length > 0) add('ReadReplicaLag', ['cloudwatch:GetMetricData'], ['*']);
    add('ReadPromotionSecrets', ['ssm:GetParameter'], t.secrets.map(ssmParameterArn));
    if (t.secrets.length > 0) {
      add('DecryptPromotionSecretsViaSsm', ['kms:Decrypt'], [{ 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' }], {
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
      });
    }
    fn.iamRoleStatements = statements;

    // The events as serverless.yml declares them (validate runs twice: derive from the original every time).
    if (!this.promoteEvents) this.promoteEvents = fn.events || [];
    const sources = [...t.clusters, ...t.instances];
    fn.events = this.promoteEvents.flatMap((event) => {
      if (!isRdsRule(event)) return [event];
      if (sources.length === 0) return [];
      const copy = structuredClone(event);
      copy.eventBridge.pattern.detail = { ...(copy.eventBridge.pattern.detail || {}), SourceArn: sources };
      return [copy];
    });
  }

  /**
   * serverless.probe.yml's RDS event forwarding rule: only the promotion targets in this stack's region (RDS events
   * stay in their region); the rule and its role are dropped where none lives.
   */
  configureForwarding(resources) {
    const rule = resources[FORWARD_RULE_ID];
    if (!rule || !this.config) return;
    const region = this.provider.getRegion();
    const t = promotionTargets(this.config);
    const here = [...t.clusters, ...t.instances].filter((arn) => arn.split(':')[3] === region);
    if (here.length === 0) {
      delete resources[FORWARD_RULE_ID];
      delete resources[FORWARD_ROLE_ID];
      this.log.verbose(`r53-failover: no promotion target in ${region}: no RDS event forwarding rule`);
      return;
    }
    const pattern = rule.Properties.EventPattern;
    pattern.detail = { ...(pattern.detail || {}), SourceArn: here };
    this.log.verbose(`r53-failover: forwarding RDS events about ${here.join(', ')} to ${REQUIRED_REGION}`);
  }

  /** Runs once user resources are merged: table drift check, one DLQ policy, no unused default role. */
  finalizeTemplate() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    if (this.isProbeStack) {
      this.configureForwarding(template.Resources);
      removeUnusedDefaultRole(template);
      return;
    }
    this.checkLedgerTable(template.Resources);
    dropRdsRuleDeadLetters(template.Resources);
    mergeQueuePolicies(template.Resources);
    removeUnusedDefaultRole(template);
  }

  checkLedgerTable(resources) {
    const table = resources[TABLE_ID];
    if (!table || table.Type !== 'AWS::DynamoDB::Table') throw this.error(`r53-failover: resource ${TABLE_ID} (the ledger) is missing`);
    // Every key of the CreateTable input the store and the embedded ledger use (keys, attributes, indexes, billing).
    const expected = JSON.parse(JSON.stringify(this.tools.ledgerTableDefinition));
    for (const key of Object.keys(expected)) {
      if (!isDeepStrictEqual(table.Properties[key], expected[key])) {
        throw this.error(
          `r53-failover: ${TABLE_ID}.Properties.${key} in serverless.yml differs from ledgerTableDefinition ` +
            '(shared/ledger/schema.ts); the deployed ledger must match the store. Update serverless.yml.',
        );
      }
    }
    const protection = table.Properties.DeletionProtectionEnabled;
    if (protection === 'true' || protection === 'false') table.Properties.DeletionProtectionEnabled = protection === 'true';
  }
}

/** The lock's owner is gone: its pid is not running, or it never wrote one (a crash right after mkdir) 30 s ago. */
const isStaleLock = (dir) => {
  let pid;
  try {
    pid = Number.parseInt(readFileSync(path.join(dir, 'pid'), 'utf8'), 10);
  } catch {
    try {
      return Date.now() - statSync(dir).mtimeMs > 30_000;
    } catch {
      return false; // released meanwhile: retry
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
};

/** An SSM parameter name (`/r53-failover/x`) → its ARN in the stack's region. */
const ssmParameterArn = (name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name.replace(/^\//, '')}` });

/**
 * What the promotion hooks of failover.yml name, deduplicated in config order: global cluster ids, DB cluster ARNs
 * (target and primary), replica instance ARNs, Lambda function ARNs and the webhook hooks' SSM parameters.
 */
const promotionTargets = (config) => {
  const t = { globalClusters: new Set(), clusters: new Set(), instances: new Set(), functions: new Set(), secrets: new Set() };
  for (const g of Object.values(config.groups || {})) {
    for (const h of (g.promotion && g.promotion.hooks) || []) {
      if (h.type === 'aurora-global') {
        t.globalClusters.add(h.globalClusterId);
        t.clusters.add(h.targetClusterArn);
        t.clusters.add(h.primaryClusterArn);
      } else if (h.type === 'rds-replica') t.instances.add(h.replicaInstanceArn);
      else if (h.type === 'lambda') t.functions.add(h.functionArn);
      else if (h.type === 'webhook' && h.secretSsmParameter) t.secrets.add(h.secretSsmParameter);
    }
  }
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [...v]]));
};

/** promote-replica's eventBridge event on `source: aws.rds`. */
const isRdsRule = (event) => {
  const pattern = event && event.eventBridge && event.eventBridge.pattern;
  return Boolean(pattern && [].concat(pattern.source || []).includes('aws.rds'));
};

/** Without an RDS event rule in the template (no promotion target), its DLQ policy statement goes too. */
const dropRdsRuleDeadLetters = (resources) => {
  const policy = resources[DLQ_POLICY_ID];
  if (!policy || !policy.Properties || !policy.Properties.PolicyDocument) return;
  const hasRule = Object.values(resources).some(
    (r) => r.Type === 'AWS::Events::Rule' && r.Properties && r.Properties.EventPattern && [].concat(r.Properties.EventPattern.source || []).includes('aws.rds'),
  );
  if (hasRule) return;
  const doc = policy.Properties.PolicyDocument;
  doc.Statement = doc.Statement.filter((st) => st.Sid !== RDS_RULE_DLQ_SID);
};

/** `orders-api`, `primary` → `OrdersDashapiPrimaryHealthAlarm`: alphanumeric, and distinct for distinct group names. */
const alarmLogicalId = (group, role) => `${normalize(group)}${normalize(role)}HealthAlarm`;
const normalize = (name) => {
  const s = name.replace(/-/g, 'Dash');
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/**
 * SQS keeps one policy per queue: two AWS::SQS::QueuePolicy resources on one queue overwrite each other. The
 * framework adds its own for an SNS redrive policy, so fold every extra policy on a queue into the first one.
 */
const mergeQueuePolicies = (resources) => {
  const byQueue = new Map();
  for (const [id, res] of Object.entries(resources)) {
    if (res.Type !== 'AWS::SQS::QueuePolicy') continue;
    const queues = (res.Properties && res.Properties.Queues) || [];
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
    else if (Array.isArray(res.DependsOn)) res.DependsOn = [...new Set(res.DependsOn.map((d) => (d === from ? to : d)))];
  }
};

/** serverless-iam-roles-per-function clones the default role but leaves it behind; drop it when nothing uses it. */
const removeUnusedDefaultRole = (template) => {
  const role = template.Resources[DEFAULT_ROLE_ID];
  if (!role) return;
  delete template.Resources[DEFAULT_ROLE_ID];
  // Any Ref, GetAtt or DependsOn left anywhere in the template (outputs included) means it is still used.
  if (JSON.stringify(template).includes(`"${DEFAULT_ROLE_ID}"`)) template.Resources[DEFAULT_ROLE_ID] = role;
};

module.exports = R53FailoverPlugin;
