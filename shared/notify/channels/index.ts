import type { SNSClient } from '@aws-sdk/client-sns';
import type { FailoverConfig } from '../../config.js';
import type { Channel } from '../notification.js';
import { secretGetter, type SecretSource } from '../secrets.js';
import { pagerDutyChannel } from './pagerduty.js';
import { slackChannel } from './slack.js';
import { snsChannel } from './sns.js';
import { webhookChannel } from './webhook.js';

export interface ChannelOptions {
  secrets?: SecretSource;
  /** SNS client and the topic to publish to (the stack's NotificationTopic when deployed; `notify.sns.topicArn` locally). */
  sns?: { client: SNSClient; topicArn?: string };
  /** Deployed: only SSM parameters are used, literal secrets in the config are ignored (they are not shipped). */
  deployed?: boolean;
}

/** The configured channels, each resolving its secret lazily (first send, then cached by the secret source). */
export const buildChannels = (config: FailoverConfig, opts: ChannelOptions = {}): Channel[] => {
  const n = config.notify;
  if (!n) return [];
  const local = <T>(v: T | undefined) => (opts.deployed ? undefined : v);
  const channels: Channel[] = [];
  const topicArn = opts.sns?.topicArn ?? n.sns?.topicArn;
  if (n.sns && opts.sns && topicArn) channels.push(snsChannel({ client: opts.sns.client, topicArn }));
  if (n.slack) channels.push(slackChannel({ webhookUrl: secretGetter(local(n.slack.webhookUrl), n.slack.webhookSsmParameter, opts.secrets, 'slack webhook URL') }));
  if (n.pagerduty) {
    channels.push(pagerDutyChannel({
      routingKey: secretGetter(local(n.pagerduty.routingKey), n.pagerduty.routingKeySsmParameter, opts.secrets, 'PagerDuty routing key'),
      eventsUrl: n.pagerduty.eventsUrl,
    }));
  }
  for (const w of n.webhooks) {
    channels.push(webhookChannel({ name: w.name, url: w.url, secret: secretGetter(local(w.secret), w.secretSsmParameter, opts.secrets, `webhook ${w.name} secret`) }));
  }
  return channels;
};
