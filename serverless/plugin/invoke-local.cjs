'use strict';
// `serverless invoke local -f <fn> -p event.json`: the built handler runs in this process, against whatever ledger
// the shell points at (docs/deploy.md, "Running a function locally").

/** Settings the shell may give that serverless.yml's environment would otherwise overwrite. */
const SHELL_KEYS = ['LEDGER_TABLE', 'LEDGER_REGION'];

/** The shell's ledger settings, captured when the plugin loads (before `invoke local` rewrites process.env). */
const shellEnv = (env) => Object.fromEntries(SHELL_KEYS.filter((k) => env[k]).map((k) => [k, env[k]]));

/**
 * The environment the handler gets on top of serverless.yml's: the shell's ledger table (its endpoint is the SDK's
 * own AWS_ENDPOINT_URL_DYNAMODB, which serverless.yml never sets), and this directory as the task root, where the
 * plugin has just written the sealed dist/config/failover.json (the framework sets Lambda's /var/task).
 */
const invokeLocalEnv = (shell, serviceDir) => ({ ...shell, LAMBDA_TASK_ROOT: serviceDir });

module.exports = { invokeLocalEnv, shellEnv };
