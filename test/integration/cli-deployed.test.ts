import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/main.js';
import { cliIn, runBin } from '../helpers/cli.js';
import { startLocalDynamo } from '../helpers/ledger.js';

// The CLI against a deployed stack: which table, region and credentials the SDK really uses. The binary runs in its own
// process with a controlled environment; its DynamoDB endpoint is a proxy that reads each request's SigV4 credential
// scope (Credential=<access key>/<date>/<region>/<service>/aws4_request: "Create a signed AWS API request", IAM User
// Guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html) and forwards the
// request to dynalite.

const BIN = resolve('bin/r53-failover.mjs');
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

interface Signed {
  accessKeyId?: string;
  region?: string;
  service?: string;
  table?: string;
}

const scopeOf = (headers: IncomingHttpHeaders, body: string): Signed => {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(headers.authorization ?? '');
  return {
    accessKeyId: m?.[1],
    region: m?.[2],
    service: m?.[3],
    table: (JSON.parse(body) as { TableName?: string }).TableName,
  };
};

/** An HTTP proxy on 127.0.0.1 in front of `upstream` that records each request's signing scope and table. */
const startSigningRecorder = async (upstream: string) => {
  const seen: Signed[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push(scopeOf(req.headers, body.toString('utf8')));
      const up = request(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', (err) => res.destroy(err));
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
};

let dynamo: Awaited<ReturnType<typeof startLocalDynamo>>;
let proxy: Awaited<ReturnType<typeof startSigningRecorder>>;
let home: string;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  proxy = await startSigningRecorder(dynamo.endpoint);
  // A home of its own, so the developer's ~/.aws never takes part; the shared files are set explicitly below.
  home = mkdtempSync(join(tmpdir(), 'r53f-aws-'));
  writeFileSync(
    join(home, 'credentials'),
    '[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\n' +
      '[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = ops-secret\n',
  );
  writeFileSync(
    join(home, 'config'),
    '[default]\nregion = ap-southeast-2\n\n' +
      '[profile audit]\nregion = eu-central-1\naws_access_key_id = AKIDAUDIT\naws_secret_access_key = audit-secret\n',
  );
});

afterAll(async () => {
  await proxy?.stop();
  await dynamo?.stop();
});

beforeEach(() => {
  proxy.seen.length = 0;
});

/** The real binary with only the environment given (plus PATH), its DynamoDB endpoint the recording proxy. */
const bin = (args: string[], env: Record<string, string> = {}) =>
  runBin(args, {
    cwd: home,
    env: {
      HOME: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      ...env,
    },
  });

