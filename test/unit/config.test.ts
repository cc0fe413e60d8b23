import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { EMPTY_CONFIG, parseConfig } from '../../shared/config/schema.js';
import { loadConfigFile, parseConfigText } from '../../shared/config/file.js';
import { ConfigError } from '../../shared/support/errors.js';
import { FIXTURE_CONFIG_YAML, PRIMARY_HC, SECONDARY_HC } from '../helpers/events.js';
import { errorOf } from '../helpers/errors.js';
import { indexHealthChecks, probeSettingsFor } from '../../shared/config/lookups.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The minimum from ../shared/DESIGN.md ("This minimum must stay accepted"), verbatim. */
const DESIGN_MINIMUM = `version: 1
groups:
  orders-api:                          # group name: [a-z0-9-]+
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: api.example.com.
    recordType: A                      # default A
    primary:
      region: us-east-1
      healthCheckId: 11111111-2222-3333-4444-555555555555
      endpoint: https://api-use1.example.com/healthz   # optional; probes use it
    secondary:
      region: us-west-2
      healthCheckId: 66666666-7777-8888-9999-000000000000
      endpoint: https://api-usw2.example.com/healthz
notify:
  slack:
    webhookUrl: http://127.0.0.1:8080/hook          # local runs and tests only
    webhookSsmParameter: /r53-failover/slack-webhook # deployed stacks (SecureString)
`;

/** DESIGN_MINIMUM with `from` replaced; throws when `from` is absent so a variant can never silently equal the original. */
const variant = (from: string | RegExp, to: string): string => {
  const out = DESIGN_MINIMUM.replace(from, to);
  if (out === DESIGN_MINIMUM) throw new Error(`variant: ${String(from)} not found in the DESIGN.md minimum`);
  return out;
};

const configErrorOf = (text: string): Error => {
  const err = errorOf(() => parseConfigText(text, 'failover.yml'));
  expect(err).toBeInstanceOf(ConfigError);
  return err;
};

const groupOf = (text: string, name = 'orders-api') => {
  const group = parseConfigText(text, 'failover.yml').groups[name];
  if (!group) throw new Error(`group ${name} missing from the parsed config`);
  return group;
};

describe('parseConfigText: accepted', () => {
  it('accepts the DESIGN.md minimum, notify.slack block included', () => {
    // Arrange
    const text = DESIGN_MINIMUM;
    // Act
    const config = parseConfigText(text, 'failover.yml');
    // Assert
    expect(config).toEqual({
      version: 1,
      groups: {
        'orders-api': {
          hostedZoneId: 'Z0123456789ABCDEFGHIJ',
          recordName: 'api.example.com.',
          recordType: 'A',
          primary: {
            region: 'us-east-1',
            healthCheckId: '11111111-2222-3333-4444-555555555555',
            endpoint: 'https://api-use1.example.com/healthz',
          },
          secondary: {
            region: 'us-west-2',
            healthCheckId: '66666666-7777-8888-9999-000000000000',
            endpoint: 'https://api-usw2.example.com/healthz',
          },
        },
      },
      notify: {
        slack: {
          webhookUrl: 'http://127.0.0.1:8080/hook',
          webhookSsmParameter: '/r53-failover/slack-webhook',
          // Public targets only unless the channel says otherwise (the SSRF guard of every outbound request).
          allowPrivateTargets: false,
        },
        // Notification defaults (issue 3): reminders every 30 min, no-data after 10 min, flapping = 3rd transition in 10 min.
        webhooks: [],
        reminderMinutes: 30,
        noDataMinutes: 10,
        flap: { transitions: 3, windowMinutes: 10, holdMinutes: 10 },
      },
    });
  });

  it('defaults recordType to A', () => {
    // Arrange
    const text = variant(/ {4}recordType: A .*\n/, '');
    // Act
    const group = groupOf(text);
    // Assert
    expect(group.recordType).toBe('A');
  });

  it('keeps an explicit recordType', () => {
    // Arrange
    const text = variant('recordType: A', 'recordType: AAAA');
    // Act
    const group = groupOf(text);
    // Assert
    expect(group.recordType).toBe('AAAA');
  });

  it('adds the trailing dot to a record name written without it', () => {
    // Arrange
    const text = variant('recordName: api.example.com.', 'recordName: api.example.com');
    // Act
    const group = groupOf(text);
    // Assert
    expect(group.recordName).toBe('api.example.com.');
  });

  it('strips a /hostedzone/ prefix from the hosted zone id', () => {
    // Arrange
    const text = variant('hostedZoneId: Z0123456789ABCDEFGHIJ', 'hostedZoneId: /hostedzone/Z0123456789ABCDEFGHIJ');
    // Act
    const group = groupOf(text);
    // Assert
    expect(group.hostedZoneId).toBe('Z0123456789ABCDEFGHIJ');
  });

  it('lower-cases health check ids', () => {
    // Arrange
    const text = variant(
      'healthCheckId: 66666666-7777-8888-9999-000000000000',
      'healthCheckId: ABCDEF00-7777-8888-9999-000000000000',
    );
    // Act
    const group = groupOf(text);
    // Assert
    expect(group.secondary.healthCheckId).toBe('abcdef00-7777-8888-9999-000000000000');
  });

  it('accepts failover.example.yml from the repository root', () => {
    // Arrange
    const text = readFileSync(join(REPO_ROOT, 'failover.example.yml'), 'utf8');
    // Act
    const config = parseConfigText(text, 'failover.example.yml');
    // Assert
    expect(Object.keys(config.groups)).toEqual(['orders-api', 'inventory']);
    expect(config.groups.inventory?.recordType).toBe('A');
  });

  it('accepts the fixture config the event samples are written against', () => {
    // Arrange
    const text = FIXTURE_CONFIG_YAML;
    // Act
    const group = groupOf(text);
    // Assert
    expect([group.primary.healthCheckId, group.secondary.healthCheckId]).toEqual([PRIMARY_HC, SECONDARY_HC]);
  });

  it('parseConfig accepts an already-parsed object with no groups', () => {
    // Arrange
    const input = { version: 1 };
    // Act
    const config = parseConfig(input);
    // Assert
    expect(config).toEqual({ version: 1, groups: {} });
  });
});

