import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseConfigText } from '../../shared/config/file.js';
import { buildChannels } from '../../shared/notify/channels/index.js';
import { buildChatbotPublish, CHATBOT_LIMITS } from '../../shared/notify/channels/chatbot.js';
import type { Notification } from '../../shared/notify/notification.js';
import { ConfigError } from '../../shared/support/errors.js';
import { errorOf } from '../helpers/errors.js';
import { FIXTURE_CONFIG_YAML } from '../helpers/events.js';
import { failedOverNotification as notification } from '../helpers/notification.js';
import { localSnsClient, subscribeRaw } from '../helpers/sns.js';

/**
 * The custom-notification shape Amazon Q Developer in chat applications (formerly AWS Chatbot) renders, as its
 * Administrator Guide gives it ("Custom notifications using Amazon Q Developer in chat applications", "Event schema"
 * and "Parameter details", https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html): `version` must
 * be "1.0", `source` "custom", `textType` "client-markdown" (the only one supported); the rest is optional. Strict:
 * a key the schema does not name is an error here. The length bounds are ours (CHATBOT_LIMITS), not AWS's.
 */
const CustomNotificationSchema = z.strictObject({
  version: z.literal('1.0'),
  source: z.literal('custom'),
  id: z.optional(z.string()),
  content: z.strictObject({
    textType: z.literal('client-markdown'),
    title: z.optional(z.string().max(CHATBOT_LIMITS.title)),
    description: z.string().min(1).max(CHATBOT_LIMITS.description),
    nextSteps: z.optional(z.array(z.string().max(CHATBOT_LIMITS.nextStep)).max(CHATBOT_LIMITS.nextSteps)),
    keywords: z.optional(z.array(z.string().max(CHATBOT_LIMITS.keyword)).max(CHATBOT_LIMITS.keywords)),
  }),
  metadata: z.optional(
    z.strictObject({
      threadId: z.optional(z.string()),
      summary: z.optional(z.string()),
      eventType: z.optional(z.string()),
      relatedResources: z.optional(z.array(z.string())),
      additionalContext: z.optional(z.record(z.string(), z.string())),
    }),
  ),
});
type CustomNotification = z.infer<typeof CustomNotificationSchema>;

const config = (chatbot = 'true') =>
  parseConfigText(`${FIXTURE_CONFIG_YAML}notify:\n  chatbot: ${chatbot}\n`, 'failover.yml');

let fauxqs: FauxqsServer;
let sns: SNSClient;
let chatbotTopicArn: string;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sns = localSnsClient(fauxqs.address);
  chatbotTopicArn = (await sns.send(new CreateTopicCommand({ Name: 'r53-failover-test-chatbot' }))).TopicArn ?? '';
  // Amazon Q Developer subscribes its own endpoint to the topic; an SQS queue with raw delivery stands in for it and
  // holds exactly the message it would read.
  const queue = fauxqs.createQueue('chat');
  await subscribeRaw(sns, chatbotTopicArn, queue.queueArn);
});
afterAll(async () => {
  sns?.destroy();
  await fauxqs?.stop();
});
beforeEach(() => fauxqs.reset());

/** What the chat topic's subscriber received, validated against the documented shape. */
const received = (): CustomNotification[] => {
  const q = fauxqs.inspectQueue('chat');
  return (q?.messages.ready ?? []).map((m) => CustomNotificationSchema.parse(JSON.parse(m.body)));
};

const send = async (n: Notification) => {
  const channels = buildChannels(config(), {
    sns: { client: sns, chatbotTopicArn },
    ledgerTable: 'r53-failover-prod-ledger',
  });
  const chatbot = channels.find((c) => c.name === 'chatbot');
  if (!chatbot) throw new Error('no chatbot channel');
  return chatbot.send(n, new AbortController().signal);
};

