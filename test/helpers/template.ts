import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { openDeployedConfig } from '../../shared/config/deployed.js';

// `serverless package` is offline (no AWS call, no credentials): the template and zips it writes are the deploy.
export const root = resolve(import.meta.dirname, '../..');
export const sls = join(root, 'node_modules', '.bin', 'serverless');
const run = promisify(execFile);

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
}
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface RunResult {
  code: number;
  output: string;
}

/** Runs the local `serverless` with telemetry off; resolves with the exit code and stdout + stderr. */
export const serverless = async (args: string[], env: Record<string, string> = {}): Promise<RunResult> => {
  const { R53F_CONFIG: _ignored, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await run(sls, args, {
      cwd: root,
      env: { ...inherited, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
};

/** Entries of a zip file from its central directory: name → contents (stored or deflated). */
export const readZip = (file: string): Map<string, () => Buffer> => {
  const buf = readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file}: not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, () => Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const localHeader = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, () => {
      const dataStart = localHeader + 30 + buf.readUInt16LE(localHeader + 26) + buf.readUInt16LE(localHeader + 28);
      const data = buf.subarray(dataStart, dataStart + compressedSize);
      return method === 0 ? data : inflateRawSync(data);
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
};

/**
 * The config a zip ships (`dist/config/failover.json`), opened the way the functions open it: it must be sealed and
 * its digest must match, or this throws (shared/config/deployed.ts).
 */
export const openShippedConfig = <T = Record<string, unknown>>(text: string): T =>
  openDeployedConfig(JSON.parse(text), 'dist/config/failover.json') as unknown as T;

export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
export const ofType = (template: { Resources: Record<string, Resource> }, type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

export interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** One packaged stack: the command output, the package dir, the template and a resource lookup that fails loudly. */
export interface Packaged<T extends { Resources: Record<string, Resource> } = Template> {
  output: string;
  dir: string;
  template: T;
  resource: (id: string) => Resource;
}

/** `serverless package --stage test ARGS --package DIR` with `R53F_CONFIG=config`; throws with the output on failure. */
export const packageStack = async <T extends { Resources: Record<string, Resource> } = Template>(
  dir: string,
  args: string[],
  config: string,
  label = dir,
): Promise<Packaged<T>> => {
  const result = await serverless(['package', '--stage', 'test', ...args, '--package', dir], { R53F_CONFIG: config });
  if (result.code !== 0)
    throw new Error(`serverless package ${args.join(' ')} failed (${result.code}):\n${result.output}`);
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as T;
  const resource = (id: string) => {
    const r = template.Resources[id];
    if (!r) throw new Error(`no resource ${id} in the ${label} template`);
    return r;
  };
  return { output: result.output, dir, template, resource };
};

/** The nested alarm templates a packaged root template references (its AWS::CloudFormation::Stack resources), by id. */
export const nestedTemplates = (
  dir: string,
  template: Template,
): Map<string, { file: string; bytes: number; template: Template }> => {
  const out = new Map<string, { file: string; bytes: number; template: Template }>();
  for (const [id, r] of ofType(template, 'AWS::CloudFormation::Stack')) {
    const meta = (r as { Metadata?: Record<string, { file: string }> }).Metadata?.['R53Failover::AlarmStack'];
    if (!meta) throw new Error(`${id} has no R53Failover::AlarmStack metadata`);
    const text = readFileSync(join(dir, meta.file), 'utf8');
    out.set(id, { file: meta.file, bytes: Buffer.byteLength(text), template: JSON.parse(text) as Template });
  }
  return out;
};

/** Every alarm of a packaged recorder stack, from its nested alarm templates: logical id → resource. */
export const nestedAlarms = (dir: string, template: Template): Map<string, Resource> =>
  new Map([...nestedTemplates(dir, template).values()].flatMap((n) => ofType(n.template, 'AWS::CloudWatch::Alarm')));

/** The us-east-1 default event bus, as serverless.probe.yml's forwarding rules name it (their target and grant). */
export const US_EAST_1_DEFAULT_BUS = {
  'Fn::Sub': 'arn:${AWS::Partition}:events:us-east-1:${AWS::AccountId}:event-bus/default',
};

/**
 * A forwarding rule's role as serverless.probe.yml writes it: unnamed, no managed policy, only EventBridge acting for
 * the rule `ruleName` of this account may assume it, and it may only events:PutEvents on the us-east-1 default bus.
 */
export const forwardingRoleOf = (ruleName: string) => ({
  AssumeRolePolicyDocument: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: {
            'aws:SourceArn': {
              'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${ruleName}`,
            },
          },
        },
      },
    ],
  },
  Policies: [
    {
      PolicyName: 'put-events-us-east-1-default-bus',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: US_EAST_1_DEFAULT_BUS }],
      },
    },
  ],
});
