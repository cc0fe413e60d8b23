import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildSlackMessage,
  escapeMrkdwn,
  SLACK_LIMITS,
  slackChannel,
  truncate,
  TRUNCATED,
  type SlackChannelOptions,
} from '../../shared/notify/channels/slack.js';
import type { Notification, SendResult } from '../../shared/notify/notification.js';
import { HANG, refusedUrl, startReceiver, type Receiver, type Reply } from '../helpers/http-receiver.js';

const SECRET_PATH = '/services/T000/B000/SECRETSECRET';
const HEALTH_CHECK_ID = 'abcdef01-2345-6789-abcd-ef0123456789';
const HC_LINK = `https://us-east-1.console.aws.amazon.com/route53/healthchecks/home#/details/${HEALTH_CHECK_ID}`;
const ALARM_LINK =
  'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/r53-failover-prod-orders-api-primary-health';
const RUNBOOK_LINK = 'https://runbooks.example.com/orders-api?section=failover&env=prod';
const REASON =
  'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (12/06/25 14:02:00)] was less than the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).';
const HOSTILE = '<!channel> please <https://evil.example|click here> & <@U123>';

/** A FAILED_OVER transition with every field filled (flap and reminder too: the transition rendering must ignore them). */
const failedOver: Notification = {
  id: 'orders-api#42#transition',
  kind: 'transition',
  group: 'orders-api',
  seq: 42,
  event: 'FAILED_OVER',
  severity: 'critical',
  title: 'orders-api failed over to secondary',
  summary:
    'The primary health check is in ALARM and the secondary is healthy: Route 53 now answers with the secondary.',
  recordName: 'api.example.com.',
  serving: 'secondary',
  servingRegion: 'eu-west-1',
  role: 'primary',
  state: 'ALARM',
  previousState: 'OK',
  healthCheckId: HEALTH_CHECK_ID,
  alarmName: 'r53-failover-prod-orders-api-primary-health',
  alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:r53-failover-prod-orders-api-primary-health',
  reason: REASON,
  stateChangedAt: '2025-06-12T14:03:27.412Z',
  notifiedAt: '2025-06-12T14:06:32.412Z',
  latencySeconds: 185,
  links: { healthCheck: HC_LINK, alarm: ALARM_LINK, runbook: RUNBOOK_LINK },
  episode: 42,
  flap: { transitions: 7, since: '2025-06-12T13:30:00.000Z', until: '2025-06-12T14:00:00.000Z', suppressed: 5 },
  reminder: { n: 2, minutes: 90 },
  correlationId: '7f3c5b1e-0d2a-4c1b-9e8f-3a2b1c0d9e8f',
};

const md = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

interface TextObject {
  type: string;
  text: string;
}
interface RenderedBlock {
  type: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: TextObject[];
}
const blocksOf = (n: Notification) => buildSlackMessage(n).blocks as RenderedBlock[];
/** Every text object in the message, with the block type it sits in. */
const textsOf = (blocks: RenderedBlock[]) =>
  blocks.flatMap((b) =>
    [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]
      .filter((t): t is TextObject => t !== undefined)
      .map((t) => ({ block: b, t })),
  );

const expectWithinSlackLimits = (message: { text: string; blocks: object[] }) => {
  const blocks = message.blocks as RenderedBlock[];
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const b of blocks) {
    if (b.type === 'header') expect(b.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.field);
    for (const e of b.elements ?? []) expect(e.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
  }
  expect(JSON.stringify(message).length).toBeLessThanOrEqual(SLACK_LIMITS.message);
};

