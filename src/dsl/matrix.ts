import { PlanError, ShapeError, TypeMismatchError } from '../errors.js';
import { type DenseMatrix, denseMatrix } from '../kernels/matrix/dense.js';
import { type MatrixNode, type RelationNode, makeNode, type PlanNode } from '../plan/node.js';
import { Relation } from './relation.js';
import type { ElementwiseOp, MapFn, MatrixDType, ReduceAxis, ReduceOp } from '../plan/matrix-operators.js';
import { type MatrixResultValue, RUN_OPTIONS, type RunOptions, collectMatrix, explainPlan, type ExplainOptions } from './run.js';
import { EXPLAIN_OPTIONS } from '../explain/explain.js';
import { checkOptions } from '../options.js';

/**
 * The typed matrix builder. `Matrix<R, C>` carries its row and column counts in its
 * type when they are known statically (number literals), and `number` otherwise, so
 * multiplying a 3-column by a 4-row matrix fails to compile where both are known, and
 * fails when the plan is built in every case.
 */

/** Resolves to an impossible property when two statically known dimensions differ. */
type DimCheck<A extends number, B extends number, What extends string> = number extends A ? unknown : number extends B ? unknown : A extends B ? unknown : { error: `${What}: ${A} and ${B} differ` };

type Operand = Matrix<number, number> | number;

let nextLiteral = 0;

export class Matrix<R extends number = number, C extends number = number> {
  declare readonly __rows: R;
  declare readonly __cols: C;

  constructor(readonly plan: MatrixNode) {}

  /** Rows (null when only known at run time) and columns. */
  get shape(): { rows: number | null; cols: number } {
    return { rows: this.plan.output.rows, cols: this.plan.output.cols };
  }

  get columnNames(): readonly string[] {
    return this.plan.output.columnNames;
  }

  get dtype(): MatrixDType {
    return this.plan.output.dtype;
  }

  private static of<R2 extends number, C2 extends number>(node: PlanNode): Matrix<R2, C2> {
    return new Matrix<R2, C2>(node as MatrixNode);
  }

  /** Matrix product this · other. */
  matmul<K extends number, C2 extends number>(other: Matrix<K, C2> & DimCheck<C, K, 'inner dimensions'>): Matrix<R, C2> {
    return Matrix.of(makeNode('matmul', {}, [this.plan, other.plan]));
  }

  /** Transpose (the row count must be known while planning; use crossprod for XᵀX). */
  transpose(): Matrix<C, R> {
    return Matrix.of(makeNode('transpose', {}, [this.plan]));
  }

  /** Aᵀ·A, with a symmetric kernel; or Aᵀ·B with an argument. */
  crossprod(): Matrix<C, C>;
  crossprod<C2 extends number>(other: Matrix<number, C2>): Matrix<C, C2>;
  crossprod(other?: Matrix<number, number>): Matrix<number, number> {
    return Matrix.of(makeNode('crossprod', {}, other ? [this.plan, other.plan] : [this.plan]));
  }

  private elementwise(op: ElementwiseOp, other: Operand): Matrix<R, C> {
    const right = typeof other === 'number' ? constant(other, this.dtype).plan : other.plan;
    return Matrix.of(makeNode('elementwise', { op }, [this.plan, right]));
  }
  /** Element-wise, broadcasting a scalar, a 1×C row, an R×1 column or a 1×1 matrix. */
  add(other: Operand): Matrix<R, C> {
    return this.elementwise('add', other);
  }
  sub(other: Operand): Matrix<R, C> {
    return this.elementwise('sub', other);
  }
  mul(other: Operand): Matrix<R, C> {
    return this.elementwise('mul', other);
  }
  div(other: Operand): Matrix<R, C> {
    return this.elementwise('div', other);
  }
  minimum(other: Operand): Matrix<R, C> {
    return this.elementwise('min', other);
  }
  maximum(other: Operand): Matrix<R, C> {
    return this.elementwise('max', other);
  }

