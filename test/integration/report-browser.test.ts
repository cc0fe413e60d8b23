import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../local/drill/scenarios.js';
import { buildReport } from '../../shared/audit/report.js';
import { renderHtml } from '../../shared/audit/report-render.js';
import { EMPTY_CONFIG } from '../../shared/config/schema.js';
import { chromiumSkipReason, launchChromium } from '../helpers/chromium.js';
import { cliIn } from '../helpers/cli.js';
import { root } from '../helpers/template.js';

// The HTML report of a drill, opened in headless Chromium at a laptop's and a phone's width: the fleet overview and
// every timeline are laid out with a size, nothing overflows the page sideways, the overview's links reach their
// sections, and the page asks for nothing but itself. Screenshots go to test-artifacts/ (gitignored) for a look.

const WIDTHS = [1280, 390] as const;
const ARTIFACTS = join(root, 'test-artifacts');

interface DrillSummary {
  drill: { simulatedStart: string; config: string; ledger?: string };
  scenarios: ScenarioResult[];
}

interface Layout {
  scrollWidth: number;
  clientWidth: number;
  /** Elements reaching past either side of the viewport with no horizontal scroll container around them. */
  wide: string[];
  /** The labels of table containers that scroll sideways. */
  scrolling: string[];
}

/** Runs in the page (a string: the project's TypeScript has no DOM types). */
const LAYOUT = `(() => {
  const vw = document.documentElement.clientWidth;
  const inScroller = (el) => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    String(el.getAttribute('class') ?? '').split(' ').filter(Boolean).map((c) => '.' + c).join('');
  const wide = [...document.body.querySelectorAll('*')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5) && !inScroller(el);
  }).map((el) => name(el) + ' ' + Math.round(el.getBoundingClientRect().left) + '..' + Math.round(el.getBoundingClientRect().right));
  const scrolling = [...document.querySelectorAll('.scroll')].filter((el) => el.scrollWidth > el.clientWidth)
    .map((el) => el.getAttribute('aria-label'));
  return { scrollWidth: document.documentElement.scrollWidth, clientWidth: vw, wide, scrolling };
})()`;

const box = async (el: Locator) => ({ visible: await el.isVisible(), box: await el.boundingBox() });
/** Visible, with a width and a height. */
const shown = async (el: Locator) => {
  const b = await box(el);
  return b.visible && (b.box?.width ?? 0) > 0 && (b.box?.height ?? 0) > 0;
};

const skip = chromiumSkipReason();

describe.skipIf(skip)('the HTML report of a drill in headless Chromium', () => {
  let browser: Browser;
  let reportUrl: string;
  let groups: string[];

  beforeAll(async () => {
    // The drill into a kept ledger, then `report` on it over the drill's window, both through the CLI.
    const cli = cliIn();
    const cwd = mkdtempSync(join(tmpdir(), 'r53f-report-browser-'));
    const drill = await cli(cwd, 'drill', '--speed', 'fast', '--json', '--keep', 'kept');
    expect(drill.code, drill.err).toBe(0);
    const summary = JSON.parse(drill.out) as DrillSummary;
    groups = summary.scenarios.map((s) => s.group);
    const until =
      summary.scenarios
        .map((s) => s.endedAt)
        .sort()
        .at(-1) ?? '';
    const report = await cli(
      cwd,
      'report',
      '--format',
      'html',
      '--out',
      'report.html',
      '--config',
      summary.drill.config,
      '--ledger',
      summary.drill.ledger ?? '',
      '--since',
      summary.drill.simulatedStart,
      '--until',
      until,
    );
    expect(report.code, report.err).toBe(0);
    reportUrl = pathToFileURL(join(cwd, 'report.html')).href;
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => browser?.close());

  describe.each(WIDTHS)('%i px wide', (width) => {
    let page: Page;
    const requested: string[] = [];
    beforeAll(async () => {
      page = await browser.newPage({ viewport: { width, height: 900 } });
      page.on('request', (r) => requested.push(r.url()));
      await page.goto(reportUrl);
      // First, so a failing layout still leaves its picture.
      const shot = join(ARTIFACTS, `report-${width}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`screenshot: ${shot}`);
    });
    afterAll(async () => page?.close());

    it('shows the fleet overview, one row per group, each with a size', async () => {
      expect(await shown(page.locator('section.overview table.overview'))).toBe(true);
      const rows = await page.locator('table.overview tbody tr').all();
      const named = await Promise.all(rows.map((tr) => tr.getAttribute('data-group')));
      expect(named.sort()).toEqual([...groups].sort());
      for (const tr of rows) expect(await shown(tr)).toBe(true);
    });

    it('shows every timeline with a size, scaled to its figure', async () => {
      const sections = await page.locator('section.group').all();
      expect(sections).toHaveLength(groups.length);
      for (const section of sections) {
        const svg = section.locator('svg.timeline');
        const group = await section.getAttribute('data-group');
        expect(await svg.count(), `${group}: one timeline`).toBe(1);
        expect(await shown(svg), `${group}: timeline shown`).toBe(true);
        expect(await shown(svg.locator('rect.band').first()), `${group}: a band shown`).toBe(true);
        // Scaled to its figure (the page's width), not drawn at a fixed size.
        expect((await svg.boundingBox())?.width).toBeCloseTo(
          (await section.locator('figure').boundingBox())?.width ?? 0,
          0,
        );
      }
    });

    it('overflows nowhere: the page is as wide as the viewport, wide tables scroll in their own container', async () => {
      const layout = await page.evaluate<Layout>(LAYOUT);
      expect(layout.clientWidth).toBe(width);
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
      expect(layout.wide).toEqual([]);
      // On a phone every row table is a stack of cards that fits: nothing to scroll sideways, nothing cut off.
      if (width < 640) expect(layout.scrolling).toEqual([]);
    });

    it("links each overview row to its group's section", async () => {
      const group = groups[groups.length - 2] ?? '';
      await page.locator(`table.overview tr[data-group="${group}"] a`).click();
      expect(await page.evaluate<string>('location.hash')).toBe(`#group-${group}`);
      const section = await box(page.locator(`section.group[data-group="${group}"]`));
      expect(section.box?.y).toBeGreaterThanOrEqual(-1);
      expect(section.box?.y).toBeLessThan(900);
    });

    it('wraps the longest group name failover.yml allows instead of widening the page', async () => {
      const name = 'x'.repeat(63);
      const built = await buildReport({ groups: async () => [name], list: async () => [] }, undefined, EMPTY_CONFIG, {
        since: '2025-06-12T08:00:00.000Z',
        until: '2025-06-12T14:00:00.000Z',
        generatedAt: '2025-06-12T14:00:00.000Z',
      });
      const long = await browser.newPage({ viewport: { width, height: 900 } });
      await long.setContent(renderHtml(built));
      const layout = await long.evaluate<Layout>(LAYOUT);
      await long.close();
      expect([layout.scrollWidth, layout.wide]).toEqual([width, []]);
      if (width < 640) expect(layout.scrolling).toEqual([]);
    });

    it('asks for nothing but the file itself', () => {
      expect(new Set(requested)).toEqual(new Set([reportUrl]));
    });
  });
});