describe('buildSlackMessage', () => {
  it('renders a FAILED_OVER transition as header, summary, fields, quoted reason, context and links', () => {
    // Act
    const message = buildSlackMessage(failedOver);
    // Assert
    expect(message).toEqual({
      text: `orders-api failed over to secondary\n${failedOver.summary}`,
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: ':rotating_light: orders-api failed over to secondary', emoji: true },
        },
        { type: 'section', text: md(failedOver.summary) },
        {
          type: 'section',
          fields: [
            md('*Group*\norders-api'),
            md('*Record name*\napi.example.com.'),
            md('*Event*\nFAILED_OVER'),
            md('*DNS now serves*\nsecondary (eu-west-1)'),
            md('*Severity*\ncritical'),
            md('*Alert latency*\n3 min 5 s'),
          ],
        },
        {
          type: 'section',
          text: md(
            '*Alarm* r53-failover-prod-orders-api-primary-health: OK → ALARM\n' +
              '>Threshold Crossed: 1 out of the last 1 datapoints [0.0 (12/06/25 14:02:00)] was less than the threshold (1.0) (minimum 1 datapoint for OK -&gt; ALARM transition).',
          ),
        },
        {
          type: 'context',
          elements: [
            md('State changed 2025-06-12T14:03:27.412Z'),
            md('Correlation id 7f3c5b1e-0d2a-4c1b-9e8f-3a2b1c0d9e8f'),
            md(`Health check ${HEALTH_CHECK_ID}`),
            md('Notification orders-api#42#transition'),
          ],
        },
        {
          type: 'section',
          text: md(
            `<${HC_LINK}|Health check>  ·  <${ALARM_LINK}|Alarm>  ·  <https://runbooks.example.com/orders-api?section=failover&amp;env=prod|Runbook>`,
          ),
        },
      ],
    });
  });

  it('humanises a sub-minute latency in seconds', () => {
    // Act
    const blocks = blocksOf({ ...failedOver, latencySeconds: 42 });
    // Assert
    expect(blocks[2]?.fields?.[5]).toEqual(md('*Alert latency*\n42 s'));
  });

  it('escapes a hostile alarm reason so it can neither ping nor phish', () => {
    // Act
    const message = buildSlackMessage({ ...failedOver, reason: HOSTILE });
    // Assert
    const json = JSON.stringify(message);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil');
    expect(json).not.toContain('<@U123>');
    expect((message.blocks as RenderedBlock[])[3]?.text?.text).toBe(
      '*Alarm* r53-failover-prod-orders-api-primary-health: OK → ALARM\n' +
        '>&lt;!channel&gt; please &lt;https://evil.example|click here&gt; &amp; &lt;@U123&gt;',
    );
  });

  it('escapes every alarm- and user-provided text shown as mrkdwn, leaving only the trusted links as Slack syntax', () => {
    // Arrange
    const hostile: Notification = {
      ...failedOver,
      group: HOSTILE,
      recordName: HOSTILE,
      summary: HOSTILE,
      alarmName: HOSTILE,
      reason: HOSTILE,
      servingRegion: HOSTILE,
      correlationId: HOSTILE,
      id: HOSTILE,
      healthCheckId: HOSTILE,
      title: HOSTILE,
      links: { runbook: RUNBOOK_LINK },
    };
    // Act
    const message = buildSlackMessage(hostile);
    // Assert
    const mrkdwnTexts = textsOf(message.blocks as RenderedBlock[])
      .filter(({ t }) => t.type === 'mrkdwn')
      .map(({ t }) => t.text);
    const linkSection = `<https://runbooks.example.com/orders-api?section=failover&amp;env=prod|Runbook>`;
    expect(mrkdwnTexts.at(-1)).toBe(linkSection);
    expect(mrkdwnTexts.slice(0, -1).filter((t) => /[<>]/.test(t.replace(/^>/gm, '')))).toEqual([]);
    // The fallback is mrkdwn too; the header is plain_text, which Slack shows literally and never parses.
    expect(message.text).toBe(
      `${'&lt;!channel&gt; please &lt;https://evil.example|click here&gt; &amp; &lt;@U123&gt;'}\n${'&lt;!channel&gt; please &lt;https://evil.example|click here&gt; &amp; &lt;@U123&gt;'}`,
    );
    expect((message.blocks as RenderedBlock[])[0]?.text).toEqual({
      type: 'plain_text',
      text: `:rotating_light: ${HOSTILE}`,
      emoji: true,
    });
  });

  it('truncates a 50 KB reason visibly and keeps every Slack limit', () => {
    // Arrange
    const reason = '<&'.repeat(25_000);
    // Act
    const message = buildSlackMessage({ ...failedOver, reason });
    // Assert
    const reasonText = (message.blocks as RenderedBlock[])[3]?.text?.text ?? '';
    expect(reasonText.endsWith(TRUNCATED)).toBe(true);
    expect(reasonText.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(reasonText.length).toBeGreaterThan(SLACK_LIMITS.sectionText - 20);
    expect(reasonText).not.toMatch(/&(?!amp;|lt;|gt;)/); // the cut broke no entity
    expectWithinSlackLimits(message);
  });

  it('keeps the whole message within 40,000 characters when every untrusted text is huge and JSON-expensive', () => {
    // Arrange: a control character costs six JSON characters (\u0001), so per-block caps alone would overflow.
    const huge = '\u0001'.repeat(50_000);
    const n: Notification = {
      ...failedOver,
      group: huge,
      recordName: huge,
      summary: huge,
      alarmName: huge,
      reason: huge,
      title: huge,
      correlationId: huge,
      id: huge,
    };
    // Act
    const message = buildSlackMessage(n);
    // Assert
    expectWithinSlackLimits(message);
    expect(message.text.endsWith(TRUNCATED)).toBe(true);
    const blocks = message.blocks as RenderedBlock[];
    expect(blocks[1]?.text?.text.endsWith(TRUNCATED)).toBe(true);
    expect(blocks[2]?.fields?.[0]?.text.endsWith(TRUNCATED)).toBe(true);
    expect(blocks[3]?.text?.text.endsWith(TRUNCATED)).toBe(true);
  });

  it('cuts at any length without breaking an escaped entity or a surrogate pair', () => {
    // Arrange
    const escaped = escapeMrkdwn('<&>😀'.repeat(50));
    // Act
    const cuts = Array.from({ length: 40 }, (_, i) => truncate(escaped, TRUNCATED.length + 10 + i, true));
    // Assert
    for (const [i, cut] of cuts.entries()) {
      expect(cut.length).toBeLessThanOrEqual(TRUNCATED.length + 10 + i);
      expect(cut.endsWith(TRUNCATED)).toBe(true);
      expect(cut).not.toMatch(/&(?!amp;|lt;|gt;)/);
      expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });

  it('adds the flap figures to a flapping notice', () => {
    // Act
    const blocks = blocksOf({ ...failedOver, id: 'orders-api#42#flapping', kind: 'flapping', severity: 'warning' });
    // Assert
    expect(blocks[0]?.text?.text).toBe(':warning: orders-api failed over to secondary');
    expect(blocks[2]?.fields?.[2]).toEqual(md('*Event*\nFAILED_OVER (flapping)'));
    expect(blocks[4]).toEqual({
      type: 'section',
      text: md(
        '*Flapping:* 7 state changes between 2025-06-12T13:30:00.000Z and 2025-06-12T14:00:00.000Z; 5 notifications suppressed.',
      ),
    });
    expect(blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'context',
      'section',
    ]);
  });

  it('labels the flap figures of a flap summary as a summary', () => {
    // Act
    const blocks = blocksOf({ ...failedOver, kind: 'flap-summary', severity: 'info' });
    // Assert
    expect(blocks[0]?.text?.text).toBe(':information_source: orders-api failed over to secondary');
    expect(blocks[4]?.text?.text).toBe(
      '*Flap summary:* 7 state changes between 2025-06-12T13:30:00.000Z and 2025-06-12T14:00:00.000Z; 5 notifications suppressed.',
    );
  });

  it('says which reminder it is and how long the event has been open', () => {
    // Act
    const blocks = blocksOf({ ...failedOver, id: 'orders-api#42#reminder#2', kind: 'reminder' });
    // Assert
    expect(blocks[2]?.fields?.[2]).toEqual(md('*Event*\nFAILED_OVER (reminder)'));
    expect(blocks[4]).toEqual({ type: 'section', text: md('*Reminder 2:* FAILED_OVER still open after 1 h 30 min.') });
    expect(JSON.stringify(blocks)).not.toContain('Flapping');
  });
});

