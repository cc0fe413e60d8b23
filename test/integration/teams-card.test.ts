// @vitest-environment happy-dom
// The Teams card judged by Microsoft's own Adaptive Cards library (`adaptivecards`): it parses the card, validates it
// and renders it into happy-dom's DOM, where what a reader would see is checked.
import { AdaptiveCard, SerializationContext } from 'adaptivecards';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRUNCATED } from '../../shared/notify/channels/chat.js';
import {
  buildTeamsMessage,
  TEAMS_CARD_VERSION,
  TEAMS_LIMITS,
  teamsMessageBytes,
  type TeamsMessage,
} from '../../shared/notify/channels/teams.js';
import type { Notification } from '../../shared/notify/notification.js';
import { failedOverNotification as failedOver } from '../helpers/notification.js';

const HOSTILE =
  '[click here](https://evil.example/login) **URGENT** {{DATE(2017-02-14T06:08:39Z, SHORT)}} <at>everyone</at> <b>x</b>';

/** Every problem the library reports: parse events (unknown types, invalid values) and validation failures. */
const problemsOf = (m: TeamsMessage): string[] => {
  const card = new AdaptiveCard();
  const context = new SerializationContext();
  card.parse(m.attachments[0].content, context);
  const parsed = Array.from({ length: context.eventCount }, (_, i) => `parse: ${context.getEventAt(i).message}`);
  const validated = card.validateProperties().validationEvents.map((e) => `validate: ${e.message}`);
  return [...parsed, ...validated];
};

/** The card rendered by the library; what a reader sees is its text, and its anchors are what a click can open. */
const rendered = (m: TeamsMessage) => {
  const card = new AdaptiveCard();
  card.parse(m.attachments[0].content, new SerializationContext());
  const el = card.render();
  if (!el) throw new Error('the card rendered nothing');
  return el;
};

/** Every TextRun's text, in order. */
const texts = (m: TeamsMessage): string[] =>
  JSON.stringify(m.attachments[0].content)
    .match(/"type":"TextRun","text":"(?:[^"\\]|\\.)*"/g)
    ?.map((s) => JSON.parse(s.slice('"type":"TextRun","text":'.length)) as string) ?? [];

// A Markdown processor such as Teams applies to TextBlocks: were any untrusted text put in a Markdown-read element, a
// link or bold text would appear in the rendered DOM.
const original = AdaptiveCard.onProcessMarkdown;
beforeEach(() => {
  AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = text
      .replace(/\[([^\]]*)\]\(([^)]*)\)/g, '<a href="$2">$1</a>')
      .replace(/\*\*([^*]*)\*\*/g, '<strong>$1</strong>');
    result.didProcess = true;
  };
});
afterEach(() => {
  AdaptiveCard.onProcessMarkdown = original;
});

