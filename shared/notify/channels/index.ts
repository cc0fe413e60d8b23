import type { SNSClient } from '@aws-sdk/client-sns';
import type { FailoverConfig } from '../../config/schema.js';
import { checkUrl, resolveChecked } from '../../net/guard.js';
import type { Channel } from '../notification.js';
import { secretGetter, type SecretSource } from '../secrets.js';
import { pagerDutyChannel } from './pagerduty.js';
import { slackChannel } from './slack.js';
import { snsChannel } from './sns.js';
import { webhookChannel } from './webhook.js';

export interface ChannelOptions {
  secrets?: SecretSource;
  /** SNS client and the topic to publish to (the stack's NotificationTopic when deployed; `notify.sns.topicArn` locally). */
  sns?: { client: SNSClient | (() => SNSClient); topicArn?: string };
  /** Deployed: only SSM parameters are used, literal secrets in the config are ignored (they are not shipped). */
  deployed?: boolean;
  /** The Lambda runtime API (host:port): never a webhook target. */
  runtimeApi?: string;
}

/**
 * Webhook URLs come from users' config and can name anything: the same SSRF guard as the probes applies (loopback and
 * private ranges only with allowPrivateTargets; link-local, metadata and the Lambda runtime API never). The check
 * runs before each send; the request itself then resolves again (fetch has no lookup hook), a narrow window the
 * probes close and this documents.
 */
export const guardedChannel = (
  channel: Channel,
  rawUrl: string,
  allowPrivateTargets: boolean,
  runtimeApi?: string,
): Channel => ({
  name: channel.name,
  accepts: (n) => channel.accepts(n),
  async send(n, signal) {
    const parsed = checkUrl(rawUrl);
    if (!parsed.ok) return { status: 'permanent', reason: parsed.reason };
    const port = Number(parsed.url.port) || (parsed.url.protocol === 'https:' ? 443 : 80);
    const checked = await resolveChecked(parsed.url.hostname, port, {
      allowPrivateTargets,
      ...(runtimeApi ? { runtimeApi } : {}),
    });
    if (!checked.ok) {
      const refused = checked.error.name === 'TargetRefusedError';
      return refused
        ? { status: 'permanent', reason: checked.error.message }
        : { status: 'retry', reason: `DNS: ${checked.error.message.split(' ')[0] ?? 'lookup failed'}` };
    }
    return channel.send(n, signal);
  },
});

/** The configured channels, each resolving its secret lazily (first send, then cached by the secret source). */
export const buildChannels = (config: FailoverConfig, opts: ChannelOptions = {}): Channel[] => {
  const n = config.notify;
  if (!n) return [];
  const local = <T>(v: T | undefined) => (opts.deployed ? undefined : v);
  const channels: Channel[] = [];
  const topicArn = opts.sns?.topicArn ?? n.sns?.topicArn;
  if (n.sns && opts.sns && topicArn) channels.push(snsChannel({ client: opts.sns.client, topicArn }));
  if (n.slack)
    channels.push(
      slackChannel({
        webhookUrl: secretGetter(
          local(n.slack.webhookUrl),
          n.slack.webhookSsmParameter,
          opts.secrets,
          'slack webhook URL',
        ),
      }),
    );
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
      }),
    );
  }
  for (const w of n.webhooks) {
    const hook = webhookChannel({
      name: w.name,
      url: w.url,
      secret: secretGetter(local(w.secret), w.secretSsmParameter, opts.secrets, `webhook ${w.name} secret`),
    });
    channels.push(guardedChannel(hook, w.url, w.allowPrivateTargets, opts.runtimeApi));
  }
  return channels;
};
