'use strict';
// Local osls plugin: validates failover.yml with the project's own loader, builds the bundles, ships the validated
// config with the recorder, and derives the members' health alarms (in nested stacks, uploaded by `deploy`): one Route
// 53 HealthCheckStatus alarm per health-checked member, one HealthyHostCount alarm per target group of a targetHealth
// member. CommonJS because the root package is ESM and osls loads local plugins with require().
//
// Two stacks use it (custom.r53failover.stack):
// - `recorder` (serverless.yml, the default): us-east-1 only; alarms (us-east-1's), subscriptions, secret grants,
//   table and DLQ checks;
// - `probe` (serverless.probe.yml): the regional stack, in any region but us-east-1; config validated, built and
//   shipped the same way; derived: the target group alarms of its region and the rule forwarding their state changes
//   to us-east-1, and the RDS event forwarding rule (each kept only where it has something to forward).
//
// Database promotion (groups.<g>.promotion): the promote-replica role's rds/lambda/cloudwatch/ssm statements and the
// RDS event rule's SourceArn list come from the hooks; groups without promotion contribute nothing.
//
// The parts live in serverless/plugin/: region.cjs (where each stack may deploy, what it probes), shipped-config.cjs
// (the config the functions get), package-lock.cjs (one package at a time), alarms.cjs (alarms, subscriptions),
// chatbot.cjs (the chat topic of notify.chatbot), alarm-stacks.cjs (the nested stacks holding the alarms: assignment,
// templates, upload), iam.cjs (role statements, the default role), promotion.cjs (promotion targets, RDS event rules),
// target-health.cjs (target group alarms, their forwarding rule), template.cjs (ledger, digest bucket and DLQ),
// limits.cjs (AWS size limits), monitoring.cjs and dashboard.cjs (the stack's own alarms and dashboard),
// invoke-local.cjs (`serverless invoke local`).
const { existsSync, mkdirSync, renameSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const {
  addAlarmStacks,
  deployAlarmStacks,
  deploymentBucketOf,
  writeAlarmStacks,
} = require('./plugin/alarm-stacks.cjs');
const { addSubscriptions } = require('./plugin/alarms.cjs');
const { addChatbotTopic, configureChatbotGrant } = require('./plugin/chatbot.cjs');
const { grantNotifySecrets, grantPromotion, removeUnusedDefaultRole } = require('./plugin/iam.cjs');
const { acquirePackageLock } = require('./plugin/package-lock.cjs');
const { configureForwarding, limitRdsRule, promotionTargets } = require('./plugin/promotion.cjs');
const {
  configureTargetHealthForwarding,
  reportTargetHealth,
  targetGroupAlarms,
} = require('./plugin/target-health.cjs');
const { checkLimits } = require('./plugin/limits.cjs');
const { checkRegion, probeRegionFinding } = require('./plugin/region.cjs');
const { withoutLocalSecrets } = require('./plugin/shipped-config.cjs');
const { addMonitoring } = require('./plugin/monitoring.cjs');
const { invokeLocalEnv, shellEnv } = require('./plugin/invoke-local.cjs');
const {
  checkLedgerTable,
  dropRdsRuleDeadLetters,
  mergeQueuePolicies,
  setDigestRetention,
} = require('./plugin/template.cjs');

const DEFAULT_CONFIG = 'failover.yml';
const TOOLS_MODULE = 'dist/sls/config.cjs';
const BUILD_SCRIPT = 'scripts/build.mjs';
/** Where the recorder reads its config (R53F_CONFIG_FILE in serverless.yml); packaged with the function. */
const CONFIG_JSON = 'dist/config/failover.json';
const PROBE_FUNCTION = 'regional-probe';
const PROMOTE_FUNCTION = 'promote-replica';
const STACKS = ['recorder', 'probe'];

class R53FailoverPlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options || {};
    this.provider = serverless.getProvider('aws');
    this.log = utils?.log || { notice: console.error, warning: console.error, verbose: () => {} };
    /** The validated config, set by validate(). */
    this.config = undefined;
    this.built = false;
    /** Builds the framework's error (code R53F_DEPLOY); handed to the modules, which throw what it returns. */
    this.error = (message) => new this.serverless.classes.Error(message, 'R53F_DEPLOY');

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
            opsAlarmPrefix: { type: 'string', pattern: '^[A-Za-z0-9_.-]+-$' },
            // `--param="ledgerDeletionProtection=false"` arrives as a string.
            ledgerDeletionProtection: { anyOf: [{ type: 'boolean' }, { enum: ['true', 'false'] }] },
          },
          additionalProperties: false,
        },
      },
    });

    // What the shell says before `invoke local` overwrites process.env with serverless.yml's environment.
    this.shellEnv = shellEnv(process.env);

    this.hooks = {
      // Fail fast, before anything is cleaned up or built. Then hold the package lock from the framework's cleanup of
      // .serverless until its contents are moved to the package directory: another package in this directory would
      // otherwise delete or take files of this one (templates, zips, the shipped config).
      'before:package:cleanup': async () => {
        await this.validate();
        await this.acquirePackageLock();
      },
      'before:package:createDeploymentArtifacts': () => this.buildAndWriteConfig(),
      // Both stacks: the recorder's nested stacks hold the HealthCheckStatus alarms and us-east-1's target group
      // alarms; a probe stack's, its region's target group alarms (target-health.cjs).
      'package:compileEvents': () => {
        const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
        this.alarmStacks = addAlarmStacks(resources, {
          config: this.config,
          tools: this.tools,
          prefix: this.alarmPrefix,
          stage: this.provider.getStage(),
          s3Prefix: `${this.provider.getDeploymentPrefix()}/${this.serverless.service.service}/${this.provider.getStage()}`,
          bucket: deploymentBucketOf(resources),
          notify: !this.isProbeStack,
          targetGroups: this.targetGroupsHere(),
          error: this.error,
        });
        if (!this.isProbeStack) {
          addSubscriptions(resources, this.config);
          addChatbotTopic(this.serverless.service.provider.compiledCloudFormationTemplate, this.config, {
            service: this.serverless.service.service,
            stage: this.provider.getStage(),
          });
        }
      },
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.finalizeTemplate(),
      // The framework writes the root template and moves everything in .serverless to the package directory here:
      // the nested alarm templates go with it. The lock is released once the move is done.
      'before:aws:package:finalize:saveServiceState': () => {
        if (this.alarmStacks) writeAlarmStacks(path.join(this.serviceDir, '.serverless'), this.alarmStacks);
      },
      'after:aws:package:finalize:saveServiceState': () => this.releasePackageLock(),
      'before:deploy:function:packageFunction': async () => {
        await this.validate();
        await this.buildAndWriteConfig();
        this.log.notice(
          'r53-failover: alarms are stack resources; run a full `serverless deploy` after changing groups',
        );
      },
      'after:deploy:function:packageFunction': () => this.releasePackageLock(),
      // `deploy --package DIR` skips the package lifecycle: still refuse the wrong region.
      'before:deploy:deploy': () => this.checkRegion(),
      // `invoke local` runs the built handler in this process: validate, build and write the sealed config it reads
      // (after the framework loaded serverless.yml's environment, which the shell's ledger settings then override).
      'before:invoke:local:invoke': async () => {
        await this.validate();
        await this.buildAndWriteConfig();
        this.releasePackageLock();
        Object.assign(process.env, invokeLocalEnv(this.shellEnv, this.serviceDir));
      },
      // After the framework's uploads (the bucket exists by then), before CloudFormation reads the template.
      'after:aws:deploy:deploy:uploadArtifacts': () => this.uploadAlarmStacks(),
    };
  }

  get serviceDir() {
    return this.serverless.serviceDir || process.cwd();
  }

  /** custom.r53failover.stack: `probe` for serverless.probe.yml, else the recorder stack. */
  get isProbeStack() {
    const custom = this.serverless.service.custom?.r53failover || {};
    return custom.stack === 'probe';
  }

  get alarmPrefix() {
    const custom = this.serverless.service.custom?.r53failover || {};
    return custom.alarmPrefix || `${this.serverless.service.service}-${this.provider.getStage()}-`;
  }

  /** The stack's own alarms: `<service>-<stage>_ops-` unless custom.r53failover.opsAlarmPrefix says otherwise. */
  get opsAlarmPrefix() {
    const custom = this.serverless.service.custom?.r53failover || {};
    return custom.opsAlarmPrefix || `${this.serverless.service.service}-${this.provider.getStage()}_ops-`;
  }

  checkRegion() {
    checkRegion(this.provider.getRegion(), this.isProbeStack, this.error);
  }

  /** The config file: R53F_CONFIG (relative to the working directory), else custom.r53failover.config. */
  configLocation() {
    const fromEnv = process.env.R53F_CONFIG;
    if (fromEnv) return { name: fromEnv, base: process.cwd(), via: 'R53F_CONFIG' };
    const custom = this.serverless.service.custom?.r53failover || {};
    return { name: custom.config || DEFAULT_CONFIG, base: this.serviceDir, via: 'custom.r53failover.config' };
  }

  async runBuild() {
    const script = path.join(this.serviceDir, BUILD_SCRIPT);
    try {
      const { buildAll } = await import(pathToFileURL(script).href);
      await buildAll({ quiet: true });
    } catch (err) {
      throw this.error(`r53-failover: building the bundles (${BUILD_SCRIPT}) failed: ${err?.message}`);
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
      this.rethrowConfigError(err);
    }
    this.tools = tools;
    if (!this.isProbeStack) {
      grantNotifySecrets(this.serverless.service.functions, this.config);
      configureChatbotGrant(this.serverless.service.functions, this.config);
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
    const shipped = withoutLocalSecrets(this.config, { error: this.error, log: this.log });
    const out = path.join(this.serviceDir, CONFIG_JSON);
    mkdirSync(path.dirname(out), { recursive: true });
    // Another package in this directory (another stack, region or config) writes the same file: hold the lock (taken
    // already by `package`; released after the package is moved / after packageFunction, or when the process exits).
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
      this.rethrowConfigError(err);
    }
  }

  /** A ConfigError from the bundled loader (another module instance, so compare by name): its message names the field. */
  rethrowConfigError(err) {
    if (err && err.name === 'ConfigError') throw this.error(`Invalid r53-failover config: ${err.message}`);
    throw err;
  }

  /**
   * The target group alarms this stack holds (those of its region: target-health.cjs), computed once the config is
   * final (after the build); the package log says where the others live and which ones read a Metrics Insights query.
   */
  targetGroupsHere() {
    if (this.targetGroups) return this.targetGroups;
    const { tools, provider, error, log } = this;
    const all = targetGroupAlarms(this.config, { tools, prefix: this.alarmPrefix, error });
    const here = provider.getRegion();
    const stage = provider.getStage();
    reportTargetHealth(all, { here, recorder: !this.isProbeStack, configName: this.configLocation().name, stage, log });
    this.targetGroups = all.filter((t) => t.region === here);
    return this.targetGroups;
  }

  /** Warns when this stack's region probes no group: its regional-probe would run every minute and do nothing. */
  checkProbeRegions() {
    if (this.probeRegionsChecked || !this.config) return;
    this.probeRegionsChecked = true;
    if (!this.serverless.service.functions?.[PROBE_FUNCTION]) return;
    const finding = probeRegionFinding({
      config: this.config,
      tools: this.tools,
      region: this.provider.getRegion(),
      configName: this.configLocation().name,
      alarmsHere: this.targetGroupsHere().length,
      error: this.error,
    });
    if (finding) this.log[finding.level](finding.message);
  }

  async acquirePackageLock() {
    if (this.releasePackageLockFn) return;
    this.releasePackageLockFn = await acquirePackageLock(this.serviceDir, this.error);
  }

  releasePackageLock() {
    const release = this.releasePackageLockFn;
    this.releasePackageLockFn = undefined;
    if (release) release();
  }

  /** `serverless deploy`: uploads the nested alarm templates from .serverless (where `deploy --package` copies them). */
  async uploadAlarmStacks() {
    const stacks = await deployAlarmStacks(this.serverless, this.provider, this.serviceDir, this.error);
    if (stacks) this.log.verbose(`r53-failover: uploaded ${stacks.length} nested alarm template(s)`);
  }

  /**
   * promote-replica, from failover.yml's promotion hooks (before serverless-iam-roles-per-function builds the role and
   * before the events are compiled): the role statements (grantPromotion), and the RDS event rule limited to the named
   * clusters and replica instances (`detail.SourceArn`), or no rule when none is named. Groups without promotion add
   * nothing; with no promotion anywhere the role keeps only the ledger (and DLQ) statements of serverless.yml.
   */
  configurePromotion() {
    const fn = this.serverless.service.functions?.[PROMOTE_FUNCTION];
    if (!fn || !this.config) return;
    const t = promotionTargets(this.config);
    grantPromotion(fn, t);
    // The events as serverless.yml declares them (validate runs twice: derive from the original every time).
    if (!this.promoteEvents) this.promoteEvents = fn.events || [];
    // Reported once: validate runs again after the build.
    fn.events = limitRdsRule(this.promoteEvents, t, this.promotionReported ? undefined : this.log);
    this.promotionReported = true;
  }

  /** Once user resources are merged: table drift check, digest retention, one DLQ policy, no unused default role, AWS limits. */
  finalizeTemplate() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    if (this.isProbeStack) {
      const region = this.provider.getRegion();
      configureForwarding(template.Resources, { config: this.config, region, log: this.log });
      const alarms = this.targetGroupsHere();
      configureTargetHealthForwarding(template.Resources, { alarms, prefix: this.alarmPrefix, region, log: this.log });
      removeUnusedDefaultRole(template);
    } else {
      checkLedgerTable(template.Resources, this.tools, this.error);
      setDigestRetention(template.Resources, this.tools, this.config, this.error);
      dropRdsRuleDeadLetters(template.Resources);
      mergeQueuePolicies(template.Resources);
      this.addMonitoring(template.Resources);
      removeUnusedDefaultRole(template);
    }
    // Resources, template sizes, event patterns and policies against their AWS limits (limits.cjs).
    checkLimits(template, this.alarmStacks || [], this.error);
  }

  /**
   * The stack's own alarms and dashboard (serverless/plugin/monitoring.cjs): errors and throttles of every function,
   * iterator age of the ledger stream's consumers, one heartbeat alarm per probe region of failover.yml.
   */
  addMonitoring(resources) {
    const service = this.serverless.service;
    const functions = service.getAllFunctions().map((key) => ({
      key,
      name: service.getFunction(key).name,
      logicalId: this.provider.naming.getLambdaLogicalId(key),
      stream: (service.getFunction(key).events || []).some((e) => e?.stream),
    }));
    const regions = new Set();
    for (const g of Object.keys(this.config.groups)) {
      for (const r of this.tools.probeSettingsFor(this.config, g).regions) regions.add(r);
    }
    addMonitoring(resources, {
      service: service.service,
      stage: this.provider.getStage(),
      alarmPrefix: this.alarmPrefix,
      opsPrefix: this.opsAlarmPrefix,
      functions,
      probeRegions: [...regions].sort(),
      error: this.error,
    });
  }
}

module.exports = R53FailoverPlugin;
