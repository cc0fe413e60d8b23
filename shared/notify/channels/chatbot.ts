import type { PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import type { Severity } from '../../core/group-events.js';
import { clip } from '../../support/text.js';
import type { Channel, Notification } from '../notification.js';
import { ALARM_REASON_HEADING, factsWords, historyCommand, nextStepsWords } from '../wording.js';
import { attributesOf, publishTo } from './sns.js';

/**
 * A custom notification as Amazon Q Developer in chat applications (formerly AWS Chatbot) renders it in Slack,
 * Microsoft Teams and Amazon Chime channels subscribed to an SNS topic: "Custom notifications using Amazon Q Developer
 * in chat applications", Amazon Q Developer in chat applications Administrator Guide,
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html ("Event schema"). `version` must be "1.0"
 * and `source` "custom"; `id` is optional; `client-markdown` is the only `textType` and renders in the chat client's
 * own markdown; `metadata.threadId` threads a notification under earlier ones with the same id.
 */
export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  id?: string;
  content: {
    textType: 'client-markdown';
    title?: string;
    description: string;
    nextSteps?: string[];
    keywords?: string[];
  };
  metadata?: {
    threadId?: string;
    summary?: string;
    eventType?: string;
    relatedResources?: string[];
    additionalContext?: Record<string, string>;
  };
}

/**
 * Our bounds on each field. The schema page gives none; these keep a message well inside the tightest place it is
 * shown (a Slack section holds 3,000 characters) and far inside SNS's 256 KiB.
 */
export const CHATBOT_LIMITS = {
  title: 250,
  description: 3_000,
  reason: 1_000,
  nextSteps: 5,
  nextStep: 1_000,
  keywords: 5,
  keyword: 100,
} as const;

const SEVERITY_EMOJI: Record<Severity, string> = { critical: '🚨', error: '🔴', warning: '⚠️', info: 'ℹ️' };

/**
 * Text from outside (the alarm reason, probe output) made inert in any chat client's markdown: no `<!channel>` or
 * `<url|label>`, no @-mention, no code fence to break out of.
 */
export const inert = (text: string): string =>
  text.replace(/</g, '‹').replace(/>/g, '›').replace(/@/g, '@\u200b').replace(/`/g, "'");

/** The custom notification for a notification (pure). */
export const chatbotNotification = (n: Notification, ledgerTable?: string): ChatbotNotification => {
  const reason = n.reason.trim()
    ? ['', ALARM_REASON_HEADING, '```', clip(inert(n.reason), CHATBOT_LIMITS.reason), '```']
    : [];
  const facts = factsWords(n).map(([label, value]) => `${label}: ${value}`);
  const tail = ['', '', ...facts, ...reason].join('\n');
  // The summary gives way: the facts and the head of the alarm's reason always fit after it.
  const description = `${clip(inert(n.summary), CHATBOT_LIMITS.description - tail.length)}${tail}`;
  const history = `\`${historyCommand(n.group, ledgerTable)}\``;
  // Route 53 health check ARNs have no region or account ("Actions, resources, and condition keys for Amazon Route 53").
  const healthCheck = n.healthCheckId ? [`arn:aws:route53:::healthcheck/${n.healthCheckId}`] : [];
  const related = [n.alarmArn, ...healthCheck].filter(Boolean);
  return {
    version: '1.0',
    source: 'custom',
    id: n.id,
    content: {
      textType: 'client-markdown',
      title: clip(`${SEVERITY_EMOJI[n.severity]} ${inert(n.title)}`, CHATBOT_LIMITS.title),
      description,
      nextSteps: nextStepsWords(n, history)
        .slice(0, CHATBOT_LIMITS.nextSteps)
        .map((s) => clip(s, CHATBOT_LIMITS.nextStep)),
      keywords: [n.group, n.event, n.severity]
        .slice(0, CHATBOT_LIMITS.keywords)
        .map((k) => clip(k, CHATBOT_LIMITS.keyword)),
    },
    metadata: {
      // Every message about one failover episode lands in one thread (an episode is the seq that opened it).
      threadId: `r53-failover-${n.group}-${n.episode ?? n.seq}`,
      summary: clip(inert(n.title), CHATBOT_LIMITS.title),
      eventType: n.event,
      ...(related.length ? { relatedResources: related } : {}),
      additionalContext: {
        group: n.group,
        event: n.event,
        severity: n.severity,
        kind: n.kind,
        notificationId: n.id,
        ...(n.correlationId ? { correlationId: n.correlationId } : {}),
      },
    },
  };
};

/** The Publish request to the chat topic (pure): the custom notification as the message, the filterable attributes. */
export const buildChatbotPublish = (n: Notification, topicArn: string, ledgerTable?: string): PublishCommandInput => ({
  TopicArn: topicArn,
  Message: JSON.stringify(chatbotNotification(n, ledgerTable)),
  MessageAttributes: attributesOf(n),
});

export interface ChatbotChannelOptions {
  /** The client, or how to make it on the first publish. */
  client: SNSClient | (() => SNSClient);
  /** The stack's ChatbotTopic: the chat channels' Amazon Q Developer configuration subscribes to it. */
  topicArn: string;
  /** The deployed ledger table: the history command names it. */
  ledgerTable?: string;
}

/**
 * The AWS chat integration: every notification, the stack's own alarms included (their alarm actions reach the
 * notification topic only), to the chat topic as a custom notification.
 */
export const chatbotChannel = ({ client, topicArn, ledgerTable }: ChatbotChannelOptions): Channel => ({
  name: 'chatbot',
  accepts: () => true,
  send: (n, signal) => publishTo(client, buildChatbotPublish(n, topicArn, ledgerTable), signal),
});
