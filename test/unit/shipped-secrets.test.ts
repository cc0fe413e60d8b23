// The deploy plugin's secret handling without a `serverless package` run: what is stripped from the shipped config,
// what is refused, and which SSM parameters the notify and promote-replica roles may read.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseConfig, type FailoverConfig } from '../../shared/config/schema.js';

const require = createRequire(import.meta.url);
const { withoutLocalSecrets } = require('../../serverless/plugin/shipped-config.cjs') as {
  withoutLocalSecrets: (
    c: FailoverConfig,
    o: { error: (m: string) => Error; log: { notice(m: string): void } },
  ) => FailoverConfig;
};
const { grantNotifySecrets } = require('../../serverless/plugin/iam.cjs') as {
  grantNotifySecrets: (functions: Record<string, { iamRoleStatements?: unknown[] }>, c: FailoverConfig) => void;
};
const { promotionTargets } = require('../../serverless/plugin/promotion.cjs') as {
  promotionTargets: (c: FailoverConfig) => { secrets: string[] };
};

const TOKEN_URL = 'https://hooks.example.com/r53f?token=T0K3N0123456789';
const HC = ['11111111-2222-3333-4444-555555555555', '66666666-7777-8888-9999-000000000000'];

const config = (webhook: Record<string, unknown>, hook: Record<string, unknown> = webhook): FailoverConfig =>
  parseConfig({
    version: 1,
    groups: {
      orders: {
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        recordName: 'api.example.com.',
        primary: { region: 'us-east-1', healthCheckId: HC[0] },
        secondary: { region: 'us-west-2', healthCheckId: HC[1] },
        promotion: { hooks: [{ type: 'webhook', secretSsmParameter: '/r53f/hook-secret', ...hook }] },
      },
    },
    notify: { webhooks: [{ name: 'ops', secretSsmParameter: '/r53f/ops-secret', ...webhook }] },
  });

const notices: string[] = [];
const ship = (c: FailoverConfig) =>
  withoutLocalSecrets(c, { error: (m) => new Error(m), log: { notice: (m) => void notices.push(m) } });

describe('the shipped config', () => {
  it('drops a webhook URL that lives in SSM (urlSsmParameter), keeping the parameter name', () => {
    // Act
    const shipped = ship(config({ url: TOKEN_URL, urlSsmParameter: '/r53f/ops-url' }));
    // Assert
    expect(shipped.notify?.webhooks[0]).toEqual({
      name: 'ops',
      urlSsmParameter: '/r53f/ops-url',
      secretSsmParameter: '/r53f/ops-secret',
      allowPrivateTargets: false,
    });
    expect(shipped.groups.orders?.promotion?.hooks[0]).not.toHaveProperty('url');
    expect(JSON.stringify(shipped)).not.toContain('T0K3N');
    expect(notices).toContain(
      'r53-failover: notify.webhooks[0] (ops).url is not shipped to Lambda; deployed stacks use urlSsmParameter',
    );
  });

  it('ships a URL without a token as it is', () => {
    expect(ship(config({ url: 'https://hooks.example.com/r53f' })).notify?.webhooks[0]?.url).toBe(
      'https://hooks.example.com/r53f',
    );
  });

  it.each([
    ['a query string', TOKEN_URL],
    ['credentials', 'https://user:pa55w0rd@hooks.example.com/r53f'],
  ])('refuses a URL with %s and no urlSsmParameter, naming the field and not the URL', (_what, url) => {
    // Act
    const attempt = () => ship(config({ url }, { url: 'https://hooks.example.com/promote' }));
    // Assert
    expect(attempt).toThrow(/^r53-failover: notify\.webhooks\[0\] \(ops\)\.url carries a query string or credentials/);
    expect(attempt).not.toThrow(/T0K3N|pa55w0rd/);
  });

  it('refuses a promotion webhook hook URL with a token and no urlSsmParameter', () => {
    expect(() => ship(config({ url: 'https://hooks.example.com/ok' }, { url: TOKEN_URL }))).toThrow(
      'groups.orders.promotion.hooks[0] (webhook).url carries a query string or credentials',
    );
  });
});

describe('the roles may read the URL parameters', () => {
  it('notify: every webhook urlSsmParameter beside its secret', () => {
    // Arrange
    const functions: Record<string, { iamRoleStatements?: unknown[] }> = { notify: {} };
    // Act
    grantNotifySecrets(functions, config({ urlSsmParameter: '/r53f/ops-url' }));
    // Assert
    const statements = (functions.notify?.iamRoleStatements ?? []) as {
      Sid: string;
      Resource: { 'Fn::Sub': string }[];
    }[];
    const read = statements.find((s) => s.Sid === 'ReadNotifySecrets');
    expect(read?.Resource.map((r) => r['Fn::Sub'].split(':parameter/')[1])).toEqual([
      'r53f/ops-url',
      'r53f/ops-secret',
    ]);
  });

  it('promote-replica: a webhook hook urlSsmParameter beside its secret', () => {
    expect(
      promotionTargets(config({ url: 'https://h.example.com/x' }, { urlSsmParameter: '/r53f/hook-url' })).secrets,
    ).toEqual(['/r53f/hook-url', '/r53f/hook-secret']);
  });
});

const FLOW_URL =
  'https://prod-00.westus.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=S1GNATURE0123456789';
const TEAMS_PARAM = '/r53-failover/teams-webhook';
const teamsConfig = (teams: Record<string, unknown>): FailoverConfig =>
  parseConfig({ version: 1, groups: {}, notify: { teams } });

describe('deploying notify.teams', () => {
  it('ships the parameter name and never the URL', () => {
    // Act
    const shipped = ship(teamsConfig({ webhookUrl: FLOW_URL, webhookUrlSsmParameter: TEAMS_PARAM }));
    // Assert
    expect(shipped.notify?.teams).toEqual({ webhookUrlSsmParameter: TEAMS_PARAM, allowPrivateTargets: false });
    expect(JSON.stringify(shipped)).not.toContain('S1GNATURE');
    expect(notices).toContain(
      'r53-failover: notify.teams.webhookUrl is not shipped to Lambda; deployed stacks use webhookUrlSsmParameter',
    );
  });

  it('refuses a Teams channel that has only the local URL, without showing it', () => {
    // Act
    const attempt = () => ship(teamsConfig({ webhookUrl: FLOW_URL }));
    // Assert
    expect(attempt).toThrow(
      /^r53-failover: notify\.teams has webhookUrl \(a local-only value\) but no webhookUrlSsmParameter/,
    );
    expect(attempt).not.toThrow(/S1GNATURE/);
  });

  it('lets the notify role read exactly the Teams parameter', () => {
    // Arrange
    const functions: Record<string, { iamRoleStatements?: unknown[] }> = { notify: {} };
    // Act
    grantNotifySecrets(functions, teamsConfig({ webhookUrlSsmParameter: TEAMS_PARAM }));
    // Assert
    const statements = (functions.notify?.iamRoleStatements ?? []) as {
      Sid: string;
      Action: string[];
      Resource: { 'Fn::Sub': string }[];
    }[];
    const read = statements.find((s) => s.Sid === 'ReadNotifySecrets');
    expect(read?.Action).toEqual(['ssm:GetParameter']);
    expect(read?.Resource.map((r) => r['Fn::Sub'])).toEqual([
      `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${TEAMS_PARAM}`,
    ]);
  });
});
