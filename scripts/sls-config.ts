// Bundled to dist/sls/config.cjs for the serverless plugin: the same loader and schema the CLI and Lambdas use.
export { loadConfigFile, parseConfigText } from '../shared/config/file.js';
export {
  alarmNameFor,
  digestRetentionDays,
  elbNamespaceOf,
  healthBasisOf,
  indexHealthChecks,
  loadBalancerDimension,
  probeSettingsFor,
  targetGroupAlarmNameFor,
  targetGroupDimension,
  targetGroupHealthQuery,
} from '../shared/config/lookups.js';
export type { FailoverConfig } from '../shared/config/schema.js';
export { sealConfig } from '../shared/config/deployed.js';
export { ledgerTableDefinition, GSI_BY_TIME, GSI_BY_GROUP_TIME } from '../shared/ledger/schema.js';
