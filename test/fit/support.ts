import type { Table } from 'apache-arrow';
import { expect } from 'vitest';
import { type FittedPipeline, type InputRow, seededRandom } from '../../src/index.js';

/** A seeded generator, so every run sees the same data. */
export const rng = seededRandom;

/** Training rows: numeric columns x0..x{nNum-1}, string columns c0..c{nCat-1} (some null), labels y (real) and z (0/1). */
export function trainingData(n: number, nNum: number, nCat: number, seed = 7, categories = 6) {
  const rand = rng(seed);
  const cols: Record<string, unknown[]> = {};
  for (let j = 0; j < nNum; j++) cols[`x${j}`] = Array.from({ length: n }, () => (rand() - 0.5) * 10 * (j + 1));
  for (let j = 0; j < nCat; j++) cols[`c${j}`] = Array.from({ length: n }, () => (rand() < 0.08 ? null : `v${Math.floor(rand() * categories)}`));
  const y = Array.from({ length: n }, (_, i) => (cols.x0 as number[])[i] * 0.5 + (cols[`c0`]?.[i] === 'v1' ? 2 : 0) + rand());
  const z = y.map((v) => (v > 0 ? 1 : 0));
  const rows: InputRow[] = Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[i]])));
  return { columns: { ...cols, y, z }, rows };
}

/**
 * Rows the training data never had: unseen categories, nulls in string columns, extreme
 * and special numbers (±1e308, 5e-324, -0, ±Infinity, NaN).
 */
export function servingRows(count: number, nNum: number, nCat: number, seed = 99): InputRow[] {
  const rand = rng(seed);
  const specials = [1e308, -1e308, 5e-324, -0, 0, Infinity, -Infinity, NaN, 1e-300, 123456789.123];
  return Array.from({ length: count }, (_, i) => {
    const row: Record<string, unknown> = {};
    for (let j = 0; j < nNum; j++) row[`x${j}`] = i % 3 === 0 ? specials[(i + j) % specials.length] : (rand() - 0.5) * 100;
    for (let j = 0; j < nCat; j++) row[`c${j}`] = i % 4 === 1 ? null : i % 4 === 2 ? `unseen${j}` : `v${Math.floor(rand() * 6)}`;
    return row;
  });
}

/** Float columns of a result table, by name. */
export function tableColumns(table: Table, names: readonly string[]): Float64Array[] {
  return names.map((n) => Float64Array.from(table.getChild(n)!.toArray() as ArrayLike<number>));
}

/** Every single-row output equals the batch's, bit for bit (Object.is: -0 and NaN included). */
export function expectBitIdentical(fitted: FittedPipeline, rows: readonly InputRow[], batch: readonly Float64Array[]): void {
  const mismatches: string[] = [];
  rows.forEach((row, i) => {
    const out = fitted.predict(row);
    if (out === null) {
      mismatches.push(`row ${i}: dropped by a filter in the single-row path`);
      return;
    }
    batch.forEach((col, j) => {
      if (!Object.is(out[j], col[i])) mismatches.push(`row ${i}, output ${j}: single ${out[j]}, batch ${col[i]}`);
    });
  });
  expect(mismatches.slice(0, 5)).toEqual([]);
}
