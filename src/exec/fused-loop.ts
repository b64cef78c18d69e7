import { type Column, allocValues, makeColumn, pendingGather } from '../data/column.js';
import type { ExprNode } from '../plan/expr.js';
import { type DType, isInteger, isNumeric } from '../types/dtype.js';
import { type BoundColumn, type ColumnBinder, type Compiled, type LaneMerge, compiledFunction, guarded, inputKind, stored } from './loop-code.js';

export { type BoundColumn, type ColumnBinder, type Compiled, type LaneMerge, batchBinder } from './loop-code.js';

/**
 * The generated loop of fused aggregation (see fused-aggregate.ts): compiles the
 * aggregates' argument expressions and the grouping's per-row slot into one loop over
 * the rows, and runs it.
 */

/** How the loop finds each row's accumulator slot, and how slots become output groups. */
export interface Grouping {
  /** How rows find their slot, for explain analyze (e.g. 'keys combined into 200 direct slots'). */
  readonly method: string;
  /** Accumulator slots. */
  readonly slots: number;
  /** Row code declaring `g{r}`, the row's slot (`{r}`: the row's suffix in an unrolled block, `{i}`: its index). */
  readonly code: string;
  /** Whether the loop records each slot's first row (slots are not yet in first-appearance order). */
  readonly tracksFirst: boolean;
  /** The used slots in order of first appearance (after the loop ran). */
  order(): Int32Array;
  keyColumns(order: Int32Array): Column[];
}

export interface AggregatePlan {
  /** The result column, given a lane's values per group (in output order). */
  result(lanes: (lane: number) => Float64Array, groupCount: number): Column;
}


/** Rows per iteration of the generated loop. */
const UNROLL = 4;

/**
 * Builds the text of the fused loop. Row code uses `{i}` for the row index and `{r}` as
 * the suffix of per-row names (`x0{r}`, `g{r}`), so that `run` can unroll it; inputs are
 * `$k` (ctx[k]), accumulators `acc`, first rows `first`. No user text (names, strings)
 * ever enters the generated code: only generated identifiers and integer constants.
 */
export class LoopBuilder {
  private readonly ctx: unknown[] = [];
  private readonly prelude: string[] = [];
  /** Per row: index and leaf reads, pure computations (arithmetic), then accumulator updates. */
  private readonly rowCode: string[] = [];
  private readonly pure: string[] = [];
  private readonly updates: string[] = [];
  private readonly indexVars = new Map<Int32Array, Map<string, string>>();
  private readonly leaves = new Map<Column, Map<string, Leaf>>();
  private temps = 0;
  private leafVars = 0;
  private lanes = 0;
  /** Lanes whose accumulators start at a value other than 0 (min: NaN, max: -Infinity). */
  readonly laneStarts: [lane: number, start: number][] = [];
  /** How each lane's partial values combine, by lane. */
  readonly laneMerges: LaneMerge[] = [];
  /** Lanes holding running integer sums (exact only within ±2^53). */
  readonly integerSumLanes: number[] = [];
  private rowCountLane = -1;
  /** Set to 1 by the loop when an integer value may be beyond ±2^53 (see `checkRange`). */
  /** Shared memory: a pipeline's worker threads (src/exec/pipeline/) raise the same flag. */
  private readonly outOfRange = new Uint8Array(new SharedArrayBuffer(1));
  private outOfRangeName: string | null = null;
  firstRow: Int32Array | null = null;

  /**
   * @param rowGuard whether range checks are guarded by `{ok}`, the row's "still on" flag
   * (pipelines, src/exec/pipeline/compile.ts, fill it in).
   */
  constructor(
    private readonly bind: ColumnBinder,
    private readonly rowGuard = false,
  ) {}

  /**
   * A name for an input of the generated loop (arrays and numbers). The comment names
   * its kind from a fixed list (`inputKind`), never from the value itself: a typed-array
   * subclass's `constructor.name` is whatever its author wrote, newlines and code included.
   */
  input(x: unknown): string {
    const name = `$${this.ctx.length}`;
    this.prelude.push(`const ${name} = ctx[${this.ctx.length}]; // ${inputKind(x)}`);
    this.ctx.push(x);
    return name;
  }

  /**
   * `indices[row]` (-1 when `mayMiss` and the row is -1), declared once per index
   * vector and row. `row` is code; `{i}` is the loop's row.
   */
  indexVar(indices: Int32Array, row = '{i}', mayMiss = false): string {
    let byRow = this.indexVars.get(indices);
    if (byRow === undefined) this.indexVars.set(indices, (byRow = new Map()));
    let name = byRow.get(row);
    if (name === undefined) {
      name = `j${this.temps++}{r}`;
      const read = `${this.input(indices)}[${row}]`;
      this.rowCode.push(`const ${name} = ${mayMiss ? `${row} < 0 ? -1 : ${read}` : read};`);
      byRow.set(row, name);
    }
    return name;
  }

