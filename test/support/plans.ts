import { expect } from 'vitest';
import { type Batch } from '../../src/data/batch.js';
import { cellValue } from '../../src/data/column.js';
import { type ExecuteOptions, execute } from '../../src/exec/execute.js';
import { toDense } from '../../src/exec/operators/matrix.js';
import { formatTree } from '../../src/explain/text.js';
import type { PlanNode } from '../../src/plan/node.js';
import { runRules } from '../../src/optimizer/driver.js';
import type { Rule } from '../../src/optimizer/rule.js';

/** A plan as explain prints it, without output types: the text rule snapshots compare. */
export function planText(plan: PlanNode): string {
  return formatTree(plan, { showOutput: false });
}

/** The plan after one rule (to a fixed point), and whether it fired. */
export function applyRule(plan: PlanNode, rule: Rule): { plan: PlanNode; fired: boolean } {
  const result = runRules(plan, [rule]);
  return { plan: result.plan, fired: result.trace.length > 0 };
}

type Cell = number | boolean | string | Date | null;

function rowsOf(batches: readonly Batch[]): Cell[][] {
  const rows: Cell[][] = [];
  for (const b of batches) for (let i = 0; i < b.length; i++) rows.push(b.columns.map((c) => cellValue(c, i)));
  return rows;
}

function sameCell(a: Cell, b: Cell, tolerance: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return a === b || Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

const sortKey = (row: Cell[]) => JSON.stringify(row.map((c) => (typeof c === 'number' ? Number(c.toPrecision(9)) : c)));

/**
 * Runs both plans and expects the same result: relations as multisets of rows
 * (`ordered` compares sequences), matrices element by element, within a relative tolerance;
 * `runB` places the second plan's work (e.g. on another provider).
 */
export async function expectSameResult(a: PlanNode, b: PlanNode, options: { tolerance?: number; ordered?: boolean; runB?: ExecuteOptions } = {}): Promise<void> {
  const tolerance = options.tolerance ?? 1e-9;
  const [ra, rb] = [(await execute(a)).result, (await execute(b, options.runB)).result];
  expect(ra.kind).toBe(rb.kind);
  if (ra.kind === 'matrix' && rb.kind === 'matrix') {
    const [ma, mb] = [toDense(ra.value), toDense(rb.value)];
    expect([mb.rows, mb.cols]).toEqual([ma.rows, ma.cols]);
    let scale = 1;
    for (const v of ma.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < ma.data.length; i++) {
      if (!sameCell(ma.data[i], mb.data[i], tolerance * scale)) {
        throw new Error(`matrices differ at (${Math.floor(i / ma.cols)}, ${i % ma.cols}): ${ma.data[i]} vs ${mb.data[i]}`);
      }
    }
    return;
  }
  if (ra.kind !== 'relation' || rb.kind !== 'relation') return;
  let rowsA = rowsOf(ra.batches);
  let rowsB = rowsOf(rb.batches);
  expect(rowsB.length).toBe(rowsA.length);
  if (!options.ordered) {
    rowsA = [...rowsA].sort((x, y) => (sortKey(x) < sortKey(y) ? -1 : 1));
    rowsB = [...rowsB].sort((x, y) => (sortKey(x) < sortKey(y) ? -1 : 1));
  }
  const sameRow = (x: Cell[], y: Cell[]) => x.length === y.length && x.every((c, j) => sameCell(c, y[j], tolerance));
  const differs = rowsA.findIndex((row, i) => !sameRow(row, rowsB[i]));
  if (differs < 0) return;
  // Unordered rows whose sort keys straddle a sign or rounding boundary (a cancelled sum of
  // +1.9e-17 on one side, −8.3e-19 on the other, beside 0.99) pair up wrongly when sorted:
  // then each row of A must still match its own row of B within the tolerance.
  if (options.ordered) throw new Error(`row ${differs} differs: ${JSON.stringify(rowsA[differs])} vs ${JSON.stringify(rowsB[differs])}`);
  const unmatched = unmatchedRow(rowsA, rowsB, sameRow);
  if (unmatched < 0) return;
  throw new Error(`row ${unmatched} differs: ${JSON.stringify(rowsA[unmatched])} has no equal row in the other result (sorted, its row ${unmatched} is ${JSON.stringify(rowsB[unmatched])})`);
}

/** The index of the first row of `a` left without an equal row of `b` when each is matched to one of its own (−1: all match). */
function unmatchedRow(a: readonly Cell[][], b: readonly Cell[][], same: (x: Cell[], y: Cell[]) => boolean): number {
  const used = new Uint8Array(b.length);
  return a.findIndex((row) => {
    const j = b.findIndex((other, k) => used[k] === 0 && same(row, other));
    if (j >= 0) used[j] = 1;
    return j < 0;
  });
}

/**
 * A matrix pipeline's plan before and after one rule, and whether it fired; expects
 * the rewrite to keep the matrix's column names.
 */
export function rewriteMatrix(m: { readonly plan: PlanNode; readonly columnNames: readonly string[] }, rule: Rule): { before: PlanNode; after: PlanNode; fired: boolean } {
  const { plan, fired } = applyRule(m.plan, rule);
  expect(plan.output.kind === 'matrix' && plan.output.columnNames).toEqual(m.columnNames);
  return { before: m.plan, after: plan, fired };
}

/** Each plan through the driver with `rule` alone: the root output is unchanged, and a second run fires nothing. */
export function expectFixedPointKeepingOutput(plans: Iterable<PlanNode>, rule: Rule): void {
  for (const plan of plans) {
    const result = runRules(plan, [rule]);
    expect(result.plan.output).toEqual(plan.output);
    expect(runRules(result.plan, [rule]).trace).toHaveLength(0);
  }
}

/** The same column names (a matrix's column names, a relation's field names) and the same result within `tolerance`. */
export async function expectSameResultAndNames(before: PlanNode, after: PlanNode, tolerance: number): Promise<void> {
  const names = (p: PlanNode) => (p.output.kind === 'matrix' ? p.output.columnNames : p.output.schema.fields.map((f) => f.name));
  expect(names(after)).toEqual(names(before));
  await expectSameResult(before, after, { tolerance });
}