  private map(fn: MapFn, a?: number, b?: number): Matrix<R, C> {
    const args = b !== undefined ? { fn, a, b } : a !== undefined ? { fn, a } : { fn };
    return Matrix.of(makeNode('map', args, [this.plan]));
  }
  exp(): Matrix<R, C> {
    return this.map('exp');
  }
  log(): Matrix<R, C> {
    return this.map('log');
  }
  sqrt(): Matrix<R, C> {
    return this.map('sqrt');
  }
  abs(): Matrix<R, C> {
    return this.map('abs');
  }
  neg(): Matrix<R, C> {
    return this.map('neg');
  }
  sigmoid(): Matrix<R, C> {
    return this.map('sigmoid');
  }
  pow(p: number): Matrix<R, C> {
    return this.map('pow', p);
  }
  clip(lower: number, upper: number): Matrix<R, C> {
    return this.map('clip', lower, upper);
  }
  /** x·a for every element. */
  scale(a: number): Matrix<R, C> {
    return this.map('scale', a);
  }

  /** 1 where the element is greater than `a`, 0 elsewhere: a mask for `filterRows`. */
  gt(a: number): Matrix<R, C> {
    return this.map('gt', a);
  }
  /** 1 where the element is ≥ `a`, 0 elsewhere. */
  ge(a: number): Matrix<R, C> {
    return this.map('ge', a);
  }
  /** 1 where the element is less than `a`, 0 elsewhere. */
  lt(a: number): Matrix<R, C> {
    return this.map('lt', a);
  }
  /** 1 where the element is ≤ `a`, 0 elsewhere. */
  le(a: number): Matrix<R, C> {
    return this.map('le', a);
  }
  /** 1 where the element equals `a`, 0 elsewhere. */
  eq(a: number): Matrix<R, C> {
    return this.map('eq', a);
  }
  /** 1 where the element differs from `a` (NaN included), 0 elsewhere. */
  ne(a: number): Matrix<R, C> {
    return this.map('ne', a);
  }

  private reduce<R2 extends number, C2 extends number>(op: ReduceOp, axis: ReduceAxis): Matrix<R2, C2> {
    return Matrix.of(makeNode('reduce', { op, axis }, [this.plan]));
  }
  rowSums(): Matrix<R, 1> {
    return this.reduce('sum', 'rows');
  }
  colSums(): Matrix<1, C> {
    return this.reduce('sum', 'cols');
  }
  sum(): Matrix<1, 1> {
    return this.reduce('sum', 'all');
  }
  rowMeans(): Matrix<R, 1> {
    return this.reduce('mean', 'rows');
  }
  colMeans(): Matrix<1, C> {
    return this.reduce('mean', 'cols');
  }
  mean(): Matrix<1, 1> {
    return this.reduce('mean', 'all');
  }
  /** The number of elements, as a 1×1 matrix (the row count of a column vector). */
  count(): Matrix<1, 1> {
    return this.reduce('count', 'all');
  }

  /** X with this · X = b (Cholesky when symmetric positive definite, LU otherwise). */
  solve<K extends number, C2 extends number>(b: Matrix<K, C2> & DimCheck<C, K, 'solve: right-hand side rows and matrix size'>, method: 'auto' | 'cholesky' | 'lu' = 'auto'): Matrix<C, C2> {
    return Matrix.of(makeNode('solve', { method }, [this.plan, b.plan]));
  }
  /** Least squares argmin ‖this·β − y‖² + ridge·‖β‖². */
  lstsq<C2 extends number>(y: Matrix<number, C2>, ridge = 0): Matrix<C, C2> {
    return Matrix.of(makeNode('lstsq', { ridge }, [this.plan, y.plan]));
  }
  inverse(): Matrix<C, C> {
    return Matrix.of(makeNode('inverse', {}, [this.plan]));
  }
  /** A diagonal matrix from a column vector. */
  diag(): Matrix<R, R> {
    return Matrix.of(makeNode('diag', {}, [this.plan]));
  }

