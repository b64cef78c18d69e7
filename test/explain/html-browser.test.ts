/**
 * The HTML explain page in a real browser: Debian's chromium, headless, driven by
 * playwright-core. Without /usr/bin/chromium the tests are skipped with a notice
 * (install the `chromium` package to run them).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, explainSync } from '../../src/explain/explain.js';
import type { ExplainJson, ExplainJsonNode } from '../../src/explain/json.js';
import type { PhysicalJsonNode } from '../../src/explain/physical.js';
import { fromColumns } from '../../src/index.js';
import { starSchema } from '../support/star-schema.js';
import { gram, logistic } from './pipelines.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(`SKIPPED: the headless-browser tests of the HTML explain need ${CHROMIUM}; install Debian's chromium package (apt-get install chromium) to run them.`);
}

const HOSTILE = '</script><img src=x onerror="document.title=\'pwned\'">';

/** Every node of a JSON plan (repeats of shared subplans included, as the page draws them). */
function count(n: ExplainJsonNode | PhysicalJsonNode): number {
  let total = 0;
  const stack: (ExplainJsonNode | PhysicalJsonNode)[] = [n];
  while (stack.length > 0) {
    const x = stack.pop()!;
    total += 1;
    stack.push(...x.inputs, ...(x.body ? [x.body] : []));
  }
  return total;
}

function data(html: string): ExplainJson {
  return JSON.parse(/<script type="application\/json" id="tessera-explain">([\s\S]*?)<\/script>/.exec(html)![1]) as ExplainJson;
}

