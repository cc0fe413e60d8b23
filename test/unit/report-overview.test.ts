import { Window } from 'happy-dom';
import { describe, expect, it } from 'vitest';
import { buildReport, fleetOverview } from '../../shared/audit/report.js';
import { renderHtml, renderMarkdown, renderText } from '../../shared/audit/report-render.js';
import type { AuditLedger } from '../../shared/audit/stats.js';
import { EMPTY_CONFIG } from '../../shared/config/schema.js';

// The fleet overview's anchors and escaping, on groups only a ledger (never failover.yml's name rule) could hold.
const HOSTILE = '<b onmouseover="x()">a.b</b>&\'';
const ledger = (groups: string[]): AuditLedger => ({ groups: async () => groups, list: async () => [] });
const report = (groups: string[]) =>
  buildReport(ledger(groups), undefined, EMPTY_CONFIG, {
    since: '2025-06-12T08:00:00.000Z',
    until: '2025-06-12T14:00:00.000Z',
    generatedAt: '2025-06-12T14:00:00.000Z',
  });

describe('fleet overview', () => {
  it('gives every group a unique section id made of safe characters', async () => {
    const rows = fleetOverview(await report(['a.b', 'a_b', 'orders-api']));
    expect(rows.map((r) => [r.group, r.anchor])).toEqual([
      ['a.b', 'group-a_b'],
      ['a_b', 'group-a_b-2'],
      ['orders-api', 'group-orders-api'],
    ]);
    // No entries yet: Route 53 answers with the primary, the timeline knows nothing.
    expect(rows[2]).toMatchObject({ serving: 'primary', condition: 'unknown', lastEvent: null, failovers: 0 });
  });

  it('escapes a group name in the HTML overview, its link and its section like the rest of the report', async () => {
    const html = renderHtml(await report([HOSTILE]));
    expect(html).not.toContain('<b ');
    const window = new Window();
    const doc = new window.DOMParser().parseFromString(html, 'text/html');
    const link = doc.querySelector('table.overview a');
    expect([link?.textContent, link?.getAttribute('href')]).toEqual([HOSTILE, '#group-_b_onmouseover__x____a_b__b___']);
    expect(doc.querySelector(link?.getAttribute('href') ?? '')?.getAttribute('data-group')).toBe(HOSTILE);
    expect(doc.querySelectorAll('b')).toHaveLength(0);
    await window.happyDOM.close();
  });

  it('escapes it in Markdown and text too', async () => {
    const r = await report([HOSTILE]);
    expect(renderMarkdown(r)).toContain(
      '| \\<b onmouseover="x()"\\>a.b\\</b\\>\\&\' | primary (unknown) | 0 | 0 s | 0 s | none |',
    );
    expect(renderText(await report(['evil\u001b[2J']))).toMatch(/^ {2}evil\uFFFD\[2J\s+primary \(unknown\)/m);
  });
});