describe('parseConfigText: rejected', () => {
  it('rejects region useast1 naming the field and the expected form', () => {
    // Arrange
    const text = variant('region: us-east-1', 'region: useast1');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toBe(
      'failover.yml: groups.orders-api.primary.region: expected an AWS region like us-east-1, got "useast1"',
    );
  });

  it('defaults promotion.maxAttempts to 5 and rejects 0 naming the field, the value and the range', () => {
    // Arrange
    const promotion = (extra: string) =>
      variant(
        '      endpoint: https://api-usw2.example.com/healthz\n',
        `      endpoint: https://api-usw2.example.com/healthz\n    promotion:\n${extra}      hooks: [{ type: lambda, functionArn: "arn:aws:lambda:us-west-2:123456789012:function:promote" }]\n`,
      );
    // Act
    const err = configErrorOf(promotion('      maxAttempts: 0\n'));
    // Assert
    expect(groupOf(promotion('')).promotion?.maxAttempts).toBe(5);
    expect(err.message).toBe('failover.yml: groups.orders-api.promotion.maxAttempts: expected 1 to 20 attempts, got 0');
  });

  it('defaults probes.servingMismatchSeconds to 600, takes a group override, and rejects 0 naming the field', () => {
    // Arrange
    const withProbes = (top: string, own = '') =>
      variant('notify:\n', `${own ? `    probeSettings: { ${own} }\n` : ''}probes:\n  ${top}\nnotify:\n`);
    // Act
    const err = configErrorOf(withProbes('servingMismatchSeconds: 0'));
    // Assert
    expect(probeSettingsFor(parseConfigText(DESIGN_MINIMUM, 'failover.yml'), 'orders-api').servingMismatchSeconds).toBe(
      600,
    );
    expect(
      probeSettingsFor(parseConfigText(withProbes('servingMismatchSeconds: 900'), 'failover.yml'), 'orders-api')
        .servingMismatchSeconds,
    ).toBe(900);
    expect(
      probeSettingsFor(
        parseConfigText(withProbes('servingMismatchSeconds: 900', 'servingMismatchSeconds: 300'), 'failover.yml'),
        'orders-api',
      ).servingMismatchSeconds,
    ).toBe(300);
    expect(err.message).toBe(
      'failover.yml: probes.servingMismatchSeconds: expected a whole number of seconds (1 or more), got 0',
    );
  });

  it('takes name servers by host name or address in probes.dnsResolvers, and rejects a URL naming the field', () => {
    // Arrange
    const resolvers = (list: string) => variant('notify:\n', `probes:\n  dnsResolvers: ${list}\nnotify:\n`);
    const names = '[ns-2048.awsdns-64.com, "ns-1536.awsdns-00.co.uk.", "192.0.2.53:5353", "[2001:db8::53]:53"]';
    // Act
    const config = parseConfigText(resolvers(names), 'failover.yml');
    const err = configErrorOf(resolvers('["udp://ns-2048.awsdns-64.com"]'));
    // Assert
    expect(probeSettingsFor(config, 'orders-api').dnsResolvers).toEqual([
      'ns-2048.awsdns-64.com',
      'ns-1536.awsdns-00.co.uk.',
      '192.0.2.53:5353',
      '[2001:db8::53]:53',
    ]);
    expect(err.message).toBe(
      'failover.yml: probes.dnsResolvers[0]: expected a resolver: an IP or a host name, optionally with :port (192.0.2.53, [2001:db8::53]:53, ns-2048.awsdns-64.com), got "udp://ns-2048.awsdns-64.com"',
    );
  });

  it('rejects a malformed health check id naming the field', () => {
    // Arrange
    const text = variant('healthCheckId: 66666666-7777-8888-9999-000000000000', 'healthCheckId: hc-secondary');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toBe(
      'failover.yml: groups.orders-api.secondary.healthCheckId: expected a Route 53 health check id like 11111111-2222-3333-4444-555555555555, got "hc-secondary"',
    );
  });

  it('rejects a malformed hosted zone id naming the field', () => {
    // Arrange
    const text = variant('hostedZoneId: Z0123456789ABCDEFGHIJ', 'hostedZoneId: example.com');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toBe(
      'failover.yml: groups.orders-api.hostedZoneId: expected a hosted zone id like Z0123456789ABCDEFGHIJ, got "example.com"',
    );
  });

  it('rejects the group name Orders_API naming the group', () => {
    // Arrange
    const text = variant('  orders-api:', '  Orders_API:');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toMatch(/^failover\.yml: groups\.Orders_API: /);
  });

  // Source bug: a failing z.record key schema yields an `invalid_key` issue whose own message is zod/mini's bare
  // "Invalid input"; the schema's "group names must match [a-z0-9-]+" message sits in `issue.issues` and
  // formatIssues never reads it, so the user is not told what a group name must look like.
  it('says what a group name must match when Orders_API is rejected', () => {
    // Arrange
    const text = variant('  orders-api:', '  Orders_API:');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toContain('groups.Orders_API: group names must match [a-z0-9-]+');
  });

  it('rejects an unknown key (typo heathCheckId) naming the key', () => {
    // Arrange
    const text = variant('healthCheckId: 11111111', 'heathCheckId: 11111111');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toContain('groups.orders-api.primary: unknown key "heathCheckId"');
  });

  it('rejects a group without secondary naming the member', () => {
    // Arrange
    const text = variant(/ {4}secondary:\n( {6}.*\n)+/, '');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toMatch(/^failover\.yml: groups\.orders-api\.secondary: /);
  });

  // Source bug: zod/mini loads no locale, so a missing key's issue message is "Invalid input"; formatIssues' rewrite
  // to "is required" matches /received undefined$/ (the English locale's wording) and never fires.
  it('says secondary is required when a group has none', () => {
    // Arrange
    const text = variant(/ {4}secondary:\n( {6}.*\n)+/, '');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toContain('groups.orders-api.secondary: is required');
  });

  it('rejects version 2', () => {
    // Arrange
    const text = variant('version: 1', 'version: 2');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toBe('failover.yml: version: expected 1 (the only config version), got 2');
  });

  it('rejects the same health check in two members naming both places', () => {
    // Arrange
    const text = variant(
      'healthCheckId: 66666666-7777-8888-9999-000000000000',
      'healthCheckId: 11111111-2222-3333-4444-555555555555',
    );
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toContain(
      'groups.orders-api.secondary.healthCheckId: health check 11111111-2222-3333-4444-555555555555 is already used by groups.orders-api.primary',
    );
  });

  it('rejects the same health check in two groups even when written in another case', () => {
    // Arrange
    const second = `  billing:
    hostedZoneId: Z0123456789ABCDEFGHIJ
    recordName: billing.example.com.
    primary:
      region: eu-west-1
      healthCheckId: 11111111-2222-3333-4444-AAAAAAAAAAAA
    secondary:
      region: eu-central-1
      healthCheckId: 66666666-7777-8888-9999-000000000000
`;
    const text = variant('notify:\n', `${second}notify:\n`);
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toContain(
      'groups.billing.secondary.healthCheckId: health check 66666666-7777-8888-9999-000000000000 is already used by groups.orders-api.secondary',
    );
  });

  it('rejects the reserved group name unassigned', () => {
    // Arrange
    const text = variant('  orders-api:', '  unassigned:');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toBe('failover.yml: groups.unassigned: "unassigned" is reserved for health checks in no group');
  });

  it('reports the line number of invalid YAML', () => {
    // Arrange: line 5 is indented one column short of its siblings
    const text =
      'version: 1\ngroups:\n  orders-api:\n    hostedZoneId: Z0123456789ABCDEFGHIJ\n   recordName: api.example.com.\n';
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toMatch(/^failover\.yml: not valid YAML \(line 5, column \d+\): /);
  });

  it('reports a duplicate key as invalid YAML with its line', () => {
    // Arrange
    const text = variant('version: 1\n', 'version: 1\nversion: 1\n');
    // Act
    const err = configErrorOf(text);
    // Assert
    expect(err.message).toMatch(/^failover\.yml: not valid YAML \(line 2, column \d+\): Map keys must be unique/);
  });

  it('prefixes parseConfig errors with the source it is given', () => {
    // Arrange
    const input = { version: 1, groups: {}, extra: true };
    // Act
    const err = errorOf(() => parseConfig(input, 'R53F_CONFIG'));
    // Assert
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('R53F_CONFIG: (root): unknown key "extra"');
  });

  it('rejects a notify webhook with neither url nor urlSsmParameter, naming it', () => {
    // Arrange
    const input = { version: 1, notify: { webhooks: [{ name: 'ops', secretSsmParameter: '/r53f/ops-secret' }] } };
    // Act
    const err = errorOf(() => parseConfig(input, 'failover.yml'));
    // Assert
    expect(err.message).toBe(
      'failover.yml: notify.webhooks[0]: needs url or urlSsmParameter (an SSM SecureString holding the URL, when it carries a token)',
    );
  });

  it('rejects a urlSsmParameter that is not an SSM parameter name', () => {
    // Arrange
    const input = {
      version: 1,
      notify: { webhooks: [{ name: 'ops', urlSsmParameter: 'ops-url', secret: 'x'.repeat(16) }] },
    };
    // Act
    const err = errorOf(() => parseConfig(input, 'failover.yml'));
    // Assert
    expect(err.message).toBe(
      'failover.yml: notify.webhooks[0].urlSsmParameter: expected an SSM parameter name starting with "/", got "ops-url"',
    );
  });
});

