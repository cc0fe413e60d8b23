import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/file.js';
import {
  loadDeployedConfig,
  openDeployedConfig,
  sealConfig,
  SEALED_CONFIG_FORMAT,
} from '../../shared/config/deployed.js';
import { ConfigError } from '../../shared/support/errors.js';
import { FIXTURE_CONFIG_YAML } from '../helpers/events.js';

const source = 'dist/config/failover.json';
const config = parseConfigText(FIXTURE_CONFIG_YAML, 'fixture.yml');
/** What `serverless package` writes, read back as a function reads it. */
const shipped = (doc: unknown): unknown => JSON.parse(JSON.stringify(doc, null, 2));

describe('sealed deployed config', () => {
  it('seals the validated config (defaults applied) with the SHA-256 of its JSON', () => {
    const sealed = sealConfig({
      version: 1,
      groups: {
        api: {
          hostedZoneId: '/hostedzone/Z1ABC',
          recordName: 'API.example.com',
          primary: { region: 'us-east-1', healthCheckId: 'AAAAAAAA-2222-3333-4444-555555555555' },
          secondary: { region: 'us-west-2', healthCheckId: 'bbbbbbbb-2222-3333-4444-555555555555' },
        },
      },
    });
    expect(sealed.format).toBe(SEALED_CONFIG_FORMAT);
    expect(sealed.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sealed.config.groups.api).toMatchObject({
      hostedZoneId: 'Z1ABC',
      recordName: 'api.example.com.',
      recordType: 'A',
      primary: { healthCheckId: 'aaaaaaaa-2222-3333-4444-555555555555' },
    });
  });

  it('refuses to seal an invalid config, naming the field', () => {
    expect(() =>
      sealConfig(
        {
          version: 1,
          groups: {
            api: {
              hostedZoneId: 'Z1',
              recordName: 'a.example.com',
              primary: { region: 'useast1', healthCheckId: 'x' },
              secondary: {},
            },
          },
        },
        'failover.yml',
      ),
    ).toThrow(/failover\.yml: groups\.api\.primary\.region: expected an AWS region like us-east-1, got "useast1"/);
  });

  it('opens a sealed config as written, unchanged', () => {
    expect(openDeployedConfig(shipped(sealConfig(config)), source)).toEqual(config);
  });

  it('refuses a sealed config edited after packaging, even into another valid config', () => {
    const doc = shipped(sealConfig(config)) as { config: { groups: Record<string, { primary: { region: string } }> } };
    const [first] = Object.keys(doc.config.groups);
    (doc.config.groups[first as string] as { primary: { region: string } }).primary.region = 'eu-west-1';
    expect(() => openDeployedConfig(doc, source)).toThrow(ConfigError);
    expect(() => openDeployedConfig(doc, source)).toThrow(
      /dist\/config\/failover\.json: config was changed after it was validated and sealed \(SHA-256 does not match\)/,
    );
  });

  it.each([
    [
      'a plain (unsealed) config',
      config,
      /not a sealed r53-failover config \(expected format "r53-failover\/validated-config@1", found no format field\)/,
    ],
    [
      'another format',
      { format: 'r53-failover/validated-config@0', sha256: 'x', config },
      /found format "r53-failover\/validated-config@0"/,
    ],
    ['no digest', { format: SEALED_CONFIG_FORMAT, config }, /missing sha256 \(a hex string\)/],
    ['no config', { format: SEALED_CONFIG_FORMAT, sha256: 'ab' }, /missing config \(an object\)/],
    ['an array', [], /found no format field/],
  ])('refuses %s with a message that says how to fix it', (_label, doc, message) => {
    expect(() => openDeployedConfig(doc, source)).toThrow(message);
    expect(() => openDeployedConfig(doc, source)).toThrow(/npx serverless deploy/);
  });

  it('loads the file relative to the task root, and says so when it is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'r53f-sealed-'));
    writeFileSync(join(dir, 'cfg.json'), JSON.stringify(sealConfig(config)));
    expect(loadDeployedConfig({ R53F_CONFIG_FILE: 'cfg.json', LAMBDA_TASK_ROOT: dir })).toEqual(config);
    writeFileSync(join(dir, 'broken.json'), '{"format": ');
    expect(() => loadDeployedConfig({ R53F_CONFIG_FILE: 'broken.json', LAMBDA_TASK_ROOT: dir })).toThrow(
      /broken\.json: cannot read the packaged config/,
    );
    expect(() => loadDeployedConfig({ R53F_CONFIG_FILE: 'missing.json', LAMBDA_TASK_ROOT: dir })).toThrow(
      /missing\.json: cannot read the packaged config \(ENOENT/,
    );
  });
});