const ENV_KEYS = { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' };
const distinct = (key: keyof Signed) => [...new Set(proxy.seen.map((s) => s[key]))];

describe('r53-failover against a deployed table: table, region and credentials the SDK signs with', () => {
  it('--stage NAME reads r53-failover-NAME-ledger in us-east-1, whatever AWS_REGION says', async () => {
    const res = await bin(['history', '--stage', 'blue'], {
      ...ENV_KEYS,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out).toContain(`no transitions recorded in table r53-failover-blue-ledger at ${proxy.endpoint}`);
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(distinct('table')).toEqual(['r53-failover-blue-ledger']);
    expect(distinct('region')).toEqual(['us-east-1']);
    expect(distinct('service')).toEqual(['dynamodb']);
    expect(distinct('accessKeyId')).toEqual(['AKIDENV']);
  });

  it('--region REGION signs for that region (neither AWS_REGION nor the profile region)', async () => {
    const res = await bin(['status', '--table', 'audit-ledger', '--region', 'eu-west-1'], {
      ...ENV_KEYS,
      AWS_REGION: 'us-west-2',
    });
    expect(res.code).toBe(0);
    expect(distinct('table')).toEqual(['audit-ledger']);
    expect(distinct('region')).toEqual(['eu-west-1']);
  });

  it.each([
    ['ops', 'credentials', 'AKIDOPS'],
    ['audit', 'config', 'AKIDAUDIT'],
  ])(
    '--profile %s signs with that profile from the shared %s file, not the environment keys',
    async (profile, _file, key) => {
      const res = await bin(['history', '--stage', 'blue', '--profile', profile], {
        ...ENV_KEYS,
        AWS_REGION: 'eu-west-1',
      });
      expect(res.err).toBe('');
      expect(res.code).toBe(0);
      expect(distinct('accessKeyId')).toEqual([key]);
      expect(distinct('region')).toEqual(['us-east-1']);
    },
  );

  it('AWS_PROFILE still picks the profile when --profile is not given', async () => {
    const res = await bin(['history', '--stage', 'blue'], { AWS_PROFILE: 'ops' });
    expect(res.code).toBe(0);
    expect(distinct('accessKeyId')).toEqual(['AKIDOPS']);
  });

  it('--profile naming no profile: exit 1 naming it, no request sent, no stack trace', async () => {
    const res = await bin(['history', '--stage', 'blue', '--profile', 'nope'], ENV_KEYS);
    expect(res.code).toBe(1);
    expect(res.err).toContain('r53-failover history: opening table r53-failover-blue-ledger');
    expect(res.err).toContain('profile: [nope]');
    expect(res.err).not.toMatch(/^\s+at /m);
    expect(proxy.seen).toEqual([]);
  });
});

describe('r53-failover ledger flags: usage errors', () => {
  const cli = cliIn();
  const workspace = () => mkdtempSync(join(tmpdir(), 'r53f-cli-flags-'));

  it.each([
    [['history', '--stage', 'blue', '--table', 'x'], '--stage blue and --table x both name the ledger table'],
    [['status', '--stage', 'pr od'], '--stage: expected a stage name (ASCII letters, digits and hyphens'],
    [
      ['stats', '--stage', 'blue', '--region', 'useast1'],
      '--region: expected an AWS region like us-east-1, got "useast1"',
    ],
    [['history', '--region', 'eu-west-1'], '--region is for a DynamoDB table (--table NAME or --stage NAME)'],
    [['export', '--profile', 'ops', '--region', 'eu-west-1'], '--region and --profile are for a DynamoDB table'],
    [['demo', '--stage', 'blue'], "Unknown option '--stage'"],
  ])('exits 2 on %j and opens no ledger', async (argv, message) => {
    const cwd = workspace();
    const res = await cli(cwd, ...argv);
    expect(res.err).toContain(message);
    expect(res.code).toBe(2);
    expect(existsSync(join(cwd, '.r53-failover'))).toBe(false);
  });
});

describe('r53-failover --version and help <command>', () => {
  const cli = cliIn();

  it.each([['--version'], ['-v']])('%s prints the package.json version', async (flag) => {
    expect(await cli(tmpdir(), flag)).toEqual({ code: 0, out: version, err: '' });
  });

  it('the installed binary prints the same version', () => {
    const res = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(res.status).toBe(0);
    expect(res.stdout).toBe(`${version}\n`);
  });

  it('help history prints the history command help, with the deployed-table flags', async () => {
    const res = await cli(tmpdir(), 'help', 'history');
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^r53-failover history \[options\]\n/);
    expect(res.out).toContain('--config, --ledger, --table, --stage, --region, --profile   as for ingest');
    const ingest = await cli(tmpdir(), 'help', 'ingest');
    for (const flag of ['--table NAME', '--stage NAME', '--region REGION', '--profile NAME'])
      expect(ingest.out).toContain(flag);
  });

  it.each(Object.keys(COMMANDS))('help %s is that command\u2019s --help', async (command) => {
    const viaHelp = await cli(tmpdir(), 'help', command);
    const viaFlag = await cli(tmpdir(), command, '--help');
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out.length).toBeGreaterThan(0);
    expect(viaHelp).toEqual(viaFlag);
  });

  it('help alone prints the overview, listing every command and the ledger flags', async () => {
    const res = await cli(tmpdir(), 'help');
    expect(res.code).toBe(0);
    for (const command of Object.keys(COMMANDS)) expect(res.out).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(res.out).toContain('--stage NAME (r53-failover-NAME-ledger), in --region (default us-east-1');
    expect(res.out).toContain('r53-failover --version');
  });

  it.each([
    [['help', 'nope'], 'r53-failover help: unknown command "nope"'],
    [['help', 'history', 'status'], 'r53-failover help: expected one command name'],
  ])('%j exits 2 naming the problem', async (argv, message) => {
    const res = await cli(tmpdir(), ...argv);
    expect(res.code).toBe(2);
    expect(res.err).toContain(message);
    expect(res.out).toBe('');
  });
});
