import { createHash } from 'node:crypto';
import type { ExplainReport } from './explain.js';
import { type ExplainJson, explainJson, writeJson } from './json.js';
import { PAGE_SCRIPT } from './html-script.js';
import { PAGE_STYLE } from './html-style.js';
import { formatBytes, formatCount, formatFlops, formatMs, formatRatio, formatShape } from './text.js';

/**
 * EXPLAIN as one self-contained HTML page: the JSON form (src/explain/json.ts, with the
 * plan after every rule) sits in a `<script type="application/json">` element, and a
 * small inline script builds the page from it with DOM nodes and textContent, so no
 * plan text (user column names, literals) is ever parsed as HTML. Nothing is fetched:
 * the Content-Security-Policy allows only this page's own script and style (by hash).
 */

/** How each kind of figure is written: the same helpers as the text form, so both read alike. */
const FORMATTERS = {
  rows: (v: number) => formatShape(v, undefined),
  count: formatCount,
  flops: formatFlops,
  bytes: formatBytes,
  ms: formatMs,
} as const satisfies Record<string, (v: number) => string>;

type FigureKind = keyof typeof FORMATTERS;

/** The kind of figure a numeric field of the JSON form holds, by the field's name (a Map: names are data). */
const FIELD_KINDS: ReadonlyMap<string, FigureKind> = new Map([
  ['rows', 'rows'],
  ['cols', 'count'],
  ['iterations', 'count'],
  ['cost', 'count'],
  ['costAfter', 'count'],
  ['loopCost', 'count'],
  ['before', 'count'],
  ['after', 'count'],
  ['flops', 'flops'],
  ['bytes', 'bytes'],
  ['estimatedBytes', 'bytes'],
  ['peakBytes', 'bytes'],
  ['timeMs', 'ms'],
  ['transferMs', 'ms'],
  ['estimatedMs', 'ms'],
  ['totalMs', 'ms'],
]);

/** What the page shows besides the JSON form: every figure written out, and the cost ratios. */
export interface HtmlFigures {
  /** Per kind, each value of the document and its text: the page looks figures up here. */
  readonly figures: readonly { readonly kind: FigureKind; readonly values: readonly (readonly [number, string])[] }[];
  /** Estimated cost as built → optimized, e.g. `3.2× lower` ('' when it cannot be said). */
  readonly costRatio: string;
  /** The same for each rule that fired: cost before it → after it. */
  readonly stepRatios: readonly string[];
}

/**
 * Every finite figure in the document, formatted by its field's kind. Walked from an
 * explicit stack: plans may be MAX_PLAN_DEPTH operators deep.
 */
export function htmlFigures(doc: ExplainJson): HtmlFigures {
  const seen = new Map<FigureKind, Map<number, string>>();
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const v of value) stack.push(v);
      continue;
    }
    for (const [key, v] of Object.entries(value)) {
      const kind = FIELD_KINDS.get(key);
      if (typeof v === 'number' && kind !== undefined && Number.isFinite(v)) {
        let values = seen.get(kind);
        if (!values) seen.set(kind, (values = new Map()));
        if (!values.has(v)) values.set(v, FORMATTERS[kind](v));
      } else if (typeof v === 'object') stack.push(v);
    }
  }
  let before = doc.cost.before;
  const stepRatios = doc.trace.map((step) => {
    const ratio = formatRatio(before, step.costAfter);
    before = step.costAfter;
    return ratio;
  });
  return {
    figures: [...seen].map(([kind, values]) => ({ kind, values: [...values] })),
    costRatio: formatRatio(doc.cost.before, doc.cost.after),
    stepRatios,
  };
}

/**
 * JSON text that can stand inside a `<script>` element: `<`, `>` and `&` (so no
 * `</script>` or `<!--` ends or changes the element) and U+2028/U+2029 written as
 * \u escapes. Outside strings JSON has none of these characters, so every one is
 * inside a string, where the escape means the same character.
 */
export function scriptSafeJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The whole page for an explain report (with analyze: the measured figures as bars). */
export function explainHtml(report: ExplainReport): string {
  // verbose: the JSON form then carries the plan after each rule, which the rule view shows.
  const doc = explainJson(report, { verbose: true });
  const csp = [`default-src 'none'`, `script-src ${sha256(PAGE_SCRIPT)}`, `style-src ${sha256(PAGE_STYLE)}`, `img-src 'none'`, `base-uri 'none'`, `form-action 'none'`].join('; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Tessera explain</title>',
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<noscript><p>This page draws the plan with JavaScript; the explain data is in the script element with id "tessera-explain" (JSON).</p></noscript>',
    '<main id="app"></main>',
    `<script type="application/json" id="tessera-explain">${scriptSafeJson(writeJson(doc, { indent: 0 }))}</script>`,
    `<script type="application/json" id="tessera-figures">${scriptSafeJson(writeJson(htmlFigures(doc), { indent: 0 }))}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
