import { describe, expect, it } from 'vitest';
import { loadNotifyEnv, loadProbeEnv, loadPromoteEnv, loadLedgerEnv } from '../../shared/config/env.js';
import { ConfigError } from '../../shared/support/errors.js';

describe('function environments (read once at cold start)', () => {
  it('names a missing or short LEDGER_TABLE, for every function', () => {
    for (const load of [loadLedgerEnv, loadNotifyEnv, loadPromoteEnv, loadProbeEnv]) {
      expect(() => load({ AWS_REGION: 'us-east-1' })).toThrow(ConfigError);
      expect(() => load({ AWS_REGION: 'us-east-1' })).toThrow(/LEDGER_TABLE: is required \(the ledger table name\)$/);
      expect(() => load({ LEDGER_TABLE: 'ab', AWS_REGION: 'us-east-1' })).toThrow(
        /LEDGER_TABLE: is required \(the ledger table name, 3\+ characters\)/,
      );
    }
  });

  it('fills the defaults', () => {
    expect(loadLedgerEnv({ LEDGER_TABLE: 'ledger' })).toEqual({
      LEDGER_TABLE: 'ledger',
      R53F_CONFIG_FILE: 'dist/config/failover.json',
    });
    expect(loadNotifyEnv({ LEDGER_TABLE: 'ledger' }).SECRET_CACHE_SECONDS).toBe(300);
    expect(loadProbeEnv({ LEDGER_TABLE: 'ledger', AWS_REGION: 'eu-west-1' })).toMatchObject({
      LEDGER_REGION: 'us-east-1',
      PROBE_REGION: 'eu-west-1',
      ROUND_BUDGET_MS: 12_000,
      PROBE_CONCURRENCY: 8,
    });
  });

  it('notify: rejects a topic that is not an ARN and a dead-letter queue that is not a URL, naming each', () => {
    expect(() => loadNotifyEnv({ LEDGER_TABLE: 'ledger', NOTIFY_TOPIC_ARN: 'alerts' })).toThrow(
      /NOTIFY_TOPIC_ARN: expected an SNS topic ARN/,
    );
    expect(() => loadNotifyEnv({ LEDGER_TABLE: 'ledger', DEAD_LETTER_QUEUE_URL: 'dlq' })).toThrow(
      /DEAD_LETTER_QUEUE_URL: expected an SQS queue URL/,
    );
    expect(() => loadNotifyEnv({ LEDGER_TABLE: 'ledger', SECRET_CACHE_SECONDS: '-1' })).toThrow(/SECRET_CACHE_SECONDS/);
  });

  it('probe: PROBE_REGION wins over AWS_REGION, and one of them is required', () => {
    expect(
      loadProbeEnv({ LEDGER_TABLE: 'ledger', PROBE_REGION: 'us-west-2', AWS_REGION: 'eu-west-1' }).PROBE_REGION,
    ).toBe('us-west-2');
    expect(() => loadProbeEnv({ LEDGER_TABLE: 'ledger' })).toThrow(
      /PROBE_REGION: is required \(set PROBE_REGION or AWS_REGION\)$/,
    );
    expect(() => loadProbeEnv({ LEDGER_TABLE: 'ledger', AWS_REGION: 'us-east-1', ROUND_BUDGET_MS: '0' })).toThrow(
      /ROUND_BUDGET_MS/,
    );
  });
});
