import type { SNSClient } from '@aws-sdk/client-sns';
import type { FailoverConfig } from '../../config/schema.js';
import type { Resolve } from '../../net/guard.js';
import type { OutboundGuard } from '../../net/http.js';
import type { Channel } from '../notification.js';
import { secretGetter, type SecretSource } from '../secrets.js';
import { chatbotChannel } from './chatbot.js';
import { pagerDutyChannel } from './pagerduty.js';
import { slackChannel } from './slack.js';
import { snsChannel } from './sns.js';
import { teamsChannel } from './teams.js';
import { webhookChannel } from './webhook.js';

export interface ChannelOptions {
  secrets?: SecretSource;
  /**
   * SNS client and the topics to publish to: the stack's NotificationTopic when deployed (`notify.sns.topicArn`
   * locally), and its ChatbotTopic with `notify.chatbot` (deployed only: locally there is none).
   */
  sns?: { client: SNSClient | (() => SNSClient); topicArn?: string; chatbotTopicArn?: string };
  /** Deployed: only SSM parameters are used, literal secrets in the config are ignored (they are not shipped). */
  deployed?: boolean;
  /** The Lambda runtime API (host:port): never a target. */
  runtimeApi?: string;
  /** Resolves host names for the SSRF guard (default: the system resolver); tests inject one. */
  resolve?: Resolve;
  /** The deployed ledger table: text for people names it in the history command (`--stage prod`). */
  ledgerTable?: string;
}

/**
 * The configured channels, each resolving its secret lazily (first send, then cached by the secret source). Slack,
 * Teams, PagerDuty and webhook URLs come from users' config (or SSM) and can name anything: every request goes through the
 * SSRF guard, with each channel's own `allowPrivateTargets` (loopback and private ranges; link-local, metadata and
 * the Lambda runtime API never).
 */
export const buildChannels = (config: FailoverConfig, opts: ChannelOptions = {}): Channel[] => {
  const n = config.notify;
  if (!n) return [];
  const local = <T>(v: T | undefined) => (opts.deployed ? undefined : v);
  const guard = (allowPrivateTargets: boolean): OutboundGuard => ({
    allowPrivateTargets,
    ...(opts.runtimeApi ? { runtimeApi: opts.runtimeApi } : {}),
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
  });
  const channels: Channel[] = [];
  const topicArn = opts.sns?.topicArn ?? n.sns?.topicArn;
  const ledgerTable = opts.ledgerTable;
  if (n.sns && opts.sns && topicArn) channels.push(snsChannel({ client: opts.sns.client, topicArn, ledgerTable }));
  const chatbotTopicArn = opts.sns?.chatbotTopicArn;
  if (n.chatbot && opts.sns && chatbotTopicArn)
    channels.push(chatbotChannel({ client: opts.sns.client, topicArn: chatbotTopicArn, ledgerTable }));
  // Slack and Teams: an incoming-webhook URL that is itself the secret (SSM deployed, the literal locally).
  const secretUrl = (url: string | undefined, parameter: string | undefined, what: string) =>
    secretGetter(local(url), parameter, opts.secrets, what);
  if (n.slack) {
    const { webhookUrl, webhookSsmParameter, allowPrivateTargets } = n.slack;
    const url = secretUrl(webhookUrl, webhookSsmParameter, 'slack webhook URL');
    channels.push(slackChannel({ webhookUrl: url, guard: guard(allowPrivateTargets) }));
  }
  if (n.teams) {
    const { webhookUrl, webhookUrlSsmParameter, allowPrivateTargets } = n.teams;
    const url = secretUrl(webhookUrl, webhookUrlSsmParameter, 'teams webhook URL');
    channels.push(teamsChannel({ webhookUrl: url, guard: guard(allowPrivateTargets) }));
  }
  if (n.pagerduty) {
    channels.push(
      pagerDutyChannel({
        routingKey: secretGetter(
          local(n.pagerduty.routingKey),
          n.pagerduty.routingKeySsmParameter,
          opts.secrets,
          'PagerDuty routing key',
        ),
        eventsUrl: n.pagerduty.eventsUrl,
        guard: guard(n.pagerduty.allowPrivateTargets),
      }),
    );
  }
  for (const w of n.webhooks) {
    channels.push(
      webhookChannel({
        name: w.name,
        // A URL with a token lives in SSM (`urlSsmParameter`, deployed); a plain one is shipped in the config.
        url: w.urlSsmParameter
          ? secretGetter(local(w.url), w.urlSsmParameter, opts.secrets, `webhook ${w.name} URL`)
          : secretGetter(w.url, undefined, undefined, `webhook ${w.name} URL`),
        secret: secretGetter(local(w.secret), w.secretSsmParameter, opts.secrets, `webhook ${w.name} secret`),
        guard: guard(w.allowPrivateTargets),
      }),
    );
  }
  return channels;
};