  /**
   * The row code (leaf reads, index reads) and pure computations added since the last
   * call, in order, removed from the loop: a pipeline places them where its row
   * variables are in scope.
   */
  takeRowCode(): string[] {
    const lines = [...this.rowCode, ...this.pure];
    this.rowCode.length = 0;
    this.pure.length = 0;
    return lines;
  }

  /** The accumulator updates (removed from the loop; a pipeline places them in its innermost block). */
  takeUpdates(): string[] {
    const lines = [...this.updates];
    this.updates.length = 0;
    return lines;
  }

  /** Code of a numeric expression's value, or null when it is outside the generated subset. */
  value(e: ExprNode): Compiled | null {
    const c = this.compile(e, true);
    return c !== null && isNumeric(c.dtype) ? c : null;
  }

  /** The conditions under which `e` is not null (its value is not computed), or null outside the subset. */
  validity(e: ExprNode): readonly string[] | null {
    return this.compile(e, false)?.valid ?? null;
  }

  /** A read of a column reference at its row, any dtype: its validity conditions and the stored number (string: dictionary code; bool: 0/1; date: days). */
  stored(e: Extract<ExprNode, { kind: 'column' }>): Compiled {
    return this.column(this.bind(e), true, true)!;
  }

  /**
   * Whether the last `run` saw an integer + - * result, or a running integer sum, at or
   * beyond ±2^53: its result may be wrong, and the caller must take the column-at-a-time
   * path, which computes such values exactly or raises OverflowError (only for non-null
   * rows; the loop also checks rows whose value ends up null).
   */
  get overflowed(): boolean {
    return this.outOfRange[0] === 1;
  }

  /**
   * Code flagging `value` (an integer) when it is not strictly within ±2^53. In a
   * pipeline (`rowGuard`), only for rows still on: an unrolled pipeline computes values
   * for rows a filter or join dropped, which must not raise the flag.
   */
  private checkRange(value: string): string {
    this.outOfRangeName ??= this.input(this.outOfRange);
    const test = `!(${value} < 9007199254740992 && ${value} > -9007199254740992)`;
    return `if (${this.rowGuard ? `{ok} && ${test}` : test}) ${this.outOfRangeName}[0] = 1;`;
  }

  /** A per-row constant holding `code`'s value (declared with the pure computations). */
  temp(code: string): string {
    const name = `t${this.temps++}{r}`;
    this.pure.push(`const ${name} = ${code};`);
    return name;
  }

  /**
   * Adds an aggregate to the loop. Accumulators are lanes of one interleaved array
   * (`acc[g * width + lane]`: a group's lanes share a cache line), counts and sums as
   * float64 (int64 counts are exact up to 2^53).
   */
  aggregate(fn: string, arg: ExprNode | null): AggregatePlan | null {
    if (arg === null || fn === 'count') {
      const c = arg === null ? { valid: [] } : this.compile(arg, false);
      if (c === null) return null;
      const lane = this.countLane(c.valid);
      return { result: (lanes) => makeColumn('int64', lanes(lane)) };
    }
    if (fn === 'min' || fn === 'max') return this.extreme(fn, arg);
    if (fn !== 'sum' && fn !== 'mean') return null;
    const c = this.compile(arg, true);
    if (c === null || !isNumeric(c.dtype)) return null;
    const sumLane = this.lane('add');
    // Non-null values per group: for mean, and for the null sum of a group without any.
    const countLane = fn === 'mean' || c.valid.length > 0 ? this.lane('add') : -1;
    if (fn === 'sum' && isInteger(c.dtype)) this.integerSumLanes.push(sumLane);
    const count = countLane < 0 ? '' : ` acc[o + ${countLane}]++;`;
    // An integer sum is exact while every running sum stays within ±2^53; else the loop flags it.
    const check = fn === 'sum' && isInteger(c.dtype) ? ` ${this.checkRange(`acc[o + ${sumLane}]`)}` : '';
    this.updates.push(guarded(c.valid, `acc[o + ${sumLane}] += ${c.value};${check}${count}`));
    const dtype = c.dtype;
    return {
      result: (lanes, groupCount) => {
        const total = lanes(sumLane);
        const counts = countLane < 0 ? null : lanes(countLane);
        let validity: Uint8Array | null = null;
        if (counts !== null) {
          const seen = new Uint8Array(groupCount);
          for (let k = 0; k < groupCount; k++) seen[k] = counts[k] > 0 ? 1 : 0;
          if (seen.includes(0)) validity = seen;
        }
        if (fn === 'sum') return makeColumn(isInteger(dtype) ? 'int64' : 'float64', total, validity);
        for (let k = 0; k < groupCount; k++) if (counts![k] > 0) total[k] /= counts![k];
        return makeColumn('float64', total, validity);
      },
    };
  }