describe.skipIf(!available)(`explain html in headless chromium (${CHROMIUM})`, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tessera-html-'));
  let context: BrowserContext;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    // A new, empty profile; the flags keep the browser from reaching out (the machine has no network).
    context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Opens a page from a file; collects console errors, uncaught exceptions and every request. */
  async function open(name: string, html: string, width = 1280): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const file = join(tmp, name);
    writeFileSync(file, html);
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('#plans');
    return { page, errors, requests };
  }

  it('draws both plans, the rules and the physical plan; a rule shows the plan before and after it', async () => {
    const html = explainSync(gram().plan, { format: 'html' });
    const doc = data(html);
    expect(doc.trace.length).toBeGreaterThanOrEqual(2);
    const { page, errors, requests } = await open('gram.html', html);

    expect(await page.locator('#plan-logical li.node').count()).toBe(count(doc.logical));
    expect(await page.locator('#plan-optimized li.node').count()).toBe(count(doc.optimized));
    expect(await page.locator('#plan-physical li.node').count()).toBe(count(doc.physical.root));
    expect(await page.locator('#plan-physical .tag-provider').first().textContent()).toMatch(/^(js|onnxruntime|tfjs) · /);

    // The rule list: one tab per firing, the first selected, showing the plan before (as built) and after it.
    const tabs = page.locator('[role="tab"]');
    expect(await tabs.count()).toBe(doc.trace.length);
    expect(await tabs.nth(0).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#rule-detail > h3').textContent()).toBe(`Step 1 of ${doc.trace.length}: ${doc.trace[0].rule}`);
    expect(await page.locator('#rule-before li.node').count()).toBe(count(doc.logical));
    expect(await page.locator('#rule-after li.node').count()).toBe(count(doc.trace[0].plan!));

    await tabs.nth(1).click();
    expect(await tabs.nth(1).getAttribute('aria-selected')).toBe('true');
    expect(await tabs.nth(0).getAttribute('aria-selected')).toBe('false');
    expect(await page.locator('#rule-detail > h3').textContent()).toBe(`Step 2 of ${doc.trace.length}: ${doc.trace[1].rule}`);
    expect(await page.locator('#rule-before li.node').count()).toBe(count(doc.trace[0].plan!));
    expect(await page.locator('#rule-after li.node').count()).toBe(count(doc.trace[1].plan!));
    // What the rule changed is marked, in words as well as colour.
    expect(await page.locator('#rule-after li.mark-added').count()).toBeGreaterThan(0);
    expect(await page.locator('#rule-after li.mark-added .tag-added').first().textContent()).toBe('+ new');
    expect(await page.locator('#rule-before li.mark-removed').count()).toBeGreaterThan(0);

    // The keyboard moves between rules.
    await tabs.nth(1).focus();
    await page.keyboard.press('ArrowUp');
    expect(await tabs.nth(0).getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('rule-tab-0');
    await page.keyboard.press('End');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe(`rule-tab-${doc.trace.length - 1}`);

    // Collapsing a node hides what is below it; expanding shows it again.
    const root = page.locator('#plan-logical li.node').first();
    const child = page.locator('#plan-logical li.node').nth(1);
    await root.locator('> .row > button.toggle').click();
    expect(await root.locator('> .row > button.toggle').getAttribute('aria-expanded')).toBe('false');
    expect(await child.isVisible()).toBe(false);
    await root.locator('> .row > button.toggle').press('Enter');
    expect(await child.isVisible()).toBe(true);

    // Fits the window at 1280 px and at 800 px, and fetched nothing but itself.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    await page.setViewportSize({ width: 800, height: 900 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(800);
    const shot = join(tmp, 'gram-800.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(tmp, 'gram.html')).href]);
    await page.close();
  });

  it('shows hostile column names as text, never as markup', async () => {
    const t = fromColumns({ [HOSTILE]: Float64Array.from([1, 2, 3]), ['__proto__']: Float64Array.from([4, 5, 6]) });
    const html = t.filter((r) => r[HOSTILE].gt(1)).explain({ format: 'html' });
    const { page, errors } = await open('hostile.html', html);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('#plan-logical').textContent()).toContain(`Filter (${HOSTILE} > 1)`);
    expect(await page.locator('header').textContent()).toContain(`[${HOSTILE}: float64, __proto__: float64]`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws a loop with its body and whole-loop cost, and says when the optimizer is off', async () => {
    const html = logistic(40, 3).explain({ format: 'html', optimize: false });
    const doc = data(html);
    const { page, errors } = await open('loop.html', html);
    expect(await page.locator('#plan-optimized li.node').count()).toBe(count(doc.optimized));
    const loop = page.locator('#plan-optimized li.node').first();
    expect(await loop.textContent()).toMatch(/^▾Loop L\d+ × 3.*cost Σ \S+/);
    expect(await page.locator('#plan-optimized li.node').nth(1).textContent()).toMatch(/^▾body ×3: Elementwise sub/);
    expect(await page.locator('#rules').textContent()).toContain('None: the optimizer is off.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('after analyze, draws the decisions and the measured rows, times and bytes as bars', async () => {
    const schema = starSchema({ seed: 7, dims: 1, dimRows: 200, tupleRatio: 10, factFeatures: 2, dimFeatures: 12 });
    const html = await explain(schema.T.crossprod().plan, { format: 'html', analyze: true });
    const doc = data(html);
    expect(doc.decisions.length).toBeGreaterThan(0);
    const { page, errors } = await open('star.html', html);
    expect(await page.locator('#decisions .decision').count()).toBe(doc.decisions.length);
    expect(await page.locator('#decisions tr.chosen').first().textContent()).toContain(doc.decisions[0].chosen);
    const rows = page.locator('table.measure tbody tr');
    expect(await rows.count()).toBe(count(doc.optimized));
    // Time bars: the widest is the slowest operator, at 100%.
    const widths = await page.locator('table.measure tbody tr td:nth-child(5) .fill').evaluateAll((fills) => fills.map((f) => parseFloat(f.getAttribute('style')?.match(/width:\s*([\d.]+)%/)?.[1] ?? 'NaN')));
    const ran = (n: ExplainJsonNode): number => (n.actual ? 1 : 0) + n.inputs.reduce((a, c) => a + ran(c), 0) + (n.body ? ran(n.body) : 0);
    expect(widths).toHaveLength(ran(doc.optimized));
    expect(Math.max(...widths)).toBeCloseTo(100, 5);
    expect(await page.locator('dl.summary').textContent()).toContain('Ran in');
    const shot = join(tmp, 'star-1280.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    expect(errors).toEqual([]);
    await page.close();
  });
});
