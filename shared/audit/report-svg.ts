import { formatDuration, utcShort as when } from '../support/text.js';
import type { GroupReport } from './report.js';
import { ms, type Condition } from './timeline.js';

/** The report's timeline as inline SVG (no scripts, no external references), and the HTML escaping it shares. */

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
/** Room below the axis (y 90) for the tick labels, hung from y 94 so they fit at the larger narrow-screen size. */
const H = 124;
const PAD = 12;
const TICK_STEPS_MIN = [5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 20160, 43200];

export const svgTimeline = (g: GroupReport, since: string, until: string): string => {
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
      `<line x1="${tx.toFixed(2)}" y1="66" x2="${tx.toFixed(2)}" y2="90" stroke="#555" stroke-width="0.5"/><text x="${tx.toFixed(2)}" y="94" dominant-baseline="hanging" text-anchor="${anchor}">${esc(label)}</text>`,
    );
  }
  const label = `Timeline of ${g.group} from ${when(since)} to ${when(until)}`;
  return (
    `<svg class="timeline" role="img" aria-label="${esc(label)}" viewBox="0 0 ${W} ${H}" width="100%"><title>${esc(label)}</title>` +
    `<g class="bands">${bands.join('')}</g><line class="axis" x1="${PAD}" y1="90" x2="${W - PAD}" y2="90" stroke="#555"/><g class="ticks">${ticks.join('')}</g><g class="markers">${markers.join('')}</g></svg>`
  );
};