  /**
   * min or max of a numeric expression, with the comparisons of the column-at-a-time
   * path (minByGroup/maxByGroup): NaN is the largest float, so max takes it and min
   * ends at NaN only when every value is NaN; the result keeps the argument's dtype.
   */
  private extreme(fn: 'min' | 'max', arg: ExprNode): AggregatePlan | null {
    const c = this.compile(arg, true);
    if (c === null || !isNumeric(c.dtype)) return null;
    const lane = this.lane(fn);
    this.laneStarts.push([lane, fn === 'max' ? -Infinity : NaN]);
    // Non-null values per group, for the null result of a group without any.
    const countLane = c.valid.length > 0 ? this.countLane(c.valid) : -1;
    const wins = fn === 'max' ? `v > a || (v !== v && a === a)` : `v < a || a !== a`;
    this.updates.push(guarded(c.valid, `{ const v = ${c.value}; const a = acc[o + ${lane}]; if (${wins}) acc[o + ${lane}] = v; }`));
    const dtype = c.dtype;
    return {
      result: (lanes, groupCount) => {
        const values = allocValues(dtype, groupCount);
        values.set(lanes(lane));
        const counts = countLane < 0 ? null : lanes(countLane);
        const validity = counts === null ? null : Uint8Array.from(counts, (k) => (k > 0 ? 1 : 0));
        return makeColumn(dtype, values, validity !== null && validity.includes(0) ? validity : null);
      },
    };
  }

  /** A lane counting the rows where `valid` holds; count(*) and counts of never-null arguments share one. */
  private countLane(valid: readonly string[]): number {
    if (valid.length === 0 && this.rowCountLane >= 0) return this.rowCountLane;
    const lane = this.lane('add');
    this.updates.push(guarded(valid, `acc[o + ${lane}]++;`));
    if (valid.length === 0) this.rowCountLane = lane;
    return lane;
  }

  private lane(merge: LaneMerge): number {
    this.laneMerges.push(merge);
    return this.lanes++;
  }

