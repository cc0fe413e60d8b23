// The hook registry: makeHook picks the executor for a configured promotion hook by its type.
import type { HookConfig } from '../../config/schema.js';
import { auroraGlobalHook } from './aurora-global.js';
import { lambdaHook } from './lambda.js';
import { rdsReplicaHook } from './rds-replica.js';
import type { HookClients, HookExecutor, HookOptions } from './types.js';
import { webhookHook } from './webhook.js';

/** The executor for one configured promotion hook. */
export const makeHook = (hook: HookConfig, clients: HookClients, opts: HookOptions = {}): HookExecutor => {
  switch (hook.type) {
    case 'aurora-global':
      return auroraGlobalHook(hook, clients);
    case 'rds-replica':
      return rdsReplicaHook(hook, clients);
    case 'lambda':
      return lambdaHook(hook, clients);
    case 'webhook':
      return webhookHook(hook, opts);
  }
};
