/**
 * The HTML report's stylesheet (inline in the page: no external stylesheet, font or url()). Wide screens get tables;
 * below 40rem the overview and episode tables become one card per row and the timeline's labels grow, so nothing
 * overflows a phone's width (test/integration/report-browser.test.ts checks both in Chromium); print is A4 landscape.
 */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2.5rem; }
h1, h2, small { overflow-wrap: anywhere; } .nw { white-space: nowrap; }
.meta { color: #555; margin-top: 0; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem 1rem; padding: 0; list-style: none; font-size: .9rem; }
.swatch { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em; margin-right: .3em; border-radius: 2px; }
svg.timeline { display: block; width: 100%; height: auto; }
svg.timeline text { font-size: 11px; fill: #333; }
.scroll { overflow-x: auto; max-width: 100%; margin: .5rem 0 1rem; }
.scroll > table { margin: 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
td.num { font-variant-numeric: tabular-nums; } .meaning { color: #666; font-size: .85rem; }
table.steps td:not(.reason), table.overview td { white-space: nowrap; }
.reason { min-width: 14rem; max-width: 36rem; overflow-wrap: anywhere; color: #333; }
table.overview th[scope="row"] { position: sticky; left: 0; background: #fff; min-width: 8rem; max-width: 18rem; overflow-wrap: anywhere; }
table.overview a { color: #0b57d0; }
ol.episodes { padding-left: 1.6rem; } ol.episodes > li { margin-bottom: 1rem; } .open { color: #c62828; font-weight: 600; }
code { overflow-wrap: anywhere; } figure { margin: 0 0 .5rem; }
@media (max-width: 40rem) {
  body { margin: 1rem auto; }
  svg.timeline text { font-size: 30px; }
  svg.timeline g.ticks text:nth-of-type(even) { display: none; }
  svg.timeline .marker path { transform-box: fill-box; transform-origin: center; transform: scale(1.8); }
  .meaning { font-size: .8rem; }
  /* Row tables become one card per row: each cell on its own line after its column's name. */
  table.cards thead { display: none; }
  table.cards, table.cards tbody, table.cards tr, table.cards th, table.cards td { display: block; }
  table.cards tr { border-bottom: 1px solid #e3e3e3; padding: .4rem 0; }
  table.cards th, table.cards td { border: 0; padding: .1rem .6rem; overflow-wrap: anywhere; min-width: 0; max-width: none; }
  table.cards th, table.cards td, table.steps td:not(.reason), table.overview td { white-space: normal; }
  table.cards td:first-child, table.overview th[scope="row"] { font-weight: 600; position: static; }
  table.cards td[data-label] { display: grid; grid-template-columns: 7rem minmax(0, 1fr); column-gap: .5rem; }
  table.overview.cards td[data-label] { grid-template-columns: 8.5rem minmax(0, 1fr); }
  table.cards td[data-label]::before { content: attr(data-label); color: #666; }
}
@page { size: A4 landscape; margin: 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { margin: 0; max-width: none; font-size: 10pt; }
  .scroll { overflow: visible; }
  section.group { break-before: page; } section.group:first-of-type { break-before: auto; }
  figure, table, ol.episodes > li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}`;
