import { type GroupStats } from './stats.js';
import { ms, type Condition } from './timeline.js';
import { formatDuration } from '../support/text.js';
import type { EpisodeDetail, EpisodeStep, GroupReport, Report, ReportFormat } from './report.js';

/** Rendering the audit report: its figures, text, Markdown and one self-contained HTML file. */

const when = (isoTime: string) => isoTime.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
const pair = (l: { p50Seconds: number | null; maxSeconds: number | null }) =>
  `${formatDuration(l.p50Seconds, 'min')} / ${formatDuration(l.maxSeconds, 'min')}`;

/** The statistics as rows of figure, value, machine value (seconds or count) and definition. */
export const statsFigures = (
  s: GroupStats,
): { key: string; label: string; value: string; raw: number | null; meaning: string }[] => [
  {
    key: 'failovers',
    label: 'Failovers',
    value: String(s.failovers),
    raw: s.failovers,
    meaning: 'episodes opened in the window (FAILED_OVER or BOTH_UNHEALTHY)',
  },
  {
    key: 'timeOnSecondarySeconds',
    label: 'Time on secondary',
    value: formatDuration(s.timeOnSecondarySeconds, 'min'),
    raw: s.timeOnSecondarySeconds,
    meaning: 'DNS served the secondary',
  },
  {
    key: 'downtimeSeconds',
    label: 'Downtime',
    value: formatDuration(s.downtimeSeconds, 'min'),
    raw: s.downtimeSeconds,
    meaning: 'both members in ALARM',
  },
  { key: 'flaps', label: 'Flapping periods', value: String(s.flaps), raw: s.flaps, meaning: 'by the notify.flap rule' },
  {
    key: 'mttrSeconds',
    label: 'MTTR',
    value: formatDuration(s.mttrSeconds, 'min'),
    raw: s.mttrSeconds,
    meaning: 'mean opener → RECOVERED of those episodes (open ones to the end)',
  },
  {
    key: 'episodes',
    label: 'Episodes',
    value: String(s.episodes.length),
    raw: s.episodes.length,
    meaning: 'episodes overlapping the window',
  },
  {
    key: 'timeToDetect',
    label: 'Time to detect (p50 / max)',
    value: pair(s.timeToDetect),
    raw: s.timeToDetect.p50Seconds,
    meaning: 'state change → recorded',
  },
  {
    key: 'timeToNotify',
    label: 'Time to notify (p50 / max)',
    value: pair(s.timeToNotify),
    raw: s.timeToNotify.p50Seconds,
    meaning: 'state change → first sent notification',
  },
  {
    key: 'promotions',
    label: 'Promotions',
    raw: s.promotions.count,
    meaning: 'IN_PROGRESS → SUCCEEDED / FAILED',
    value: `${s.promotions.count} (${s.promotions.succeeded} succeeded, ${s.promotions.failed} failed)${s.promotions.durationsSeconds.length ? `; took ${s.promotions.durationsSeconds.map((d) => formatDuration(d, 'min')).join(', ')}` : ''}`,
  },
];

const episodeHeading = (e: EpisodeDetail) =>
  `Episode #${e.episode}: ${when(e.start)} → ${e.end ? when(e.end) : 'open'} (${formatDuration(e.durationSeconds, 'min')}${e.end ? '' : ' so far'}), ${e.events.length} events, ${e.promotions.length} promotion steps`;
const stepLine = (s: EpisodeStep) => [when(s.at), s.event, `${s.role} ${s.state}`, s.reason];
const title = (r: Report) => `Failover report ${when(r.since)} – ${when(r.until)}`;

// ---- text and Markdown ------------------------------------------------------------------------------------------

/** Terminal-safe: control characters (ANSI escapes) and bidi overrides in untrusted text become U+FFFD. */
export const plain = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\uFFFD');

