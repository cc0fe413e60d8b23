import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticConfigYaml } from '../../local/synthetic-config.js';
import { parseConfigText } from '../../shared/config/file.js';
import { motoClientConfig, motoSkipReason, startMoto, type MotoServer } from '../helpers/moto.js';
import { alarmNameFor } from '../../shared/config/lookups.js';

// What `serverless deploy` does with the nested alarm templates (the plugin's after:aws:deploy:deploy:uploadArtifacts
// hook): S3 PutObject of each one to the key its TemplateURL names, against moto_server's S3. The S3 client is the
// one the plugin uses, osls's own @aws-sdk/client-s3.
const require = createRequire(import.meta.url);
const s3sdk = createRequire(require.resolve('osls/package.json'))(
  '@aws-sdk/client-s3',
) as typeof import('@aws-sdk/client-s3');
type Stack = { key: string; file: string; body: string };
const stacks = require('../../serverless/plugin/alarm-stacks.cjs') as {
  addAlarmStacks: (resources: Record<string, unknown>, opts: Record<string, unknown>) => Stack[];
  uploadAlarmStacks: (opts: Record<string, unknown>) => Promise<unknown[]>;
  writeAlarmStacks: (dir: string, s: Stack[]) => void;
};

/** The plugin's nested alarm stacks for `groups` synthetic groups, stage prod, as `package` builds them. */
const alarmStacksFor = (groups: number) => {
  const resources: Record<string, unknown> = {};
  const nested = stacks.addAlarmStacks(resources, {
    config: parseConfigText(syntheticConfigYaml(groups), 'failover.yml'),
    tools: { alarmNameFor },
    prefix: 'r53-failover-prod-',
    stage: 'prod',
    s3Prefix: 'serverless/r53-failover/prod',
    bucket: { Ref: 'ServerlessDeploymentBucket' },
    error: (m: string) => new Error(m),
  });
  return { resources, nested };
};

const skip = motoSkipReason();
const BUCKET = 'r53-failover-deployment-bucket';

describe.skipIf(skip)('nested alarm templates uploaded to the deployment bucket (moto_server S3)', () => {
  let moto: MotoServer;
  let s3: InstanceType<typeof s3sdk.S3Client>;
  const dir = mkdtempSync(join(tmpdir(), 'r53f-upload-'));

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new s3sdk.S3Client({ ...motoClientConfig(moto), forcePathStyle: true });
    await s3.send(new s3sdk.CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts every template at the key its TemplateURL names, byte for byte', async () => {
    const { resources, nested } = alarmStacksFor(40);
    stacks.writeAlarmStacks(dir, nested);
    await stacks.uploadAlarmStacks({
      template: { Resources: resources },
      dir,
      bucket: BUCKET,
      put: (params: ConstructorParameters<typeof s3sdk.PutObjectCommand>[0]) =>
        s3.send(new s3sdk.PutObjectCommand(params)),
      error: (m: string) => new Error(m),
    });
    const listed = await s3.send(new s3sdk.ListObjectsV2Command({ Bucket: BUCKET }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(nested.map((n) => n.key).sort());
    for (const n of nested) {
      expect(n.key).toMatch(
        /^serverless\/r53-failover\/prod\/r53-failover-alarm-stacks\/health-alarms-\d\d-[0-9a-f]{16}\.json$/,
      );
      const got = await s3.send(new s3sdk.GetObjectCommand({ Bucket: BUCKET, Key: n.key }));
      expect(got.ContentType).toBe('application/json');
      expect(await got.Body?.transformToString()).toBe(n.body);
    }
  });

  it('is what the plugin\u2019s deploy hook does, with the framework\u2019s S3 settings and bucket', async () => {
    await moto.reset();
    await s3.send(new s3sdk.CreateBucketCommand({ Bucket: BUCKET }));
    const serviceDir = mkdtempSync(join(tmpdir(), 'r53f-service-'));
    const { resources, nested } = alarmStacksFor(3);
    mkdirSync(join(serviceDir, '.serverless'));
    stacks.writeAlarmStacks(join(serviceDir, '.serverless'), nested);
    // The parts of the framework the plugin uses at deploy time.
    const provider = {
      getAwsSdkV3Config: async () => ({ ...motoClientConfig(moto), forcePathStyle: true }),
      getServerlessDeploymentBucketName: async () => BUCKET,
      getStage: () => 'prod',
      getRegion: () => 'us-east-1',
    };
    const Plugin = require('../../serverless/r53-failover-plugin.cjs') as new (
      sls: unknown,
      options: unknown,
      utils: unknown,
    ) => { hooks: Record<string, () => Promise<void>> };
    const plugin = new Plugin(
      {
        getProvider: () => provider,
        configSchemaHandler: { defineCustomProperties: () => undefined },
        classes: { Error },
        serviceDir,
        service: {
          service: 'r53-failover',
          custom: {},
          provider: { compiledCloudFormationTemplate: { Resources: resources } },
        },
      },
      {},
      { log: { notice: () => undefined, warning: () => undefined, verbose: () => undefined } },
    );
    await plugin.hooks['after:aws:deploy:deploy:uploadArtifacts']?.();
    const listed = await s3.send(new s3sdk.ListObjectsV2Command({ Bucket: BUCKET }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(nested.map((n) => n.key).sort());
    rmSync(serviceDir, { recursive: true, force: true });
  });
});