describe('buildTeamsMessage', () => {
  it('posts a message whose one attachment is an Adaptive Card, as Workflows webhooks take it', () => {
    // Act
    const message = buildTeamsMessage(failedOver);
    // Assert
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        fallbackText: `${failedOver.title}\n${failedOver.summary}`,
        msteams: { width: 'Full' },
      },
    });
  });

  it('lays a FAILED_OVER out as a titled banner, the summary, the details, the alarm, small print and link buttons', () => {
    // Act
    const card = buildTeamsMessage(failedOver).attachments[0].content;
    // Assert
    const bold = (label: string) => ({ type: 'TextRun', text: `${label}: `, weight: 'Bolder' });
    const run = (text: string) => ({ type: 'TextRun', text });
    const line = (...inlines: object[]) => ({ type: 'RichTextBlock', inlines });
    const small = (text: string) => line({ type: 'TextRun', text, size: 'Small', isSubtle: true });
    expect(card.body).toEqual([
      {
        type: 'Container',
        style: 'attention',
        bleed: true,
        items: [
          line({ type: 'TextRun', text: '🚨 orders-api failed over to eu-west-1', size: 'Large', weight: 'Bolder' }),
        ],
      },
      line(run(failedOver.summary)),
      line(bold('Group'), run('orders-api')),
      line(bold('Record name'), run('api.example.com')),
      line(bold('Event'), run('FAILED_OVER')),
      line(bold('DNS now serves'), run('secondary (eu-west-1)')),
      line(bold('Severity'), run('critical')),
      line(bold('Alert latency'), run('4 s')),
      {
        type: 'Container',
        style: 'emphasis',
        items: [
          line(bold('Alarm'), run('r53-failover-prod-orders-api-primary-health: OK → ALARM')),
          line({ type: 'TextRun', text: failedOver.reason, fontType: 'Monospace' }),
        ],
      },
      small('State changed 2025-06-12T14:03:27.412Z'),
      small('Correlation id 6a7e8feb-b491-4cf7-a9f1-bf3703467718'),
      small('Health check abcdef01-2345-6789-abcd-ef0123456789'),
      small('Notification orders-api#42#transition'),
    ]);
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Health check', url: failedOver.links.healthCheck },
      { type: 'Action.OpenUrl', title: 'Alarm', url: failedOver.links.alarm },
      { type: 'Action.OpenUrl', title: 'Runbook', url: failedOver.links.runbook },
    ]);
    expect(TEAMS_CARD_VERSION).toBe(card.version);
  });

  it.each<[string, Partial<Notification>]>([
    ['a FAILED_OVER transition', {}],
    ['a reminder', { id: 'orders-api#42#reminder#1', kind: 'reminder' }],
    ['a flapping notice', { id: 'orders-api#42#flapping', kind: 'flapping', severity: 'warning' }],
    ['a flap summary', { kind: 'flap-summary', severity: 'info' }],
    ['a no-data notice', { kind: 'no-data', event: 'UNKNOWN', state: 'INSUFFICIENT_DATA', severity: 'error' }],
    ['a stack alarm', { kind: 'ops-alarm', event: 'OPS_ALARM', group: '(stack)', serving: 'none', healthCheckId: '' }],
    ['an empty summary and reason', { summary: '', reason: '  ', correlationId: '' }],
    ['hostile text everywhere', { title: HOSTILE, summary: HOSTILE, reason: HOSTILE, group: HOSTILE, id: HOSTILE }],
  ])('is a valid Adaptive Card %s: the library reports no parse event and no validation failure', (_label, change) => {
    // Act
    const message = buildTeamsMessage({ ...failedOver, ...change });
    // Assert
    expect(problemsOf(message)).toEqual([]);
  });

  it('shows hostile text literally: no link, no bold, no date function, no mention', () => {
    // Arrange
    const hostile: Notification = {
      ...failedOver,
      title: HOSTILE,
      summary: HOSTILE,
      reason: HOSTILE,
      alarmName: HOSTILE,
      group: HOSTILE,
      recordName: HOSTILE,
      servingRegion: HOSTILE,
      correlationId: HOSTILE,
      id: HOSTILE,
      links: {},
    };
    // Act
    const el = rendered(buildTeamsMessage(hostile));
    // Assert
    expect(el.querySelectorAll('a[href], strong')).toHaveLength(0);
    const seen = (el.textContent ?? '').replace(/\u200B/g, '');
    expect(seen.split(HOSTILE).length - 1).toBe(9);
    expect(seen).not.toMatch(/2\/14\/2017|Feb(ruary)? 14/);
  });

  it('keeps the whole message within 24,000 UTF-8 bytes when every untrusted text is huge and JSON-expensive', () => {
    // Arrange: a control character costs six JSON bytes (\u0001), an emoji four UTF-8 bytes.
    const huge = '\u0001😀'.repeat(30_000);
    const n: Notification = {
      ...failedOver,
      title: huge,
      summary: huge,
      reason: huge,
      alarmName: huge,
      group: huge,
      recordName: huge,
      correlationId: huge,
      id: huge,
    };
    // Act
    const message = buildTeamsMessage(n);
    // Assert
    expect(teamsMessageBytes(message)).toBeLessThanOrEqual(TEAMS_LIMITS.message);
    expect(teamsMessageBytes(message)).toBeGreaterThan(TEAMS_LIMITS.message / 4);
    const all = texts(message);
    expect(all.filter((t) => t.endsWith(TRUNCATED)).length).toBe(8);
    expect(all.join('')).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no emoji cut in half
    expect(problemsOf(message)).toEqual([]);
  });

  it('cuts a 50 KB reason visibly and keeps the rest of the card whole', () => {
    // Act
    const message = buildTeamsMessage({ ...failedOver, reason: 'x'.repeat(50_000) });
    // Assert
    const reason = texts(message).find((t) => t.startsWith('xxx')) ?? '';
    expect(reason.endsWith(TRUNCATED)).toBe(true);
    expect(reason.length).toBe(TEAMS_LIMITS.text);
    expect(texts(message)).toContain('orders-api');
  });

  it('turns only http(s) links of at most 900 characters into buttons, and shows the others as text', () => {
    // Arrange
    const long = `https://runbooks.example.com/${'a'.repeat(1000)}`;
    // Act
    const message = buildTeamsMessage({
      ...failedOver,
      links: { healthCheck: 'javascript:alert(1)', alarm: long, runbook: 'https://runbooks.example.com/x' },
    });
    // Assert
    expect(message.attachments[0].content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Runbook', url: 'https://runbooks.example.com/x' },
    ]);
    expect(texts(message)).toEqual(
      expect.arrayContaining([
        'Health check: javascript:alert(1)',
        'Alarm: (link longer than 900 characters, not shown)',
      ]),
    );
  });

  it('adds the flap figures to a flapping notice and the reminder number to a reminder', () => {
    // Act
    const flapping = texts(buildTeamsMessage({ ...failedOver, kind: 'flapping', severity: 'warning' }));
    const reminder = texts(buildTeamsMessage({ ...failedOver, kind: 'reminder' }));
    // Assert
    expect(flapping).toEqual(
      expect.arrayContaining([
        '⚠️ orders-api failed over to eu-west-1',
        'FAILED_OVER (flapping)',
        'Flapping: ',
        '5 state changes between 2025-06-12T13:30:00.000Z and 2025-06-12T14:03:27.412Z; 2 notifications suppressed.',
      ]),
    );
    expect(reminder).toEqual(expect.arrayContaining(['Reminder 1: ', 'FAILED_OVER still open after 30 min.']));
    expect(texts(buildTeamsMessage(failedOver)).join(' ')).not.toMatch(/Flapping|Reminder/);
  });

  it('says nothing of group, record or serving member for a stack alarm', () => {
    // Act
    const all = texts(
      buildTeamsMessage({ ...failedOver, kind: 'ops-alarm', event: 'OPS_ALARM', group: '(stack)', serving: 'none' }),
    );
    // Assert
    expect(all).not.toContain('Group: ');
    expect(all).not.toContain('Record name: ');
    expect(all).not.toContain('DNS now serves: ');
    expect(all).toEqual(expect.arrayContaining(['Event: ', 'OPS_ALARM (ops-alarm)']));
  });
});