describe('loadConfigFile', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'r53f-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('throws when an explicit path does not exist', () => {
    // Arrange
    const explicit = 'missing.yml';
    // Act
    const err = errorOf(() => loadConfigFile(explicit, dir));
    // Assert
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('missing.yml: config file not found');
  });

  it('returns the empty config when no path is given and the directory has no failover.yml', () => {
    // Arrange: an empty directory
    // Act
    const loaded = loadConfigFile(undefined, dir);
    // Assert
    expect(loaded).toEqual({ config: EMPTY_CONFIG });
    expect(loaded.path).toBeUndefined();
  });

  it('reads an explicit path relative to the directory and returns its absolute path', () => {
    // Arrange
    const explicit = 'failover.example.yml';
    // Act
    const loaded = loadConfigFile(explicit, REPO_ROOT);
    // Assert
    expect(loaded.path).toBe(join(REPO_ROOT, 'failover.example.yml'));
    expect(Object.keys(loaded.config.groups)).toEqual(['orders-api', 'inventory']);
  });
});

describe('indexHealthChecks', () => {
  it('maps every health check id to its group, role and region', () => {
    // Arrange
    const config = parseConfigText(
      readFileSync(join(REPO_ROOT, 'failover.example.yml'), 'utf8'),
      'failover.example.yml',
    );
    // Act
    const index = indexHealthChecks(config);
    // Assert
    expect(Object.fromEntries(index)).toEqual({
      [PRIMARY_HC]: { group: 'orders-api', role: 'primary', region: 'us-east-1' },
      [SECONDARY_HC]: { group: 'orders-api', role: 'secondary', region: 'us-west-2' },
      '0b5e2f8a-3c1d-4e6f-9a7b-2d4c6e8f0a1b': { group: 'inventory', role: 'primary', region: 'eu-west-1' },
      '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d': { group: 'inventory', role: 'secondary', region: 'eu-central-1' },
    });
  });

  it('is empty for the empty config', () => {
    // Arrange
    const config = EMPTY_CONFIG;
    // Act
    const index = indexHealthChecks(config);
    // Assert
    expect(index.size).toBe(0);
  });

  it('keys on the lower-cased id so an alarm dimension in lower case finds a member written in upper case', () => {
    // Arrange
    const config = parseConfigText(
      variant(
        'healthCheckId: 66666666-7777-8888-9999-000000000000',
        'healthCheckId: ABCDEF00-7777-8888-9999-000000000000',
      ),
      'failover.yml',
    );
    // Act
    const index = indexHealthChecks(config);
    // Assert
    expect(index.get('abcdef00-7777-8888-9999-000000000000')).toEqual({
      group: 'orders-api',
      role: 'secondary',
      region: 'us-west-2',
    });
  });
});
