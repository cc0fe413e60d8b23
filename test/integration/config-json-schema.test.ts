import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ingestConfigYaml } from '../../local/replay-events.js';
import { syntheticConfigYaml } from '../../local/synthetic-config.js';
import { CONFIG_JSON_SCHEMA_FILE, configJsonSchemaText } from '../../shared/config/json-schema.js';
import { parseConfig } from '../../shared/config/schema.js';
import { cliIn } from '../helpers/cli.js';
import { FIXTURE_CONFIG_YAML } from '../helpers/events.js';

// failover.schema.json (written by the build that vitest's global setup runs) judged by an off-the-shelf validator,
// ajv on draft 2020-12, beside the zod schema it is generated from: the same verdict on every config below, except
// the cross-field rules only zod checks, which README.md lists as checked when the file is loaded.

// biome-ignore lint/suspicious/noExplicitAny: the mutations below reach into parsed YAML at any depth
type Config = Record<string, any>;

const ROOT = resolve('.');
const EXAMPLE_FILE = join(ROOT, 'failover.example.yml');
const exampleText = readFileSync(EXAMPLE_FILE, 'utf8');
const example = parse(exampleText) as Config;
const schemaFile = join(ROOT, CONFIG_JSON_SCHEMA_FILE);
const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

const zodAccepts = (config: unknown) => {
  try {
    parseConfig(config);
    return { ok: true, message: '' };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
};
const ajvAccepts = (config: unknown) => ({ ok: validate(config), errors: validate.errors ?? [] });

/** The example with `change` applied to a deep copy. */
const mutated = (change: (c: Config) => void): Config => {
  const copy = structuredClone(example);
  change(copy);
  return copy;
};
const orders = (c: Config) => c.groups['orders-api'];

describe('failover.schema.json', () => {
  it('is what the build writes from the zod schema, and what `r53-failover schema` prints', async () => {
    // Act
    const printed = await cliIn()(tmpdir(), 'schema');
    // Assert
    expect(readFileSync(schemaFile, 'utf8')).toBe(configJsonSchemaText());
    expect(printed.code).toBe(0);
    expect(`${printed.out}`).toBe(configJsonSchemaText());
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('is what the example\u2019s first line points editors at', () => {
    const first = exampleText.split('\n')[0] ?? '';
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, first).not.toBeNull();
    expect(resolve(dirname(EXAMPLE_FILE), m?.[1] ?? '')).toBe(schemaFile);
    expect(existsSync(schemaFile)).toBe(true);
  });

  it('rejects unknown keys in every object (additionalProperties: false)', () => {
    const open: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) {
        for (const [i, n] of node.entries()) walk(n, `${at}/${i}`);
        return;
      }
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.type === 'object' && o.properties && o.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
    };
    walk(schema, '#');
    expect(open).toEqual([]);
  });

  // Editors bound to draft-07 (VS Code's YAML extension validates with draft-07 semantics) check all of it.
  it('uses only keywords draft-07 has too', () => {
    const DRAFT7 = new Set(
      '$schema title description default type properties required additionalProperties propertyNames items enum const pattern format minLength maxLength minimum maximum exclusiveMinimum exclusiveMaximum minItems maxItems uniqueItems oneOf anyOf allOf not multipleOf'.split(
        ' ',
      ),
    );
    const used = new Set<string>();
    const walk = (node: unknown, keysAreNames = false) => {
      if (Array.isArray(node)) {
        for (const n of node) walk(n);
        return;
      }
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (!keysAreNames) used.add(k);
        if (k === 'default' || k === 'const' || k === 'enum') continue;
        walk(v, !keysAreNames && k === 'properties');
      }
    };
    walk(schema);
    expect([...used].filter((k) => !DRAFT7.has(k))).toEqual([]);
  });
});

