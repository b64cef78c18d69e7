import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { explain, explainReport, explainSync } from '../../src/explain/explain.js';
import { type HtmlFigures, htmlFigures, scriptSafeJson } from '../../src/explain/html.js';
import { type ExplainJson, type ExplainJsonNode, explainJson, writeJson } from '../../src/explain/json.js';
import { formatBytes, formatCount, formatMs, formatRatio } from '../../src/explain/text.js';
import { fromColumns } from '../../src/index.js';
import { transposeFolding } from '../../src/optimizer/rules/r12-transpose-folding.js';
import { dropSortUnderAggregate, gram, sortedJoinFilterGroup } from './pipelines.js';

/** A column name that would end the data element and run script if it were written into the page as HTML. */
const HOSTILE = '</script><img src=x onerror=alert(1)>';
const SEPARATORS = 'line\u2028paragraph\u2029end';
const LITERAL = '</SCRIPT><!--<script>&amp;';

/** A pipeline whose column names and literals are hostile to HTML and to JavaScript string parsing. */
function hostilePipeline() {
  return fromColumns({
    [HOSTILE]: Float64Array.from([1, 2, 3, 4]),
    ['__proto__']: Float64Array.from([5, 6, 7, 8]),
    [SEPARATORS]: ['a', LITERAL, 'c', 'd'],
  })
    .filter((r) => r[SEPARATORS].eq(LITERAL))
    .filter((r) => r[HOSTILE].gt(1));
}

/** The text of every `<script …>` element, with its opening tag. */
function scripts(html: string): { open: string; text: string }[] {
  return [...html.matchAll(/(<script[^>]*>)([\s\S]*?)<\/script>/gi)].map((m) => ({ open: m[1], text: m[2] }));
}

function embedded(html: string): { doc: ExplainJson; figures: HtmlFigures } {
  const s = scripts(html);
  const doc = s.find((x) => x.open.includes('id="tessera-explain"'))!;
  const figures = s.find((x) => x.open.includes('id="tessera-figures"'))!;
  return { doc: JSON.parse(doc.text) as ExplainJson, figures: JSON.parse(figures.text) as HtmlFigures };
}

function nodes(n: ExplainJsonNode): ExplainJsonNode[] {
  const out: ExplainJsonNode[] = [];
  const stack = [n];
  while (stack.length > 0) {
    const x = stack.pop()!;
    out.push(x);
    stack.push(...x.inputs, ...(x.body ? [x.body] : []));
  }
  return out;
}

