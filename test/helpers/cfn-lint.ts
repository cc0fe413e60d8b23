import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './template.js';

/**
 * cfn-lint (AWS's CloudFormation linter; Python, not on npm): tests that need it skip with a printed reason, except
 * under `CI=true`, where a missing linter fails the run. It reads the repository's .cfnlintrc.yaml (ignored warnings,
 * each with its reason).
 */
export const cfnLintAvailable = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;

/** Why cfn-lint tests are skipped (undefined when they run); throws under CI=true, where skipping is not allowed. */
export const cfnLintSkipReason = (): string | undefined => {
  if (cfnLintAvailable) return undefined;
  const reason = 'cfn-lint is not on PATH (pip install cfn-lint to run these tests)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires it`);
  console.warn(`skipped: ${reason}`);
  return reason;
};

export interface CfnLintFinding {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Filename: string;
}

const lintOnce = (files: string[]): Promise<CfnLintFinding[]> =>
  new Promise((resolve, reject) => {
    const child = spawn('cfn-lint', ['--format', 'json', '--', ...files], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      // Exit codes are a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a crash.
      if (code === null || code === 1 || !stdout.trim().startsWith('[')) {
        reject(new Error(`cfn-lint failed (${code}): ${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout) as CfnLintFinding[]);
    });
  });

/**
 * Lints `files` from the repository root, in `jobs` cfn-lint processes side by side (it is single-threaded and a
 * 1,000-group package has 18 templates); resolves with every finding (cfn-lint's JSON format).
 */
export const cfnLint = async (files: string[], jobs = 2): Promise<CfnLintFinding[]> => {
  const shares = Array.from({ length: Math.min(jobs, files.length) }, (_, j) => files.filter((_, i) => i % jobs === j));
  return (await Promise.all(shares.map(lintOnce))).flat();
};

/** cfn-lint's findings on every template a `serverless package` directory holds, one line each (none: []). */
export const lintPackage = async (dir: string): Promise<string[]> => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'serverless-state.json')
    .map((f) => join(dir, f));
  return (await cfnLint(files)).map((f) => `${f.Rule.Id} ${f.Message} (${f.Filename})`);
};
