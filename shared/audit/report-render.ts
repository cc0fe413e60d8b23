import type { GroupStats } from './stats.js';
import type { Condition } from './timeline.js';
import { formatDuration, utcShort } from '../support/text.js';
import { REPORT_CSS } from './report-style.js';
import { CONDITION_COLOURS, esc, svgTimeline } from './report-svg.js';
import {
  fleetOverview,
  type EpisodeDetail,
  type EpisodeStep,
  type FleetRow,
  type GroupReport,
  type Report,
  type ReportFormat,
} from './report.js';

/** Rendering the audit report: its figures, text, Markdown and one self-contained HTML file. */

const when = utcShort;
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

/** The overview's columns after the group: figures worded as in each group's statistics table. */
interface OverviewColumn {
  head: string;
  text: (f: FleetRow) => string;
  /** A figure: its key in the statistics (`data-stat`) and its machine value (`data-value`). */
  stat?: 'failovers' | 'timeOnSecondarySeconds' | 'downtimeSeconds';
  /** HTML only: markup instead of the escaped text (one element, so a card keeps it in one grid cell), data attributes. */
  html?: (f: FleetRow) => string;
  data?: (f: FleetRow) => string;
  cls: string;
}
const OVERVIEW_COLUMNS: OverviewColumn[] = [
  {
    head: 'serving now',
    text: (f) => `${f.serving} (${f.condition})`,
    html: (f) => `<span>${swatch(f.condition)}${esc(f.serving)} <span class="meta">(${esc(f.condition)})</span></span>`,
    data: (f) => ` data-serving="${f.serving}" data-condition="${f.condition}"`,
    cls: 'serving',
  },
  { head: 'failovers', text: (f) => String(f.failovers), stat: 'failovers', cls: 'num' },
  {
    head: 'time on secondary',
    text: (f) => formatDuration(f.timeOnSecondarySeconds, 'min'),
    stat: 'timeOnSecondarySeconds',
    cls: 'num',
  },
  { head: 'downtime', text: (f) => formatDuration(f.downtimeSeconds, 'min'), stat: 'downtimeSeconds', cls: 'num' },
  {
    head: 'last event',
    text: (f) => (f.lastEvent ? `${f.lastEvent} ${when(f.lastChangeAt ?? '')}` : 'none'),
    html: (f) => (f.lastEvent ? `<span>${esc(f.lastEvent)} ${at(f.lastChangeAt ?? '')}</span>` : 'none'),
    data: (f) => ` data-event="${esc(f.lastEvent ?? '')}"`,
    cls: 'last-event',
  },
];
const OVERVIEW_HEAD = ['group', ...OVERVIEW_COLUMNS.map((c) => c.head)];
/** One overview row as text, the (untrusted) group name made safe by `safe`. */
const overviewCells = (f: FleetRow, safe: (s: string) => string): string[] => [
  safe(f.group),
  ...OVERVIEW_COLUMNS.map((c) => c.text(f)),
];
const OVERVIEW_NOTE =
  "Serving now: the member Route 53 answers with at the window's end, as status reads it (the timeline's condition in brackets).";

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
  else
    out.push(
      '',
      'Fleet overview',
      ...textTable([OVERVIEW_HEAD, ...fleetOverview(r).map((f) => overviewCells(f, plain))], '  '),
      `  ${OVERVIEW_NOTE}`,
    );
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
  if (r.groups.length)
    out.push(
      '',
      '## Fleet overview',
      '',
      ...mdTable(
        OVERVIEW_HEAD,
        fleetOverview(r).map((f) => overviewCells(f, md)),
      ),
      '',
      OVERVIEW_NOTE,
    );
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

/** A time that never breaks across lines. */
const at = (isoTime: string) => `<span class="nw">${esc(when(isoTime))}</span>`;
const swatch = (c: Condition) => `<span class="swatch" style="background:${CONDITION_COLOURS[c]}"></span>`;
/** A table in its own horizontal scroll container, so a narrow screen scrolls the table and not the page. */
const scroll = (table: string, label: string) =>
  `<div class="scroll" role="region" aria-label="${esc(label)}" tabindex="0">${table}</div>`;
/** `data-label` names the column where a narrow screen shows the row as a card (the first column needs none). */
const td = (html: string, attrs: { cls?: string; label?: string; data?: string } = {}) =>
  `<td${attrs.cls ? ` class="${attrs.cls}"` : ''}${attrs.label ? ` data-label="${esc(attrs.label)}"` : ''}${attrs.data ?? ''}>${html}</td>`;
const headRow = (head: string[]) =>
  `<thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>`;
const stepsTable = (rows: string[][], head: string[], label: string) => {
  const row = (r: string[]) =>
    r.map((c, i) => td(esc(c), { cls: i === r.length - 1 ? 'reason' : '', label: i ? head[i] : '' })).join('');
  return scroll(
    `<table class="steps cards">${headRow(head)}<tbody>${rows.map((r) => `<tr>${row(r)}</tr>`).join('')}</tbody></table>`,
    label,
  );
};