  /** Columns by name or index. */
  select(...columns: (string | number)[]): Matrix<R, number> {
    const indices = columns.map((c) => {
      if (typeof c === 'number') return c;
      const j = this.columnNames.indexOf(c);
      if (j < 0) throw new PlanError('select', `unknown matrix column '${c}'; columns: ${this.columnNames.join(', ')}`);
      return j;
    });
    return Matrix.of(makeNode('selectCols', { indices }, [this.plan]));
  }
  /** Rows where the R×1 mask is non-zero (e.g. `m.filterRows(m.select('x').clip(0, 1))`). */
  filterRows<K extends number>(mask: Matrix<number, K> & DimCheck<K, 1, 'filterRows: mask columns'>): Matrix<number, C> {
    return Matrix.of(makeNode('filterRows', {}, [this.plan, mask.plan]));
  }
  /** `count` distinct rows drawn with a seeded generator. */
  sampleRows<K extends number>(count: K, seed = 0): Matrix<K, C> {
    return Matrix.of(makeNode('sampleRows', { count, seed }, [this.plan]));
  }
  /** Per row, a 1 in the column of the smallest value (first on ties), 0 elsewhere. */
  nearest(): Matrix<R, C> {
    return Matrix.of(makeNode('nearest', {}, [this.plan]));
  }
  /** Columns of this, then of the others. */
  hstack(...others: Matrix<number, number>[]): Matrix<R, number> {
    return Matrix.of(makeNode('hstack', {}, [this.plan, ...others.map((o) => o.plan)]));
  }

  /** A new relation with one float64 column per matrix column. */
  toRelation<const N extends readonly string[]>(names: N): Relation<{ [K in N[number]]: 'float64' }> {
    return new Relation(makeNode('matrixToRelation', { names: [...names] }, [this.plan]) as RelationNode);
  }

  /**
   * EXPLAIN: the plan as built, the optimized plan with estimated rows/shape and cost
   * per operator, and the rules that fired. `{ verbose: true }` adds output types and
   * the plan after every rule; `{ analyze: true }` runs the plan and adds actual rows,
   * times and bytes (and then returns a Promise); `format: 'json' | 'dot' | 'html'` for tools,
   * graphs and a page to open in a browser.
   */
  explain(options?: ExplainOptions & { analyze?: false }): string;
  explain(options: ExplainOptions & { analyze: true }): Promise<string>;
  explain(options?: ExplainOptions): string | Promise<string>;
  explain(options: ExplainOptions = {}): string | Promise<string> {
    checkOptions('explain', options, EXPLAIN_OPTIONS);
    return explainPlan(this.plan, options);
  }

  /** Optimizes and runs the plan; returns the dense result. */
  async collect(options?: RunOptions): Promise<MatrixResultValue> {
    checkOptions('collect', options, RUN_OPTIONS);
    return collectMatrix(this.plan, options);
  }
}

/**
 * The most elements a dense matrix can hold: the longest typed array JavaScript engines
 * allocate (2^32 elements in V8). Larger shapes fail here, while the plan is built, with
 * an error naming the operation instead of a RangeError from the engine.
 */
const MAX_ELEMENTS = 2 ** 32;

/** Shapes of constant matrices: non-negative integers, within MAX_ELEMENTS. */
function checkShape(op: string, rows: unknown, cols: unknown): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || (rows as number) < 0 || (cols as number) < 0) {
    throw new PlanError(op, `expected non-negative integer dimensions, got ${String(rows)}×${String(cols)}`);
  }
  const n = (rows as number) * (cols as number);
  if (n > MAX_ELEMENTS) throw new ShapeError(op, `${String(rows)}×${String(cols)} is ${n} elements, more than a dense matrix holds (2^32)`);
}