/** Columns padded to their widest cell. */
export const textTable = (rows: string[][], indent = ''): string[] => {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows.map((r) =>
    `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd(),
  );
};

export const renderText = (r: Report): string => {
  const out = [title(r), `generated ${when(r.generatedAt)}`];
  if (r.groups.length === 0) out.push('', 'no groups configured or recorded');
  for (const g of r.groups) {
    out.push('', `== ${plain(g.group)}${g.recordName ? ` (${plain(g.recordName)})` : ''} ==`);
    if (g.runbookUrl) out.push(`runbook: ${plain(g.runbookUrl)}`);
    out.push(
      '',
      'Timeline',
      ...textTable(
        [
          ['condition', 'from', 'to', 'duration'],
          ...g.intervals.map((i) => [i.condition, when(i.start), when(i.end), formatDuration(i.seconds, 'min')]),
        ],
        '  ',
      ),
    );
    out.push('', 'Notifications and promotion steps');
    out.push(
      ...(g.markers.length
        ? textTable(
            g.markers.map((m) => [when(m.at), m.kind, m.status, plain(m.label), plain(m.detail)]),
            '  ',
          )
        : ['  none']),
    );
    out.push(
      '',
      'Statistics',
      ...textTable(
        statsFigures(g.stats).map((f) => [f.label, f.value, f.meaning]),
        '  ',
      ),
    );
    out.push('', 'Episodes');
    if (g.episodes.length === 0) out.push('  none');
    for (const e of g.episodes) {
      out.push(
        `  ${episodeHeading(e)}`,
        ...textTable(
          e.events.map((s) => stepLine(s).map(plain)),
          '    ',
        ),
      );
      if (e.promotions.length)
        out.push(
          '    promotion steps:',
          ...textTable(
            e.promotions.map((p) => [when(p.at), p.event, plain(p.promotionId), plain(p.actor), plain(p.reason)]),
            '    ',
          ),
        );
    }
  }
  return `${out.join('\n')}\n`;
};

/** Untrusted text in Markdown: no raw HTML, links or autolinks, emphasis, code or table breaks; one line. */
export const md = (s: string) =>
  plain(s)
    .replace(/\uFFFD/g, ' ')
    .replace(/[\\`*_{}[\]|~<>&]/g, (c) => `\\${c}`)
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
const mdTable = (head: string[], rows: string[][]) => [
  `| ${head.join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];

export const renderMarkdown = (r: Report): string => {
  const out = [`# ${title(r)}`, '', `Generated ${when(r.generatedAt)}.`];
  for (const g of r.groups) {
    out.push('', `## ${md(g.group)}${g.recordName ? ` (${md(g.recordName)})` : ''}`);
    if (g.runbookUrl) out.push('', `Runbook: ${md(g.runbookUrl)}`);
    out.push(
      '',
      '### Timeline',
      '',
      ...mdTable(
        ['condition', 'from', 'to', 'duration'],
        g.intervals.map((i) => [i.condition, when(i.start), when(i.end), formatDuration(i.seconds, 'min')]),
      ),
    );
    out.push('', '### Notifications and promotion steps', '');
    out.push(
      ...(g.markers.length
        ? mdTable(
            ['time', 'kind', 'status', 'what', 'detail'],
            g.markers.map((m) => [when(m.at), m.kind, m.status, md(m.label), md(m.detail)]),
          )
        : ['None.']),
    );
    out.push(
      '',
      '### Statistics',
      '',
      ...mdTable(
        ['figure', 'value', 'meaning'],
        statsFigures(g.stats).map((f) => [f.label, f.value, f.meaning]),
      ),
    );
    out.push('', '### Episodes', '');
    if (g.episodes.length === 0) out.push('None.');
    for (const e of g.episodes) {
      out.push(`- **${episodeHeading(e)}**`);
      for (const s of e.events) out.push(`  - ${when(s.at)} ${s.event} (${s.role} ${s.state}): ${md(s.reason)}`);
      for (const p of e.promotions)
        out.push(`  - promotion step ${when(p.at)} ${p.event} ${md(p.promotionId)} by ${md(p.actor)}: ${md(p.reason)}`);
    }
  }
  return `${out.join('\n')}\n`;
};