describe('explain html', () => {
  it('escapes what would end or change a script element, and U+2028/U+2029', () => {
    const json = JSON.stringify({ name: `${HOSTILE}${SEPARATORS}<!-- & >` });
    const safe = scriptSafeJson(json);
    expect(safe).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(safe)).toEqual(JSON.parse(json));
  });

  it('keeps hostile column names and literals inside the JSON data, never as markup', () => {
    const pipeline = hostilePipeline();
    const html = pipeline.explain({ format: 'html' });
    // Exactly the page's three script elements (two JSON data, one renderer), no image, no raw separators.
    const s = scripts(html);
    expect(s.map((x) => x.open)).toEqual(['<script type="application/json" id="tessera-explain">', '<script type="application/json" id="tessera-figures">', '<script>']);
    expect(html.match(/<script/gi)).toHaveLength(3);
    expect(html.match(/<\/script>/gi)).toHaveLength(3);
    expect(html).not.toMatch(/<img|onerror=alert\(1\)>|<!--/i);
    expect(html).not.toMatch(/[\u2028\u2029]/);
    // The data reads back as the JSON form, hostile names and literals intact.
    const { doc } = embedded(html);
    const expected = JSON.parse(writeJson(explainJson(explainReport(pipeline.plan), { verbose: true }))) as ExplainJson;
    expect(doc).toEqual(expected);
    expect(doc.output).toMatchObject({ kind: 'relation', columns: [{ name: HOSTILE }, { name: '__proto__' }, { name: SEPARATORS }] });
    if (doc.output.kind !== 'relation') throw new Error('expected a relation');
    expect(Object.getPrototypeOf(doc.output.columns[1])).toBe(Object.prototype);
    const labels = nodes(doc.logical).map((n) => n.label);
    expect(labels.some((l) => l.includes(LITERAL))).toBe(true);
    expect(labels.some((l) => l.includes(HOSTILE))).toBe(true);
  });

  it('is one self-contained page: no address to fetch, a policy that allows only its own script and style', () => {
    const html = explainSync(sortedJoinFilterGroup().plan, { format: 'html', rules: [dropSortUnderAggregate] });
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<main id="app"');
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const script = scripts(html)[2].text;
    expect(html.replace(script, '')).not.toMatch(/\b(src|href)\s*=|https?:|url\(|@import|@font-face/i);
    expect(script).not.toMatch(/https?:|fetch\(|XMLHttpRequest|import\(/);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1];
    expect(csp.split('; ')).toEqual([`default-src 'none'`, `script-src ${hash(script)}`, `style-src ${hash(style)}`, `img-src 'none'`, `base-uri 'none'`, `form-action 'none'`]);
    // The renderer is plain JavaScript that parses (the browser test runs it).
    expect(() => new Script(script)).not.toThrow();
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('carries the plan after every rule and the figures written as the text form writes them', async () => {
    const m = gram();
    const html = await explain(m.plan, { format: 'html', rules: [transposeFolding] });
    const { doc, figures } = embedded(html);
    expect(doc.trace.length).toBeGreaterThan(0);
    for (const step of doc.trace) expect(step.plan).toBeDefined();
    expect(doc.trace.at(-1)!.plan).toEqual(doc.optimized);
    const table = (kind: string) => new Map(figures.figures.find((f) => f.kind === kind)!.values);
    expect(table('count').get(doc.cost.before)).toBe(formatCount(doc.cost.before));
    expect(table('count').get(doc.cost.after)).toBe(formatCount(doc.cost.after));
    for (const n of nodes(doc.optimized)) expect(table('count').get(n.estimate!.cost)).toBe(formatCount(n.estimate!.cost));
    expect(table('ms').get(doc.physical.estimatedMs)).toBe(formatMs(doc.physical.estimatedMs));
    expect(figures.costRatio).toBe(formatRatio(doc.cost.before, doc.cost.after));
    expect(figures.stepRatios).toHaveLength(doc.trace.length);
  });

  it('after analyze, carries actual rows, times and bytes per operator', async () => {
    const html = await sortedJoinFilterGroup().explain({ format: 'html', analyze: true, rules: [dropSortUnderAggregate] });
    const { doc, figures } = embedded(html);
    expect(doc.analyze!.totalMs).toBeGreaterThan(0);
    const ran = nodes(doc.optimized).filter((n) => n.actual);
    expect(ran.length).toBe(nodes(doc.optimized).length);
    const bytes = new Map(figures.figures.find((f) => f.kind === 'bytes')!.values);
    for (const n of ran) expect(bytes.get(n.actual!.bytes)).toBe(formatBytes(n.actual!.bytes));
    expect(doc.physical.root.actual).toMatchObject({ timeMs: expect.any(Number) });
  });

  it('writes figures that JSON cannot hold as null and leaves them out of the tables', () => {
    const doc = JSON.parse(writeJson(explainJson(explainReport(sortedJoinFilterGroup().plan)))) as ExplainJson;
    const broken = { ...doc, cost: { before: Number.POSITIVE_INFINITY, after: doc.cost.after } } as ExplainJson;
    const f = htmlFigures(broken);
    expect(f.figures.find((x) => x.kind === 'count')!.values.some(([v]) => !Number.isFinite(v))).toBe(false);
    expect(f.costRatio).toBe('');
  });
});