function checkDType(op: string, dtype: unknown): void {
  if (dtype !== 'float64' && dtype !== 'float32') throw new PlanError(op, `expected dtype 'float64' or 'float32', got ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)}`);
}

/** A constant matrix from rows of numbers: `matrix([[1, 2], [3, 4]])`. */
export function matrix<const T extends readonly (readonly number[])[]>(rows: T, options: { name?: string; dtype?: MatrixDType } = {}): Matrix<T['length'], T[0]['length']> {
  if (!Array.isArray(rows)) throw new PlanError('matrix', `expected an array of rows (arrays of numbers), got ${typeof rows}`);
  const dtype = options.dtype ?? 'float64';
  checkDType('matrix', dtype);
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw new PlanError('matrix', `row ${i} is ${row === null ? 'null' : typeof row}, not an array of numbers`);
  });
  const r = rows.length;
  const c = rows[0]?.length ?? 0;
  checkShape('matrix', r, c);
  const data = dtype === 'float32' ? new Float32Array(r * c) : new Float64Array(r * c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new ShapeError('matrix', `row ${i} has ${row.length} values, row 0 has ${c}`);
    row.forEach((v, j) => {
      if (typeof v !== 'number') throw new TypeMismatchError('matrix', `row ${i}, column ${j}: expected a number, got ${typeof v} ${String(v)}`);
    });
    data.set(row, i * c);
  });
  return fromDense(denseMatrix(r, c, data), options.name) as Matrix<T['length'], T[0]['length']>;
}

/** A constant matrix over an existing row-major buffer (not copied). */
export function fromDense<R extends number = number, C extends number = number>(value: DenseMatrix, name?: string): Matrix<R, C> {
  if (typeof value !== 'object' || value === null) throw new PlanError('fromDense', `expected { rows, cols, data }, got ${value === null ? 'null' : typeof value}`);
  const { rows, cols, data } = value;
  checkShape('fromDense', rows, cols);
  if (!(data instanceof Float64Array || data instanceof Float32Array)) {
    const got = data === null || typeof data !== 'object' ? String(data) : `a ${Object.getPrototypeOf(data)?.constructor?.name ?? 'object'}`;
    throw new TypeMismatchError('fromDense', `expected data to be a Float64Array or a Float32Array, got ${got}`);
  }
  if (data.length !== rows * cols) throw new ShapeError('fromDense', `a ${rows}×${cols} matrix needs ${rows * cols} values (row-major), data has ${data.length}`);
  nextLiteral += 1;
  const id = `M${nextLiteral}`;
  return new Matrix<R, C>(makeNode('matrixLiteral', { value, name: name ?? `${rows}×${cols}`, id }, []) as MatrixNode);
}

/** A 1×1 constant. */
export function constant(value: number, dtype: MatrixDType = 'float64'): Matrix<1, 1> {
  if (typeof value !== 'number') throw new TypeMismatchError('constant', `expected a number, got ${typeof value} ${String(value)}`);
  checkDType('constant', dtype);
  const data = dtype === 'float32' ? Float32Array.of(value) : Float64Array.of(value);
  return fromDense<1, 1>(denseMatrix(1, 1, data), String(value));
}

export function zeros<R extends number, C extends number>(rows: R, cols: C, dtype: MatrixDType = 'float64'): Matrix<R, C> {
  checkShape('zeros', rows, cols);
  checkDType('zeros', dtype);
  const data = dtype === 'float32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  return fromDense<R, C>(denseMatrix(rows, cols, data), `zeros(${rows}×${cols})`);
}

export function identity<N extends number>(n: N, dtype: MatrixDType = 'float64'): Matrix<N, N> {
  // The size is checked by the plan node (as for every identity node, also those rules build).
  checkDType('identity', dtype);
  return new Matrix<N, N>(makeNode('identity', { n, dtype }, []) as MatrixNode);
}