describe('the AWS chat integration (Amazon Q Developer in chat applications) against fauxqs', () => {
  it('publishes a custom notification that the chat topic subscriber receives in the documented shape', async () => {
    // Act
    const result = await send(notification);
    // Assert
    expect(result).toEqual({ status: 'sent', info: expect.any(String) });
    const [message, ...rest] = received();
    expect(rest).toHaveLength(0);
    expect(message).toEqual({
      version: '1.0',
      source: 'custom',
      id: 'orders-api#42#transition',
      content: {
        textType: 'client-markdown',
        title: '🚨 orders-api failed over to eu-west-1',
        description: [
          'The primary health check is unhealthy; Route 53 now answers with the secondary in eu-west-1.',
          '',
          'Serving now: the secondary (eu-west-1) answers api.example.com',
          'Since: 2025-06-12T14:03:27.412Z (primary OK -> ALARM)',
          'Severity: critical',
          '',
          'Alarm reason, as CloudWatch wrote it:',
          '```',
          notification.reason,
          '```',
        ].join('\n'),
        nextSteps: [
          'Follow the runbook: https://runbooks.example.com/orders-api/failover',
          'See the history: `r53-failover history --group orders-api --stage prod`',
          `Open the alarm: ${notification.links.alarm}`,
          `Open the health check: ${notification.links.healthCheck}`,
        ],
        keywords: ['orders-api', 'FAILED_OVER', 'critical'],
      },
      metadata: {
        threadId: 'r53-failover-orders-api-42',
        summary: 'orders-api failed over to eu-west-1',
        eventType: 'FAILED_OVER',
        relatedResources: [notification.alarmArn, `arn:aws:route53:::healthcheck/${notification.healthCheckId}`],
        additionalContext: {
          group: 'orders-api',
          event: 'FAILED_OVER',
          severity: 'critical',
          kind: 'transition',
          notificationId: 'orders-api#42#transition',
          correlationId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        },
      },
    });
  });

  it('makes a hostile alarm reason inert in any chat client: no mention, no link, no way out of its code block', async () => {
    // Arrange
    const hostile: Notification = {
      ...notification,
      reason: 'Threshold Crossed <!channel> <https://evil.example|click> @here ```\n*bold* `x`',
    };
    // Act
    await send(hostile);
    // Assert
    const description = received()[0]?.content.description ?? '';
    expect(description).toContain("Threshold Crossed ‹!channel› ‹https://evil.example|click› @\u200bhere '''");
    expect(description).not.toMatch(/<!|<http|@here/);
    expect(description.match(/```/g)).toHaveLength(2);
  });

  it('keeps a 300 KB summary and reason within its bounds, the facts and the closing fence intact', () => {
    // Arrange
    const huge: Notification = { ...notification, summary: 's'.repeat(300_000), reason: 'r'.repeat(300_000) };
    // Act
    const message = CustomNotificationSchema.parse(
      JSON.parse(buildChatbotPublish(huge, chatbotTopicArn).Message ?? ''),
    );
    // Assert
    expect(message.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description);
    expect(message.content.description).toContain('Serving now: the secondary (eu-west-1)');
    expect(message.content.description.endsWith('…\n```')).toBe(true);
  });

  it('is a channel only with notify.chatbot: true and a chat topic (deployed stacks have one; local runs do not)', () => {
    // Arrange
    const opts = { sns: { client: sns, chatbotTopicArn } };
    // Act
    const names = (c: ReturnType<typeof config>, o = opts) => buildChannels(c, o).map((ch) => ch.name);
    // Assert
    expect(names(config())).toEqual(['chatbot']);
    expect(names(config('false'))).toEqual([]);
    expect(names(config(), { sns: { client: sns, chatbotTopicArn: '' } })).toEqual([]);
  });

  it('is a channel a group can choose, and notify.chatbot must be a boolean', () => {
    // Arrange
    const groupChoosing = FIXTURE_CONFIG_YAML.replace(
      '  orders-api:\n',
      '  orders-api:\n    notify: { channels: [chatbot] }\n',
    );
    // Act
    const chosen = parseConfigText(`${groupChoosing}notify:\n  chatbot: true\n`, 'failover.yml');
    const err = errorOf(() => config('"yes"'));
    // Assert
    expect(chosen.groups['orders-api']?.notify?.channels).toEqual(['chatbot']);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('notify.chatbot: expected true or false, got "yes"');
  });
});