describe('failover.schema.json and the zod schema agree', () => {
  const accepted: [string, Config][] = [
    ['failover.example.yml', example],
    ['the test fixture config', parse(FIXTURE_CONFIG_YAML)],
    ['a synthetic 6-group config', parse(syntheticConfigYaml(6))],
    ['groups with promotion (dry-run, lambda hook)', parse(ingestConfigYaml(3, { promotion: true }))],
    ['no groups at all', { version: 1 }],
    [
      'a record name in capitals without the trailing dot',
      mutated((c) => (orders(c).recordName = 'API.Orders.Example.COM')),
    ],
    [
      'a hosted zone id with the /hostedzone/ prefix',
      mutated((c) => (orders(c).hostedZoneId = '/hostedzone/Z0123456789ABCDEFGHIJ')),
    ],
    [
      'a secondary judged by its load balancer\u2019s target health',
      mutated((c) => {
        delete orders(c).secondary.healthCheckId;
        orders(c).secondary.targetHealth = {
          targetGroupArns: [
            'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/orders-usw2/0123456789abcdef',
          ],
        };
      }),
    ],
    [
      'a secondary with no health check',
      mutated((c) => {
        delete orders(c).secondary.healthCheckId;
        orders(c).secondary.healthCheck = 'none';
      }),
    ],
    ['an upper-case URL scheme', mutated((c) => (orders(c).runbookUrl = 'HTTPS://wiki.example.com/runbook'))],
    [
      'probes with every status form',
      mutated((c) => {
        orders(c).primary.probes = [
          {
            type: 'http',
            name: 'deep',
            expectStatus: [200, '2xx', '200-299'],
            jsonPath: { path: '$.db', equals: 'up' },
          },
          { type: 'tcp', name: 'db', host: 'db.example.com', port: 5432 },
        ];
      }),
    ],
  ];

  it.each(accepted)('both accept %s', (_name, config) => {
    const z = zodAccepts(config);
    const a = ajvAccepts(config);
    expect(z.message).toBe('');
    expect(a.errors).toEqual([]);
    expect([z.ok, a.ok]).toEqual([true, true]);
  });

  /** [what, config, the JSON pointer ajv names, the path zod names] */
  const rejected: [string, Config, string, string][] = [
    ['a typo\u2019d top-level key', mutated((c) => (c.notfiy = c.notify)), '', 'notfiy'],
    [
      'a typo\u2019d member key',
      mutated((c) => (orders(c).secondary.heathCheckId = 'x')),
      '/groups/orders-api/secondary',
      'heathCheckId',
    ],
    [
      'a typo\u2019d key in notify.slack',
      mutated((c) => (c.notify.slack.webhookURL = 'https://hooks.slack.com/x')),
      '/notify/slack',
      'webhookURL',
    ],
    [
      'a typo\u2019d key in a promotion hook',
      mutated((c) => (orders(c).promotion.hooks[1].functionArm = 'arn')),
      '/groups/orders-api/promotion/hooks/1',
      'functionArm',
    ],
    [
      'a bad region',
      mutated((c) => (orders(c).primary.region = 'useast1')),
      '/groups/orders-api/primary/region',
      'region',
    ],
    [
      'a number where a string goes',
      mutated((c) => (orders(c).primary.healthCheckId = 42)),
      '/groups/orders-api/primary/healthCheckId',
      'healthCheckId',
    ],
    [
      'a string where a number goes',
      mutated((c) => (orders(c).promotion.holdDownSeconds = '120')),
      '/groups/orders-api/promotion/holdDownSeconds',
      'holdDownSeconds',
    ],
    ['a list where a map goes', mutated((c) => (c.groups = [])), '/groups', 'groups'],
    [
      'a fraction where a whole number goes',
      mutated((c) => (c.probes.quorum.required = 2.5)),
      '/probes/quorum/required',
      'required',
    ],
    ['an unquoted account id (a number)', mutated((c) => (c.accountId = 123456789012)), '/accountId', 'accountId'],
    ['version missing', mutated((c) => delete c.version), '', 'version'],
    ['a member missing', mutated((c) => delete orders(c).primary), '/groups/orders-api', 'primary'],
    ['a hosted zone id missing', mutated((c) => delete orders(c).hostedZoneId), '/groups/orders-api', 'hostedZoneId'],
    ['version 2', mutated((c) => (c.version = 2)), '/version', 'version'],
    [
      'an unknown record type',
      mutated((c) => (orders(c).recordType = 'AA')),
      '/groups/orders-api/recordType',
      'recordType',
    ],
    [
      'an unknown promotion mode',
      mutated((c) => (orders(c).promotion.mode = 'yolo')),
      '/groups/orders-api/promotion/mode',
      'mode',
    ],
    [
      'an unknown hook type',
      mutated((c) => (orders(c).promotion.hooks[0].type = 'aurora')),
      '/groups/orders-api/promotion/hooks/0',
      'hooks',
    ],
    [
      'a group name in capitals',
      mutated((c) => (c.groups.Orders_API = c.groups['orders-api'])),
      '/groups',
      'Orders_API',
    ],
    [
      'a hosted zone id that is a domain',
      mutated((c) => (orders(c).hostedZoneId = 'example.com')),
      '/groups/orders-api/hostedZoneId',
      'hostedZoneId',
    ],
    [
      'a record name with an empty label',
      mutated((c) => (orders(c).recordName = 'api..example.com')),
      '/groups/orders-api/recordName',
      'recordName',
    ],
    [
      'an ftp runbook URL',
      mutated((c) => (orders(c).runbookUrl = 'ftp://wiki.example.com/x')),
      '/groups/orders-api/runbookUrl',
      'runbookUrl',
    ],
    [
      'an endpoint that is no URL',
      mutated((c) => (orders(c).primary.endpoint = 'api-use1 healthz')),
      '/groups/orders-api/primary/endpoint',
      'endpoint',
    ],
    [
      'a target group ARN that is a load balancer\u2019s',
      mutated((c) => {
        delete orders(c).secondary.healthCheckId;
        orders(c).secondary.targetHealth = {
          targetGroupArns: [
            'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/orders/0123456789abcdef',
          ],
        };
      }),
      '/groups/orders-api/secondary/targetHealth/targetGroupArns/0',
      'targetGroupArns',
    ],
    [
      'a digest retention of 0 days',
      mutated((c) => (c.audit.digestRetentionDays = 0)),
      '/audit/digestRetentionDays',
      'digestRetentionDays',
    ],
    [
      'an SSM parameter name without the slash',
      mutated((c) => (c.notify.slack.webhookSsmParameter = 'slack')),
      '/notify/slack/webhookSsmParameter',
      'webhookSsmParameter',
    ],
  ];

  it.each(rejected)('both reject %s, naming the place', (_name, config, pointer, zodPath) => {
    const z = zodAccepts(config);
    const a = ajvAccepts(config);
    expect([z.ok, a.ok]).toEqual([false, false]);
    expect(z.message).toContain(zodPath);
    expect(a.errors.map((e) => e.instancePath)).toContain(pointer);
  });

  // README.md ("Editor checking") lists these as checked when the file is loaded, not by the editor.
  const zodOnly: [string, Config][] = [
    ['notify.slack with neither webhook key', mutated((c) => (c.notify.slack = {}))],
    [
      'one health check in two members',
      mutated((c) => (c.groups.inventory.primary.healthCheckId = orders(c).primary.healthCheckId)),
    ],
    [
      'a group channel not configured under notify',
      mutated((c) => (c.groups.inventory.notify.channels = ['webhook:nope'])),
    ],
    ['a group named unassigned', mutated((c) => (c.groups.unassigned = c.groups.inventory))],
    ['a notify webhook without a secret', mutated((c) => delete c.notify.webhooks[0].secretSsmParameter)],
    ['a member with two health bases', mutated((c) => (orders(c).primary.healthCheck = 'none'))],
    ['a member with no health basis', mutated((c) => delete orders(c).primary.healthCheckId)],
    [
      'bodyMatches that is no regular expression',
      mutated((c) => (orders(c).primary.probes = [{ type: 'http', bodyMatches: '(' }])),
    ],
  ];

  it.each(zodOnly)('zod alone rejects %s (a rule across fields or beyond JSON Schema)', (_name, config) => {
    expect(zodAccepts(config).ok).toBe(false);
    expect(ajvAccepts(config).errors).toEqual([]);
  });
});
