import * as z from 'zod/mini';
import { DEFAULT_FLAP, GROUP_EVENTS, SEVERITIES } from '../core/group-events.js';
import { show } from '../support/values.js';
import type { FieldSchemas } from './fields.js';

/**
 * `failover.yml` notify: channels (SNS, Slack, Microsoft Teams, PagerDuty, webhooks, the AWS chat integration),
 * routing, reminders, flapping; per-group overrides.
 */
export const notifySchemas = ({ HttpUrlSchema, SsmParameterNameSchema, minutes }: FieldSchemas) => {
  const eventsError = (i: { input?: unknown }) => `expected one of ${GROUP_EVENTS.join(', ')}, got ${show(i.input)}`;
  const GroupEventSchema = z.enum(GROUP_EVENTS, { error: eventsError });
  const SeveritySchema = z.enum(SEVERITIES, {
    error: (i) => `expected one of ${SEVERITIES.join(', ')}, got ${show(i.input)}`,
  });
  const SeverityMapSchema = z.partialRecord(GroupEventSchema, SeveritySchema);
  const CHANNEL_RE = /^(sns|slack|teams|pagerduty|chatbot|webhook:[a-z0-9-]+)$/;
  const ChannelRefSchema = z.string().check(
    z.regex(CHANNEL_RE, {
      error: (i) => `expected sns, slack, teams, pagerduty, chatbot or webhook:<name>, got ${show(i.input)}`,
    }),
  );
  const NotifySchema = z.strictObject({
    slack: z.optional(
      z.strictObject({
        webhookUrl: z.optional(HttpUrlSchema),
        webhookSsmParameter: z.optional(SsmParameterNameSchema),
        /** Permit loopback and RFC 1918/ULA addresses (a local receiver, a proxy in the VPC); metadata never. */
        allowPrivateTargets: z._default(z.boolean(), false),
      }),
    ),
    /** A Microsoft Teams Workflows webhook ("Post card in a chat or channel when a webhook request is received"). */
    teams: z.optional(
      z.strictObject({
        webhookUrl: z.optional(HttpUrlSchema),
        webhookUrlSsmParameter: z.optional(SsmParameterNameSchema),
        allowPrivateTargets: z._default(z.boolean(), false),
      }),
    ),
    sns: z.optional(
      z.strictObject({
        /** Local runs: the topic to publish to (deployed stacks publish to their own NotificationTopic). */
        topicArn: z.optional(
          z.string().check(
            z.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
              error: (i) => `expected an SNS topic ARN, got ${show(i.input)}`,
            }),
          ),
        ),
        subscriptions: z._default(
          z.array(
            z.strictObject({
              protocol: z.enum(['email', 'email-json', 'sms', 'https', 'sqs', 'lambda'], {
                error: (i) => `expected email, email-json, sms, https, sqs or lambda, got ${show(i.input)}`,
              }),
              endpoint: z.string().check(z.minLength(1, { error: 'is required (an address, number or ARN)' })),
            }),
          ),
          [],
        ),
      }),
    ),
    /**
     * Deployed stacks: also publish every notification to the stack's ChatbotTopic in the custom-notification format
     * Amazon Q Developer in chat applications (formerly AWS Chatbot) renders in Slack, Teams and Chime channels.
     */
    chatbot: z.optional(z.boolean({ error: (i) => `expected true or false, got ${show(i.input)}` })),
    pagerduty: z.optional(
      z.strictObject({
        routingKey: z.optional(z.string().check(z.minLength(1))),
        routingKeySsmParameter: z.optional(SsmParameterNameSchema),
        eventsUrl: z._default(HttpUrlSchema, 'https://events.pagerduty.com/v2/enqueue'),
        allowPrivateTargets: z._default(z.boolean(), false),
      }),
    ),
    webhooks: z._default(
      z.array(
        z.strictObject({
          name: z.string().check(
            z.regex(/^[a-z0-9-]{1,40}$/, {
              error: (i) => `expected a webhook name matching [a-z0-9-]+, got ${show(i.input)}`,
            }),
          ),
          url: z.optional(HttpUrlSchema),
          urlSsmParameter: z.optional(SsmParameterNameSchema),
          secret: z.optional(
            z.string().check(z.minLength(16, { error: 'expected a secret of at least 16 characters' })),
          ),
          secretSsmParameter: z.optional(SsmParameterNameSchema),
          allowPrivateTargets: z._default(z.boolean(), false),
        }),
      ),
      [],
    ),
    /** Events notified unless a group says otherwise. */
    events: z.optional(z.array(GroupEventSchema)),
    severity: z.optional(SeverityMapSchema),
    /** While a group stays FAILED_OVER or BOTH_UNHEALTHY, remind every N minutes (0 = off). */
    reminderMinutes: minutes(30),
    /** INSUFFICIENT_DATA lasting longer than this is notified: no data is not healthy (0 = off). */
    noDataMinutes: minutes(10),
    flap: z._default(
      z.strictObject({
        transitions: z._default(
          z.number().check(z.int(), z.gte(2, { error: 'expected at least 2 transitions' })),
          DEFAULT_FLAP.transitions,
        ),
        windowMinutes: minutes(DEFAULT_FLAP.windowMinutes),
        holdMinutes: minutes(DEFAULT_FLAP.holdMinutes),
      }),
      DEFAULT_FLAP,
    ),
  });

  const GroupNotifySchema = z.strictObject({
    /** Channels for this group (default: every configured channel). */
    channels: z.optional(z.array(ChannelRefSchema)),
    events: z.optional(z.array(GroupEventSchema)),
    severity: z.optional(SeverityMapSchema),
    reminderMinutes: z.optional(z.number().check(z.nonnegative())),
  });

  return { NotifySchema, GroupNotifySchema };
};