  /** Code for an expression, or null when it is outside the fused subset. `needValue`: false for count(x) (validity only). */
  private compile(e: ExprNode, needValue: boolean): Compiled | null {
    switch (e.kind) {
      case 'column':
        return this.column(this.bind(e), needValue);
      case 'literal': {
        if (e.value === null || typeof e.value !== 'number' || !isNumeric(e.type.dtype)) return null;
        // The value a constant column of this dtype would store.
        const stored = allocValues(e.type.dtype, 1);
        stored[0] = e.value;
        return { value: this.input(stored[0]), dtype: e.type.dtype, valid: [] };
      }
      case 'binary': {
        const op = e.op;
        if (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div' && op !== 'mod') return null;
        const l = this.compile(e.left, true);
        const r = this.compile(e.right, true);
        if (l === null || r === null || !isNumeric(l.dtype) || !isNumeric(r.dtype)) return null;
        const symbol = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' }[op];
        const valid = [...l.valid, ...r.valid];
        let right = r.value;
        if (op === 'mod') {
          // x % 0 is null.
          right = this.temp(r.value);
          valid.push(`${right} !== 0`);
        }
        const dtype = e.type.dtype;
        // Integers have no -0: `+ 0` turns the -0 of 0 * -3 or -4 % 2 into 0 (int32 results get `| 0`).
        const code = dtype === 'int64' && (op === 'mul' || op === 'mod') ? `(${l.value} ${symbol} ${right}) + 0` : `${l.value} ${symbol} ${right}`;
        const value = this.temp(stored(dtype, code));
        if (isInteger(dtype) && op !== 'mod') this.pure.push(this.checkRange(value));
        return { value, dtype, valid };
      }
      case 'unary': {
        if (e.op !== 'neg' && e.op !== 'abs') return null;
        const a = this.compile(e.arg, true);
        if (a === null || !isNumeric(a.dtype)) return null;
        // Integer negation as 0 - x, which gives 0 (not -0) for 0.
        const code = e.op === 'neg' ? (isInteger(e.type.dtype) ? `0 - ${a.value}` : `-${a.value}`) : `Math.abs(${a.value})`;
        return { value: this.temp(stored(e.type.dtype, code)), dtype: e.type.dtype, valid: a.valid };
      }
      case 'cast': {
        // Only the casts that keep every value: to float64, float32, or int32 to int64.
        const a = this.compile(e.arg, true);
        const to = e.type.dtype;
        if (a === null || !isNumeric(a.dtype)) return null;
        if (a.dtype === to) return a;
        if (to === 'float64' || (to === 'int64' && a.dtype === 'int32')) return { value: a.value, dtype: to, valid: a.valid };
        if (to === 'float32') return { value: this.temp(stored(to, a.value)), dtype: to, valid: a.valid };
        return null;
      }
      default:
        return null;
    }
  }

  /** A column read at its row: directly, or through the index vector of a lazy gather. */
  private column(bound: BoundColumn, needValue: boolean, anyDtype = false): Compiled | null {
    const { column: col, mayMiss } = bound;
    if (needValue && !anyDtype && !isNumeric(col.dtype)) return null;
    const row = bound.row ?? '{i}';
    let byRow = this.leaves.get(col);
    if (byRow === undefined) this.leaves.set(col, (byRow = new Map()));
    let leaf = byRow.get(row);
    if (leaf === undefined) {
      const lazy = pendingGather(col);
      const source = lazy === null ? col : lazy.source;
      const at = lazy === null ? row : this.indexVar(lazy.indices, row, mayMiss);
      const missing = lazy === null ? mayMiss : lazy.hasMissing || mayMiss;
      const v = this.input(source.values);
      const valid: string[] = missing ? [`${at} >= 0`] : [];
      if (source.validity !== null) valid.push(`${this.input(source.validity)}[${at}] === 1`);
      leaf = { read: missing ? `(${at} >= 0 ? ${v}[${at}] : 0)` : `${v}[${at}]`, value: null, dtype: col.dtype, valid };
      byRow.set(row, leaf);
    }
    if (!needValue) return { value: '0', dtype: leaf.dtype, valid: leaf.valid };
    if (leaf.value === null) {
      // Read once per row, at the top of the loop body (before any accumulator is written).
      leaf.value = `x${this.leafVars++}{r}`;
      this.rowCode.push(`const ${leaf.value} = ${leaf.read};`);
    }
    return { value: leaf.value, dtype: leaf.dtype, valid: leaf.valid };
  }

  /**
   * Generates (or reuses) the loop, runs it over rows 0..n-1 and returns the
   * accumulators. The loop is unrolled by UNROLL rows: all reads of a block come before
   * its accumulator updates (done in row order, so results are unchanged), which keeps
   * several random reads (lazy gathers, group ids) in flight at once.
   */
  run(n: number, grouping: Grouping): Float64Array {
    const width = Math.max(this.lanes, 1);
    const acc = new Float64Array(grouping.slots * width);
    for (const [lane, start] of this.laneStarts) for (let g = 0; g < grouping.slots; g++) acc[g * width + lane] = start;
    const accName = this.input(acc);
    const count = this.input(n);
    const first = grouping.tracksFirst ? this.input(this.firstRow) : null;
    const reads = [...this.rowCode, grouping.code, ...this.pure];
    const updates = [`const o = g{r} * ${width};`, ...(first !== null ? ['if (first[g{r}] < 0) first[g{r}] = {i};'] : []), ...this.updates];
    const row = (lines: readonly string[], r: number, i: string) => lines.map((l) => l.split('{r}').join(`_${r}`).split('{i}').join(i));
    const block: string[] = [];
    for (let r = 0; r < UNROLL; r++) block.push(...row(reads, r, r === 0 ? 'i' : `i + ${r}`));
    for (let r = 0; r < UNROLL; r++) block.push('{', ...row(updates, r, r === 0 ? 'i' : `i + ${r}`), '}');
    const lines = [
      '"use strict";',
      ...this.prelude,
      `const acc = ${accName};`,
      `const n = ${count};`,
      ...(first !== null ? [`const first = ${first};`] : []),
      'let i = 0;',
      `for (; i + ${UNROLL - 1} < n; i += ${UNROLL}) {`,
      ...block,
      '}',
      'for (; i < n; i++) {',
      ...row(reads, 0, 'i'),
      '{',
      ...row(updates, 0, 'i'),
      '}',
      '}',
    ];
    compiledFunction<(ctx: readonly unknown[]) => void>(['ctx'], lines.join('\n'))(this.ctx);
    return acc;
  }

  /** The loop's inputs and their declarations, for a pipeline that assembles its own loop. */
  get inputs(): { readonly ctx: readonly unknown[]; readonly prelude: readonly string[] } {
    return { ctx: this.ctx, prelude: this.prelude };
  }

  get width(): number {
    return Math.max(this.lanes, 1);
  }
}

interface Leaf {
  /** Code reading the column at its row. */
  readonly read: string;
  /** The per-row variable holding it, once a value is needed. */
  value: string | null;
  readonly dtype: DType;
  readonly valid: readonly string[];
}