/** The fleet overview: one row per group with the figures of its section, the group name linking to it. */
const htmlOverview = (rows: FleetRow[]): string => {
  const cell = (c: OverviewColumn, f: FleetRow) =>
    td(c.html ? c.html(f) : esc(c.text(f)), {
      cls: c.cls,
      label: c.head,
      data: c.stat ? ` data-stat="${c.stat}" data-value="${f[c.stat]}"` : c.data?.(f),
    });
  const body = rows
    .map(
      (f) =>
        `<tr data-group="${esc(f.group)}"><th scope="row"><a href="#${esc(f.anchor)}">${esc(f.group)}</a></th>` +
        `${OVERVIEW_COLUMNS.map((c) => cell(c, f)).join('')}</tr>`,
    )
    .join('');
  return (
    `<section class="overview" aria-labelledby="fleet-overview"><h2 id="fleet-overview">Fleet overview</h2>` +
    scroll(`<table class="overview cards">${headRow(OVERVIEW_HEAD)}<tbody>${body}</tbody></table>`, 'Fleet overview') +
    `<p class="meta">${esc(OVERVIEW_NOTE)}</p></section>`
  );
};

const htmlGroup = (g: GroupReport, r: Report, anchor: string): string => {
  const stats = statsFigures(g.stats)
    .map(
      (f) =>
        `<tr><th scope="row">${esc(f.label)}</th><td class="num" data-stat="${f.key}" data-value="${f.raw === null ? '' : String(f.raw)}">${esc(f.value)}</td><td class="meaning">${esc(f.meaning)}</td></tr>`,
    )
    .join('');
  const episodes = g.episodes
    .map(
      (e) =>
        `<li class="episode" data-episode="${e.episode}"><p><strong>#${e.episode}</strong> ${at(e.start)} → ${e.end ? at(e.end) : '<span class="open">open</span>'} · ${esc(formatDuration(e.durationSeconds, 'min'))}${e.end ? '' : ' so far'}</p>` +
        stepsTable(
          e.events.map(stepLine),
          ['time', 'event', 'member', 'reason'],
          `${g.group} episode #${e.episode} events`,
        ) +
        (e.promotions.length
          ? stepsTable(
              e.promotions.map((p) => [when(p.at), p.event, p.promotionId, p.actor, p.reason]),
              ['time', 'promotion step', 'id', 'actor', 'reason'],
              `${g.group} episode #${e.episode} promotion steps`,
            )
          : '') +
        '</li>',
    )
    .join('');
  return (
    `<section class="group" id="${esc(anchor)}" data-group="${esc(g.group)}"><h2>${esc(g.group)}${g.recordName ? ` <small>${esc(g.recordName)}</small>` : ''}</h2>` +
    (g.runbookUrl ? `<p>Runbook: <code class="runbook">${esc(g.runbookUrl)}</code></p>` : '') +
    `<figure>${svgTimeline(g, r.since, r.until)}<figcaption class="meta">${at(r.since)} – ${at(r.until)}; ▼ notification (hollow: not sent), ◆ promotion step. Hover for details.</figcaption></figure>` +
    `<h3>Statistics</h3>${scroll(`<table class="stats"><tbody>${stats}</tbody></table>`, `${g.group} statistics`)}` +
    `<h3>Episodes</h3>${episodes ? `<ol class="episodes">${episodes}</ol>` : '<p>None in this window.</p>'}</section>`
  );
};

/**
 * One self-contained page: inline CSS and SVG, no scripts, no external references of any kind (so it opens offline
 * and leaks nothing when viewed); its only links are to its own sections (`#group-…`). Every piece of ledger text is
 * escaped; the runbook URL is shown as text, not a link.
 */
export const renderHtml = (r: Report): string => {
  const legend = (Object.keys(CONDITION_COLOURS) as Condition[]).map((c) => `<li>${swatch(c)}${c}</li>`).join('');
  const overview = fleetOverview(r);
  const heading = `Failover report ${at(r.since)} – ${at(r.until)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title(r))}</title><style>${REPORT_CSS}</style></head>
<body><header><h1>${heading}</h1><p class="meta">Generated ${at(r.generatedAt)} by r53-failover. Times are UTC.</p><ul class="legend">${legend}</ul></header>
${r.groups.length ? htmlOverview(overview) : ''}
${r.groups.map((g, i) => htmlGroup(g, r, overview[i]?.anchor ?? '')).join('\n') || '<p>No groups configured or recorded.</p>'}
</body></html>
`;
};

export const renderReport = (r: Report, format: ReportFormat): string =>
  format === 'html' ? renderHtml(r) : format === 'md' ? renderMarkdown(r) : renderText(r);
