// notify.teams in failover.yml: the schema and the channel name in a group's channels (what the deploy plugin does
// with its secret URL is in shipped-secrets.test.ts).
import { uncommentBlock } from '../helpers/example.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../shared/config/file.js';
import { parseConfig } from '../../shared/config/schema.js';
import { buildChannels } from '../../shared/notify/channels/index.js';
import { errorOf } from '../helpers/errors.js';

const FLOW_URL =
  'https://prod-00.westus.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=S1GNATURE0123456789';
const PARAM = '/r53-failover/teams-webhook';

const withTeams = (teams: Record<string, unknown> | undefined, channels?: string[]) => ({
  version: 1,
  groups: {
    orders: {
      hostedZoneId: 'Z0123456789ABCDEFGHIJ',
      recordName: 'api.example.com.',
      primary: { region: 'us-east-1', healthCheckId: '11111111-2222-3333-4444-555555555555' },
      secondary: { region: 'us-west-2', healthCheckId: '66666666-7777-8888-9999-000000000000' },
      ...(channels ? { notify: { channels } } : {}),
    },
  },
  notify: teams ? { teams } : {},
});

describe('notify.teams in failover.yml', () => {
  it('accepts the SSM parameter (deployed) and the URL (local runs), defaulting allowPrivateTargets to false', () => {
    // Act
    const config = parseConfig(withTeams({ webhookUrl: FLOW_URL, webhookUrlSsmParameter: PARAM }, ['teams']));
    // Assert
    expect(config.notify?.teams).toEqual({
      webhookUrl: FLOW_URL,
      webhookUrlSsmParameter: PARAM,
      allowPrivateTargets: false,
    });
    expect(config.groups.orders?.notify?.channels).toEqual(['teams']);
    expect(buildChannels(config).map((c) => c.name)).toEqual(['teams']);
  });

  it('needs webhookUrlSsmParameter or webhookUrl, like Slack', () => {
    // Act
    const err = errorOf(() => parseConfig(withTeams({ allowPrivateTargets: true }), 'failover.yml'));
    // Assert
    expect(err.message).toBe(
      'failover.yml: notify.teams: needs webhookUrlSsmParameter (deployed) or webhookUrl (local runs)',
    );
  });

  it.each([
    ['webhookUrl', { webhookUrl: 'ftp://example.com/x' }, 'notify.teams.webhookUrl: expected an http(s) URL'],
    ['webhookUrlSsmParameter', { webhookUrlSsmParameter: 'teams' }, 'notify.teams.webhookUrlSsmParameter: expected'],
    ['a typo', { webhookSsmParameter: PARAM }, 'notify.teams: unknown key "webhookSsmParameter"'],
  ])('rejects a bad %s, naming the field', (_what, teams, message) => {
    // Act
    const err = errorOf(() => parseConfig(withTeams(teams), 'failover.yml'));
    // Assert
    expect(err.message).toContain(message);
  });

  it('refuses teams in a group channel list when notify.teams is not configured', () => {
    // Act
    const err = errorOf(() => parseConfig(withTeams(undefined, ['teams']), 'failover.yml'));
    // Assert
    expect(err.message).toBe(
      'failover.yml: groups.orders.notify.channels[0]: channel teams is not configured under notify (configured: none)',
    );
  });

  it('names teams among the channels a group may list', () => {
    // Act
    const err = errorOf(() => parseConfig(withTeams({ webhookUrlSsmParameter: PARAM }, ['msteams']), 'failover.yml'));
    // Assert
    expect(err.message).toContain(
      'groups.orders.notify.channels[0]: expected sns, slack, teams, pagerduty or webhook:<name>, got "msteams"',
    );
  });

  it('is valid as failover.example.yml shows it, once its commented teams block is uncommented', () => {
    // Arrange
    const example = readFileSync('failover.example.yml', 'utf8');
    const uncommented = uncommentBlock(example, 'teams');
    // Act
    const config = parseConfigText(uncommented, 'failover.example.yml');
    // Assert
    expect(uncommented).not.toBe(example);
    expect(config.notify?.teams).toEqual({
      webhookUrlSsmParameter: '/r53-failover/teams-webhook',
      webhookUrl: 'http://127.0.0.1:8081/teams',
      allowPrivateTargets: true,
    });
  });
});
