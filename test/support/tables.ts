/**
 * Seeded input tables for the relational rule tests: the column maker they build their
 * tables with (nulls, duplicates from small value pools, empty when the length is 0),
 * and the run over seeds and sizes that compares a pipeline before and after a rule.
 */
import { mulberry32 } from '../../src/data/random.js';
import type { Rule } from '../../src/optimizer/rule.js';
import type { PlanNode } from '../../src/plan/node.js';
import { applyRule, expectSameResult } from './plans.js';

/**
 * Makes a column of `len` values: each is null with probability `nulls`, else a draw
 * from `pool` (small pools give duplicates).
 */
export type ColumnMaker = <T>(len: number, pool: readonly T[], nulls?: number) => (T | null)[];

/**
 * A column maker over one mulberry32 stream seeded with `seed`: the columns draw from
 * it in the order they are made, so a table is the same for the same seed and the
 * same sequence of calls. `defaultNulls` is the null rate where a call names none.
 */
export function seededColumns(seed: number, defaultNulls = 0.15): ColumnMaker {
  const r = mulberry32(seed);
  return <T>(len: number, pool: readonly T[], nulls = defaultNulls): (T | null)[] =>
    Array.from({ length: len }, () => (r() < nulls ? null : pool[Math.floor(r() * pool.length)]));
}

/** Rows of a side table next to a main one of `n` rows: n / `divisor`, at least 1 unless n is 0. */
export function sideRows(n: number, divisor: number): number {
  return n === 0 ? 0 : Math.max(1, Math.floor(n / divisor));
}

/** Where the equivalence runs take their inputs: `tables(seed, n)` for each seed and size. */
export interface SeededTables<T> {
  readonly tables: (seed: number, n: number) => T;
  readonly seeds: readonly number[];
  readonly sizes: readonly number[];
}

/**
 * For every seed and size (in that order), builds the pipeline over fresh tables and
 * expects the same result before and after `rule` (see `expectSameResult`).
 */
export async function expectRuleKeepsResults<T>(
  rule: Rule,
  build: (tables: T) => { readonly plan: PlanNode },
  data: SeededTables<T>,
  options: { tolerance?: number; ordered?: boolean } = {},
): Promise<void> {
  for (const seed of data.seeds) {
    for (const n of data.sizes) {
      const before = build(data.tables(seed, n)).plan;
      await expectSameResult(before, applyRule(before, rule).plan, options);
    }
  }
}