describe('slackChannel against a loopback Slack', () => {
  let slack: Receiver;
  let webhookUrl: string;
  beforeEach(async () => {
    slack = await startReceiver();
    webhookUrl = `${slack.url}${SECRET_PATH}`;
  });
  afterEach(async () => slack.close());

  // The receiver is on 127.0.0.1: private targets are allowed explicitly (the default refuses them).
  const send = (url: string, options: Partial<SlackChannelOptions> = {}, n: Notification = failedOver) =>
    slackChannel({ webhookUrl: async () => url, guard: { allowPrivateTargets: true }, ...options }).send(
      n,
      new AbortController().signal,
    );

  it('is named slack and accepts every notification kind', () => {
    // Arrange
    const channel = slackChannel({ webhookUrl: async () => webhookUrl });
    // Act
    const accepted = (['transition', 'reminder', 'no-data', 'flapping', 'flap-summary'] as const).map((kind) =>
      channel.accepts({ ...failedOver, kind }),
    );
    // Assert
    expect(channel.name).toBe('slack');
    expect(accepted).toEqual([true, true, true, true, true]);
  });

  it('POSTs the Block Kit JSON to the webhook and reports 200 ok as sent', async () => {
    // Arrange
    slack.respondWith(() => ({ status: 200, body: 'ok' }));
    // Act
    const result = await send(webhookUrl);
    // Assert
    expect(result).toEqual({ status: 'sent' });
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]).toMatchObject({ method: 'POST', path: SECRET_PATH, json: buildSlackMessage(failedOver) });
    expect(slack.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('retries a 429 after the Retry-After Slack asked for', async () => {
    // Arrange
    slack.respondWith(() => ({ status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' }));
    // Act
    const result = await send(webhookUrl);
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'slack answered 429 rate_limited', retryAfterMs: 7000 });
  });

  it('retries a 500', async () => {
    // Arrange
    slack.respondWith(() => ({ status: 500, body: 'rollup_error' }));
    // Act
    const result = await send(webhookUrl);
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'slack answered 500 rollup_error' });
  });

  it.each([
    [404, 'channel_not_found'],
    [403, 'invalid_token'],
    [410, 'channel_is_archived'],
    [400, 'invalid_payload'],
  ])('gives up on %i %s', async (status, body) => {
    // Arrange
    slack.respondWith(() => ({ status, body }));
    // Act
    const result = await send(webhookUrl);
    // Assert
    expect(result).toEqual({ status: 'permanent', reason: `slack answered ${status} ${body}` });
  });

  it('retries when the connection is refused', async () => {
    // Arrange
    const closed = await refusedUrl(SECRET_PATH);
    // Act
    const result = await send(closed);
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'network error (ECONNREFUSED)' });
  });

  it('retries when Slack does not answer within timeoutMs', async () => {
    // Arrange
    slack.respondWith(() => HANG);
    // Act
    const result = await send(webhookUrl, { timeoutMs: 200 });
    // Assert
    expect(result).toEqual({ status: 'retry', reason: 'timed out' });
    expect(slack.requests).toHaveLength(1);
  });

  it('never puts the webhook URL in a reason, whatever fails', async () => {
    // Arrange
    const answers: Reply[] = [
      { status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' },
      { status: 500, body: `upstream error for POST ${webhookUrl}` },
      { status: 404, body: `no_service ${SECRET_PATH}` },
      { status: 403, body: 'invalid_token' },
      { status: 410, body: 'channel_is_archived' },
      { status: 302, headers: { location: `${webhookUrl}/elsewhere` }, body: `see ${webhookUrl}/elsewhere` },
      { status: 200, body: `accepted ${SECRET_PATH}` },
    ];
    const results: SendResult[] = [];
    // Act
    for (const answer of answers) {
      slack.respondWith(() => answer);
      results.push(await send(webhookUrl));
    }
    slack.respondWith(() => HANG);
    results.push(await send(webhookUrl, { timeoutMs: 200 }));
    results.push(await send(await refusedUrl(SECRET_PATH)));
    results.push(await send(`not a url ${SECRET_PATH}`));
    results.push(
      await slackChannel({ webhookUrl: async () => Promise.reject(new Error(`cannot resolve ${webhookUrl}`)) }).send(
        failedOver,
        new AbortController().signal,
      ),
    );
    // Assert
    expect(results.map((r) => r.status)).toEqual([
      'retry',
      'retry',
      'permanent',
      'permanent',
      'permanent',
      'permanent',
      'sent',
      'retry',
      'retry',
      'permanent',
      'retry',
    ]);
    expect(results[2]).toEqual({ status: 'permanent', reason: 'slack answered 404 no_service [redacted]' });
    expect(results[10]).toEqual({ status: 'retry', reason: 'webhook url unavailable (Error)' });
    const rendered = JSON.stringify(results);
    expect(rendered).not.toContain('SECRETSECRET');
    expect(rendered).not.toContain(slack.url);
  });
});