// ---- HTML ------------------------------------------------------------------------------------------------------

/** Escapes text and attribute values alike. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Band colours: the same in the SVG `fill` (so they print without CSS) and the legend. */
export const CONDITION_COLOURS: Record<Condition, string> = {
  healthy: '#2e7d32',
  'failed-over': '#f59e0b',
  down: '#c62828',
  unknown: '#9e9e9e',
};
const MARKER_COLOURS = { notification: '#1565c0', promotion: '#6a1b9a' };

const W = 1000;
const PAD = 12;
const TICK_STEPS_MIN = [5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 20160, 43200];

const svgTimeline = (g: GroupReport, since: string, until: string): string => {
  const from = ms(since);
  const span = Math.max(1, ms(until) - from);
  const x = (t: string | number) =>
    (PAD + (((typeof t === 'number' ? t : ms(t)) - from) / span) * (W - 2 * PAD)).toFixed(2);
  const bands = g.intervals.map((i) => {
    const tip = `${i.condition}: ${when(i.start)} – ${when(i.end)} (${formatDuration(i.seconds, 'min')})`;
    const width = (Number(x(i.end)) - Number(x(i.start))).toFixed(2);
    return `<rect class="band band-${i.condition}" data-condition="${i.condition}" x="${x(i.start)}" y="30" width="${width}" height="36" fill="${CONDITION_COLOURS[i.condition]}"><title>${esc(tip)}</title></rect>`;
  });
  const markers = g.markers.map((m) => {
    const cx = Number(x(m.at));
    const tip = esc(`${when(m.at)} ${m.kind} ${m.status}: ${m.label}${m.detail ? ` (${m.detail})` : ''}`);
    const colour = MARKER_COLOURS[m.kind];
    const shape =
      m.kind === 'notification'
        ? `<path d="M${(cx - 5).toFixed(2)} 14 L${(cx + 5).toFixed(2)} 14 L${cx.toFixed(2)} 26 Z" fill="${m.status === 'sent' ? colour : '#ffffff'}" stroke="${colour}" stroke-width="1.5"/>`
        : `<path d="M${cx.toFixed(2)} 70 L${(cx + 5).toFixed(2)} 76 L${cx.toFixed(2)} 82 L${(cx - 5).toFixed(2)} 76 Z" fill="${colour}"/>`;
    return `<g class="marker marker-${m.kind} status-${esc(m.status.toLowerCase())}">${shape}<title>${tip}</title></g>`;
  });
  const stepMin = TICK_STEPS_MIN.find((s) => span / (s * 60_000) <= 8) ?? 43200;
  const step = stepMin * 60_000;
  const ticks: string[] = [];
  for (let t = Math.ceil(from / step) * step; t <= from + span; t += step) {
    const label = new Date(t)
      .toISOString()
      .slice(5, stepMin >= 1440 ? 10 : 16)
      .replace('T', ' ');
    const tx = Number(x(t));
    const anchor = tx < PAD + 30 ? 'start' : tx > W - PAD - 30 ? 'end' : 'middle';
    ticks.push(
      `<line x1="${tx.toFixed(2)}" y1="66" x2="${tx.toFixed(2)}" y2="90" stroke="#555" stroke-width="0.5"/><text x="${tx.toFixed(2)}" y="102" text-anchor="${anchor}">${esc(label)}</text>`,
    );
  }
  const label = `Timeline of ${g.group} from ${when(since)} to ${when(until)}`;
  return (
    `<svg class="timeline" role="img" aria-label="${esc(label)}" viewBox="0 0 ${W} 110" width="100%"><title>${esc(label)}</title>` +
    `<g class="bands">${bands.join('')}</g><line class="axis" x1="${PAD}" y1="90" x2="${W - PAD}" y2="90" stroke="#555"/><g class="ticks">${ticks.join('')}</g><g class="markers">${markers.join('')}</g></svg>`
  );
};

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2.5rem; }
.meta { color: #555; margin-top: 0; }
.legend { display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; list-style: none; font-size: .9rem; }
.legend span { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em; margin-right: .3em; border-radius: 2px; }
svg.timeline { display: block; width: 100%; height: auto; }
svg.timeline text { font-size: 11px; fill: #333; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
td.num { font-variant-numeric: tabular-nums; } .meaning { color: #666; font-size: .85rem; }
.reason { max-width: 36rem; overflow-wrap: anywhere; color: #333; }
ol.episodes > li { margin-bottom: 1rem; } .open { color: #c62828; font-weight: 600; }
code { overflow-wrap: anywhere; } figure { margin: 0 0 .5rem; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  section.group { break-before: page; } section.group:first-of-type { break-before: auto; }
  figure, table, ol.episodes > li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}`;

const cell = (s: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(s)}</td>`;
const stepsTable = (rows: string[][], head: string[]) =>
  `<table class="steps"><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell(c, i === r.length - 1 ? 'reason' : '')).join('')}</tr>`).join('')}</tbody></table>`;

const htmlGroup = (g: GroupReport, r: Report): string => {
  const stats = statsFigures(g.stats)
    .map(
      (f) =>
        `<tr><th scope="row">${esc(f.label)}</th><td class="num" data-stat="${f.key}" data-value="${f.raw === null ? '' : String(f.raw)}">${esc(f.value)}</td><td class="meaning">${esc(f.meaning)}</td></tr>`,
    )
    .join('');
  const episodes = g.episodes
    .map(
      (e) =>
        `<li class="episode" data-episode="${e.episode}"><p><strong>#${e.episode}</strong> ${esc(when(e.start))} → ${e.end ? esc(when(e.end)) : '<span class="open">open</span>'} · ${esc(formatDuration(e.durationSeconds, 'min'))}${e.end ? '' : ' so far'}</p>` +
        stepsTable(e.events.map(stepLine), ['time', 'event', 'member', 'reason']) +
        (e.promotions.length
          ? stepsTable(
              e.promotions.map((p) => [when(p.at), p.event, p.promotionId, p.actor, p.reason]),
              ['time', 'promotion step', 'id', 'actor', 'reason'],
            )
          : '') +
        '</li>',
    )
    .join('');
  return (
    `<section class="group" data-group="${esc(g.group)}"><h2>${esc(g.group)}${g.recordName ? ` <small>${esc(g.recordName)}</small>` : ''}</h2>` +
    (g.runbookUrl ? `<p>Runbook: <code class="runbook">${esc(g.runbookUrl)}</code></p>` : '') +
    `<figure>${svgTimeline(g, r.since, r.until)}<figcaption class="meta">${esc(when(r.since))} – ${esc(when(r.until))}; ▼ notification (hollow: not sent), ◆ promotion step. Hover for details.</figcaption></figure>` +
    `<h3>Statistics</h3><table class="stats"><tbody>${stats}</tbody></table>` +
    `<h3>Episodes</h3>${episodes ? `<ol class="episodes">${episodes}</ol>` : '<p>None in this window.</p>'}</section>`
  );
};

/**
 * One self-contained page: inline CSS and SVG, no scripts, no external references of any kind (so it opens offline
 * and leaks nothing when viewed). Every piece of ledger text is escaped; the runbook URL is shown as text, not a link.
 */
export const renderHtml = (r: Report): string => {
  const legend = (Object.entries(CONDITION_COLOURS) as [Condition, string][])
    .map(([c, col]) => `<li><span style="background:${col}"></span>${c}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title(r))}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title(r))}</h1><p class="meta">Generated ${esc(when(r.generatedAt))} by r53-failover. Times are UTC.</p><ul class="legend">${legend}</ul></header>
${r.groups.map((g) => htmlGroup(g, r)).join('\n') || '<p>No groups configured or recorded.</p>'}
</body></html>
`;
};

export const renderReport = (r: Report, format: ReportFormat): string =>
  format === 'html' ? renderHtml(r) : format === 'md' ? renderMarkdown(r) : renderText(r);
