import { describe, expect, it } from 'vitest';
import { demoPipeline } from '../../src/cli/demo.js';
import { explain, explainSync } from '../../src/explain/explain.js';
import { formatBytes, formatCount, formatFlops, formatMs, formatRatio, formatTree } from '../../src/explain/text.js';
import { transposeFolding } from '../../src/optimizer/rules/r12-transpose-folding.js';
import { DEFAULT_RULES } from '../../src/optimizer/index.js';
import { TesseraError } from '../../src/errors.js';
import { dropSortUnderAggregate, gram, gutterOf, joinFilterGroup, logistic, sortedJoinFilterGroup } from './pipelines.js';

const SECTIONS = ['Logical plan (as built)', 'Optimized plan', 'Rules fired'];

function sectionOf(text: string, title: string): string {
  const start = text.indexOf(`\n${title}`);
  expect(start, `section '${title}'`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n\n', start + 1);
  return text.slice(start + 1, end < 0 ? undefined : end);
}

describe('explain text', () => {
  it('shows the plan as built, the optimized plan and the rules fired, in that order', () => {
    const text = sortedJoinFilterGroup().explain({ rules: [dropSortUnderAggregate] });
    const at = SECTIONS.map((s) => text.indexOf(s));
    at.forEach((i) => expect(i).toBeGreaterThanOrEqual(0));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(sectionOf(text, 'Logical plan (as built)')).toContain('Sort amount');
    expect(sectionOf(text, 'Optimized plan')).not.toContain('Sort amount');
    const rules = sectionOf(text, 'Rules fired');
    expect(rules).toMatch(/1\. test-drop-sort-under-aggregate\s+on Aggregate by \[country\]/);
    expect(text).toMatch(/Estimated cost: \S+ as built → \S+ optimized \(\S+× lower\)/);
  });

  it('numbers the rules in the order they fired', () => {
    const plan = gram().plan;
    const text = explainSync(plan, { rules: [transposeFolding] });
    const lines = sectionOf(text, 'Rules fired').split('\n').slice(1);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\s*${i + 1}\\. r12-transpose-folding\\s+on MatMul`)));
  });

  it('says so when no rule fired', () => {
    const text = joinFilterGroup().explain({ rules: [transposeFolding] });
    expect(sectionOf(text, 'Rules fired')).toContain('(none: no rule changed the plan; 1 rule tried)');
    expect(text).toContain('Optimized plan (same as built)');
    expect(text).toContain('(unchanged)');
  });

  it('prints estimated rows (or shape) and cost on every optimized-plan line, aligned', () => {
    const rel = joinFilterGroup().explain({ rules: [] });
    const opt = sectionOf(rel, 'Optimized plan').split('\n');
    expect(opt[1]).toMatch(/^\s+est\. rows\s+est\. cost\s+operator$/);
    const treeColumn = opt[1].indexOf('operator');
    for (const line of opt.slice(2)) {
      expect(line).toMatch(/^\s+[\d.]+[KMG]?\s+[\d.]+[KMG]?\s+\S/);
      expect(line.slice(treeColumn)).toMatch(/^(?:[├└│─ ]*)(Aggregate|Filter|Join|Scan)/);
    }
    expect(gutterOf(sectionOf(rel, 'Optimized plan'), 'Scan orders')).toEqual(['12', '36']);

    const mat = gram().explain({ rules: [transposeFolding] });
    expect(gutterOf(sectionOf(mat, 'Optimized plan'), 'ToMatrix a, b, intercept')[0]).toBe('40×3');
    expect(mat).toMatch(/floating-point work: \S+ \w*FLOP → \S+ \w*FLOP/);
  });

  it('keeps explain() with no options useful: sections, output types of the plan as built, no intermediate plans', () => {
    const text = demoPipeline().explain();
    SECTIONS.forEach((s) => expect(text).toContain(s));
    expect(text).toMatch(/^Output: \[city: string, sales: int64/);
    expect(sectionOf(text, 'Logical plan (as built)')).toContain('→ [store: int32, units: float64');
    expect(sectionOf(text, 'Optimized plan')).not.toContain('  → [');
    expect(text).not.toContain('Plan after each rule');
  });

  it('verbose adds output types, the plan after every rule that changed it, and idle rules', () => {
    const text = gram().explain({ verbose: true, rules: [transposeFolding, dropSortUnderAggregate] });
    const steps = sectionOf(text, 'Plan after each rule');
    expect(steps).toMatch(/After 1\. r12-transpose-folding {2}\(est\. cost \S+ → \S+\)/);
    expect(steps).toContain('CrossProd');
    expect(text).toContain('→ matrix 3×1 float64');
    expect(text).toContain('not fired: test-drop-sort-under-aggregate');
    expect(text).toMatch(/\d+ pass(es)? over 2 rule\(s\)/);

    const one = sortedJoinFilterGroup().explain({ verbose: true, rules: [dropSortUnderAggregate] });
    const after = sectionOf(one, 'Plan after each rule');
    expect(after).toContain('After 1. test-drop-sort-under-aggregate');
    expect(after).not.toContain('Sort amount');
  });

  it('prints a loop body under its Loop, marked as the body, and shared subplans once', () => {
    const text = logistic().explain({ optimize: false });
    const opt = sectionOf(text, 'Optimized plan');
    expect(opt).toMatch(/\n.*Loop L\d+ × 3, until Δ ≤ 1e-6\n.*├─ body ×3: Elementwise sub/);
    expect(opt).toMatch(/└─ init: Matrix zeros\(3×1\)/);
    expect(opt).toMatch(/ToMatrix a, b, intercept {2}#\d/);
    expect(opt).toMatch(/ToMatrix a, b, intercept {2}\(#\d, shown above\)/);
    expect(gutterOf(opt, 'Loop L')[1]).toBe('Σ');
    expect(opt).toContain('(Σ: the whole loop, body included');
  });

  it('explains the plan as built with optimize: false', () => {
    const text = sortedJoinFilterGroup().explain({ optimize: false, rules: [dropSortUnderAggregate] });
    expect(text).toContain('Optimized plan (optimizer off: the plan as built)');
    expect(sectionOf(text, 'Optimized plan')).toContain('Sort amount');
    expect(text).toContain('(none: the optimizer is off)');
  });

  it('passes disabled rules through to the optimizer', () => {
    const text = sortedJoinFilterGroup().explain({ verbose: true, rules: [dropSortUnderAggregate], optimize: { disabled: ['test-drop-sort-under-aggregate'] } });
    expect(sectionOf(text, 'Optimized plan')).toContain('Sort amount');
    expect(text).toContain('disabled: test-drop-sort-under-aggregate');
  });

  it('works with the default rules, whichever they are', async () => {
    const text = await explain(gram().plan);
    SECTIONS.forEach((s) => expect(text).toContain(s));
    expect(text).toMatch(/\d+ rules? tried|^\s+1\. /m);
    expect(DEFAULT_RULES.length).toBeGreaterThan(0);
  });

  it('refuses analyze synchronously', () => {
    expect(() => explainSync(joinFilterGroup().plan, { analyze: true })).toThrow(TesseraError);
    expect(() => explainSync(joinFilterGroup().plan, { format: 'xml' as never })).toThrow(/unknown format 'xml'/);
  });

  it('types explain(): string without analyze, Promise<string> with it', async () => {
    const sync: string = joinFilterGroup().explain({ verbose: true });
    const later: Promise<string> = joinFilterGroup().explain({ analyze: true });
    const matrixSync: string = gram().explain();
    const matrixLater: Promise<string> = gram().explain({ analyze: true, format: 'json' });
    expect(typeof sync).toBe('string');
    expect(typeof matrixSync).toBe('string');
    expect(later).toBeInstanceOf(Promise);
    expect(typeof (await later)).toBe('string');
    expect(JSON.parse(await matrixLater).analyze.totalMs).toBeGreaterThanOrEqual(0);
  });
});

describe('human units', () => {
  it('formats counts, bytes, FLOPs, times and ratios compactly', () => {
    expect([0, 7, 4.666, 12.34, 999, 1000, 1234, 20_000, 7513.2, 1.2e6, 3.45e9].map(formatCount)).toEqual(['0', '7', '4.67', '12.3', '999', '1K', '1.23K', '20K', '7.51K', '1.2M', '3.45G']);
    expect([Infinity, NaN].map(formatCount)).toEqual(['∞', '?']);
    expect([512, 1234, 1.2e6].map(formatBytes)).toEqual(['512 B', '1.23 kB', '1.2 MB']);
    expect(formatFlops(3.4e9)).toBe('3.4 GFLOP');
    expect([0.004, 0.2, 12.34, 1234].map(formatMs)).toEqual(['<0.01 ms', '0.2 ms', '12.3 ms', '1.23 s']);
    expect([formatRatio(300, 100), formatRatio(100, 150), formatRatio(5, 5)]).toEqual(['3× lower', '1.5× higher', 'unchanged']);
  });
});

describe('formatTree', () => {
  it('prints as before without the new options (rule snapshots rely on it)', () => {
    const plan = logistic().plan;
    const lines = formatTree(plan, { showOutput: false }).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Loop L\d+ × 3, until Δ ≤ 1e-6$/);
    expect(lines[1]).toBe('└─ Matrix zeros(3×1)');
    const rel = formatTree(joinFilterGroup().plan);
    expect(rel.split('\n')[1]).toBe('│   → [country: string, orders: int64, total: float64?]');
  });

  it('aligns gutter figures in right-justified columns under a header', () => {
    const text = formatTree(joinFilterGroup().plan, {
      showOutput: false,
      gutter: { header: ['n'], cells: (node) => [node.kind === 'scan' ? '1000' : '7'] },
      treeHeader: 'operator',
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('   n  operator');
    expect(lines[1]).toBe('   7  Aggregate by [country] orders := count(*), total := sum(amount)');
    expect(lines.at(-1)).toBe('1000        └─ Scan customers');
  });
});
