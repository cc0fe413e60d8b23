import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/file.js';

// The plugin's promote-replica role statements from failover.yml (the whole template is checked in
// promote-template.test.ts): cloudwatch:GetMetricData exactly when something reads a metric.

const require = createRequire(import.meta.url);
const { promotionTargets } = require('../../serverless/plugin/promotion.cjs') as {
  promotionTargets: (config: unknown) => Record<string, string[]>;
};
const { grantPromotion } = require('../../serverless/plugin/iam.cjs') as {
  grantPromotion: (
    fn: { iamRoleStatements?: { Sid?: string; Action: string[]; Resource: unknown[] }[] },
    t: unknown,
  ) => void;
};

const statementsFor = (mode: string) => {
  const config = parseConfigText(
    `version: 1
groups:
  orders-api:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.example.com.
    primary: { region: us-east-1, healthCheckId: 11111111-2222-3333-4444-555555555555 }
    secondary: { region: us-west-2, healthCheckId: 66666666-7777-8888-9999-000000000000 }
    promotion:
      mode: ${mode}
      hooks:
        - { type: webhook, url: "https://hooks.example.com/promote", secretSsmParameter: /r53-failover/promote-hmac }
`,
    'iam.yml',
  );
  const fn: Parameters<typeof grantPromotion>[0] = {};
  grantPromotion(fn, promotionTargets(config));
  return fn.iamRoleStatements ?? [];
};

describe('promote-replica role: cloudwatch:GetMetricData', () => {
  it('mode auto reads the primary HealthCheckStatus: GetMetricData on "*" (it has no resource-level permissions)', () => {
    expect(statementsFor('auto').filter((s) => s.Action.includes('cloudwatch:GetMetricData'))).toEqual([
      { Sid: 'ReadPromotionMetrics', Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
    ]);
  });

  it('a webhook hook in mode approve reads no metric: no GetMetricData, and nothing on "*"', () => {
    const statements = statementsFor('approve');
    expect(statements.map((s) => s.Sid)).toEqual(['ReadPromotionSecrets', 'DecryptPromotionSecretsViaSsm']);
    expect(statements.filter((s) => s.Resource.includes('*'))).toEqual([]);
  });
});
