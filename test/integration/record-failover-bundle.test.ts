import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/file.js';
import { sealConfig } from '../../shared/config/deployed.js';
import { emfWrittenBy, loadBundle, writeSealedConfig } from '../helpers/bundle.js';
import { FIXTURE_CONFIG_YAML, loadEvent } from '../helpers/events.js';
import { scanAll, startLocalDynamo } from '../helpers/ledger.js';

const require = createRequire(import.meta.url);
const context = {
  awsRequestId: 'req-1',
  functionName: 'record-failover',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
type Handler = (
  event: unknown,
  ctx: Context,
) => Promise<{ outcomes: { outcome: string; event?: string; reason?: string }[] }>;

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let table: string;
let handler: Handler;
let restoreEnv: () => void;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  ({ table } = await dynamo.freshTable());
  // What serverless.yml sets, with the ledger on dynalite.
  ({ handler, restoreEnv } = loadBundle<Handler>('record-failover', FIXTURE_CONFIG_YAML, {
    LEDGER_TABLE: table,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  }));
});
afterAll(async () => {
  restoreEnv();
  await dynamo.stop();
});

describe('record-failover bundle (dist/record-failover/index.js)', () => {
  it('exports a handler from every function bundle', () => {
    // write-digest reads its bucket (serverless.yml: the stack's DigestBucket) at load; the env is restored afterAll.
    process.env.DIGEST_BUCKET ??= 'r53-failover-test-digests';
    for (const fn of readdirSync('dist').filter(
      (d) => statSync(join('dist', d)).isDirectory() && d !== 'cli' && d !== 'scripts' && d !== 'sls' && d !== 'config',
    )) {
      expect(typeof (require(`../../dist/${fn}/index.js`) as { handler?: unknown }).handler, fn).toBe('function');
    }
  });

  it('records an EventBridge delivery and treats the SNS copy as a duplicate', async () => {
    const eb = await handler(loadEvent('eventbridge/alarm-state-change-alarm.json'), context);
    const sns = await handler(loadEvent('sns/alarm-notification.json'), context);
    expect(eb.outcomes).toMatchObject([{ outcome: 'recorded', event: 'FAILED_OVER' }]);
    expect(sns.outcomes).toMatchObject([{ outcome: 'duplicate' }]);
    const items = await scanAll(dynamo.client, table);
    expect(items).toHaveLength(1);
    expect(items[0]?.sources?.SS?.sort()).toEqual(['eventbridge', 'sns']);
  });

  it('returns ignored for a configuration-change event without failing the invocation', async () => {
    const res = await handler(loadEvent('eventbridge/alarm-configuration-change.json'), context);
    expect(res.outcomes[0]?.outcome).toBe('ignored');
  });

  it('ignores another account’s alarm (its own account from the function ARN), writing nothing, counted in EMF', async () => {
    const own = { ...context, invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:record-failover' };
    const before = (await scanAll(dynamo.client, table)).length;
    // The fixture's alarm is in account 123456789012.
    const { result: res, emf } = await emfWrittenBy(() => handler(loadEvent('sns/alarm-notification-ok.json'), own));
    expect(res.outcomes).toEqual([
      {
        outcome: 'ignored',
        rule: 'foreign-account',
        reason: expect.stringContaining("is in account 123456789012, not this deployment's account 111122223333"),
      },
    ]);
    expect(await scanAll(dynamo.client, table)).toHaveLength(before);
    expect(emf).toEqual([
      expect.objectContaining({
        ForeignAlarmIgnored: 1,
        Rule: 'foreign-account',
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: 'R53Failover',
              Dimensions: [expect.arrayContaining(['Rule'])],
              Metrics: [{ Name: 'ForeignAlarmIgnored', Unit: 'Count' }],
            },
          ],
        }),
      }),
    ]);
  });

  it('fails the invocation on a malformed event (so it reaches the DLQ) and writes nothing', async () => {
    const before = (await scanAll(dynamo.client, table)).length;
    const attempt = handler(loadEvent('invalid/unknown-state.json'), context);
    await expect(attempt).rejects.toMatchObject({
      name: 'InvalidEventError',
      message: expect.stringContaining('detail.state.value'),
    });
    expect(await scanAll(dynamo.client, table)).toHaveLength(before);
  });

  it('fails its cold start on a config that is not sealed, or was edited after sealing, saying why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r53f-unsealed-'));
    const config = parseConfigText(FIXTURE_CONFIG_YAML, 'fixture.yml');
    const edited = sealConfig(config);
    edited.config = { ...edited.config, groups: {} };
    const cases = [
      ['plain.json', config, 'not a sealed r53-failover config'],
      ['edited.json', edited, 'config was changed after it was validated and sealed'],
    ] as const;
    for (const [file, doc, message] of cases) {
      writeFileSync(join(dir, file), JSON.stringify(doc));
      // A fresh process: the bundle reads its config once, at cold start.
      const r = spawnSync(
        process.execPath,
        ['-e', `require(${JSON.stringify(resolve('dist/record-failover/index.js'))})`],
        {
          encoding: 'utf8',
          env: { ...process.env, LEDGER_TABLE: 'ledger', R53F_CONFIG_FILE: join(dir, file), AWS_REGION: 'us-east-1' },
        },
      );
      expect(r.status, file).not.toBe(0);
      expect(r.stderr, file).toContain('ConfigError');
      expect(r.stderr, file).toContain(message);
    }
  });

  describe('build shims (scripts/lambda-build.mjs)', () => {
    const bundle = (fn: string) => readFileSync(`dist/${fn}/index.js`, 'utf8');

    it('leaves AWS SDK event streams out of bundles whose clients have none, with a stub that fails loudly', async () => {
      for (const fn of ['record-failover', 'notify', 'regional-probe', 'audit-api']) {
        expect(bundle(fn), fn).not.toContain('Provided message too short to accommodate event stream message overhead');
        expect(bundle(fn), fn).toContain('AWS SDK event streams are not bundled');
      }
      const stub = (await import('../../scripts/lambda-no-event-streams.mjs')) as {
        EventStreamSerde: new () => unknown;
        eventStreamSerdeProvider: () => unknown;
      };
      expect(() => new stub.EventStreamSerde()).toThrow(/event streams are not bundled into this function/);
      expect(() => stub.eventStreamSerdeProvider()).toThrow(/event streams are not bundled/);
    });

    it('carries no config schema: functions open the sealed config, only packaging validates it', () => {
      for (const fn of [
        'record-failover',
        'notify',
        'regional-probe',
        'promote-replica',
        'audit-api',
        'write-digest',
      ]) {
        expect(bundle(fn), fn).not.toContain('group names must match');
        expect(bundle(fn), fn).toContain('not a sealed r53-failover config');
      }
    });

    it('does not load node:stream/web at cold start (only middy\u2019s unused streaming path needs it)', () => {
      // Eager would be `var x=require("node:stream/web")` at module scope; the shim's is behind `??=` in a function.
      expect(bundle('record-failover').match(/(?:var |,)[\w$]+=require\("node:stream\/web"\)/)).toBeNull();
      const r = spawnSync(
        process.execPath,
        [
          '-e',
          [
            `require(${JSON.stringify(resolve('dist/record-failover/index.js'))});`,
            "const before = process.moduleLoadList.includes('NativeModule internal/webstreams/readablestream');",
            'process.stdout.write(JSON.stringify({ before }));',
          ].join(''),
        ],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            LEDGER_TABLE: 'ledger',
            R53F_CONFIG_FILE: writeSealedConfig(FIXTURE_CONFIG_YAML, 'fixture'),
            AWS_REGION: 'us-east-1',
          },
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ before: false });
    });
  });
});
