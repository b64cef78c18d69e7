import type { DenseMatrix } from '../kernels/matrix/dense.js';
import type { ElementwiseOp, MapFn, MatrixDType, ReduceAxis } from '../plan/matrix-operators.js';

/**
 * A dense program: the unit of work a kernel provider runs. The physical planner cuts
 * the matrix part of a plan into regions of dense operators placed on one provider and
 * hands each region over as one program, so a provider that compiles (ONNX Runtime, a
 * TF.js graph) sees a whole chain, not one product at a time.
 *
 * Values are numbered: 0 … inputs.length−1 are the program's inputs; step k writes
 * value inputs.length + k. Every step reads only earlier values. Each value has the
 * dtype the logical plan gives it (float32 only when every operand is float32), and a
 * step computes in its own dtype: a provider casts an operand whose dtype differs.
 *
 * Semantics are exactly those of the JS kernels in src/kernels/matrix (the reference,
 * see `runDenseProgramJs`): row-major matrices; `elementwise` broadcasts b when it has
 * a's shape, is a 1×cols row, a rows×1 column or a 1×1; comparison maps give 1 where
 * true and 0 where false with IEEE semantics (NaN compares false except under `ne`);
 * `min`/`max` propagate NaN as Math.min/Math.max do; reductions of zero elements sum
 * to 0 and average to NaN.
 */
export type DenseStep =
  | { readonly op: 'matmul'; readonly a: number; readonly b: number; readonly dtype: MatrixDType }
  /** AᵀA when `b` is absent, else AᵀB. */
  | { readonly op: 'crossprod'; readonly a: number; readonly b?: number; readonly dtype: MatrixDType }
  | { readonly op: 'transpose'; readonly a: number; readonly dtype: MatrixDType }
  | { readonly op: 'elementwise'; readonly fn: ElementwiseOp; readonly a: number; readonly b: number; readonly dtype: MatrixDType }
  /** f(x) per element; `p1`/`p2` are the map's scalar parameters (MapFn in src/plan/matrix-operators.ts). */
  | { readonly op: 'map'; readonly fn: MapFn; readonly a: number; readonly p1?: number; readonly p2?: number; readonly dtype: MatrixDType }
  | { readonly op: 'reduce'; readonly fn: 'sum' | 'mean'; readonly axis: ReduceAxis; readonly a: number; readonly dtype: MatrixDType }
  /** The columns `indices` of a, in that order. */
  | { readonly op: 'selectCols'; readonly a: number; readonly indices: readonly number[]; readonly dtype: MatrixDType };

export type DenseOp = DenseStep['op'];

export interface DenseProgram {
  /** The dtype of each input value. */
  readonly inputs: readonly MatrixDType[];
  readonly steps: readonly DenseStep[];
  /** Values the caller receives, in order (inputs may be outputs too). */
  readonly outputs: readonly number[];
}

/**
 * Canonical text of a program: equal texts mean equal programs. Shapes are not part
 * of it, so a compiled program serves every input size (providers compile with
 * symbolic dimensions); numbers are written so that −0 and 0 stay apart.
 */
export function programFingerprint(p: DenseProgram): string {
  const num = (x: number | undefined) => (x === undefined ? '_' : Object.is(x, -0) ? '-0' : String(x));
  const step = (s: DenseStep): string => {
    switch (s.op) {
      case 'matmul':
        return `matmul(${s.a},${s.b}):${s.dtype}`;
      case 'crossprod':
        return `crossprod(${s.a},${s.b ?? '_'}):${s.dtype}`;
      case 'transpose':
        return `transpose(${s.a}):${s.dtype}`;
      case 'elementwise':
        return `elementwise.${s.fn}(${s.a},${s.b}):${s.dtype}`;
      case 'map':
        return `map.${s.fn}(${s.a};${num(s.p1)};${num(s.p2)}):${s.dtype}`;
      case 'reduce':
        return `reduce.${s.fn}.${s.axis}(${s.a}):${s.dtype}`;
      case 'selectCols':
        return `selectCols(${s.a};${s.indices.join(',')}):${s.dtype}`;
    }
  };
  return `in(${p.inputs.join(',')});${p.steps.map(step).join(';')};out(${p.outputs.join(',')})`;
}

/** The values a step reads. */
export function stepOperands(s: DenseStep): number[] {
  switch (s.op) {
    case 'matmul':
    case 'elementwise':
      return [s.a, s.b];
    case 'crossprod':
      return s.b === undefined ? [s.a] : [s.a, s.b];
    default:
      return [s.a];
  }
}

/** Rows and columns of every value of a program, given its inputs' shapes. */
export function programShapes(p: DenseProgram, inputs: readonly { rows: number; cols: number }[]): { rows: number; cols: number }[] {
  const shapes = inputs.map(({ rows, cols }) => ({ rows, cols }));
  for (const s of p.steps) {
    const a = shapes[s.a];
    switch (s.op) {
      case 'matmul':
        shapes.push({ rows: a.rows, cols: shapes[s.b].cols });
        break;
      case 'crossprod':
        shapes.push({ rows: a.cols, cols: shapes[s.b ?? s.a].cols });
        break;
      case 'transpose':
        shapes.push({ rows: a.cols, cols: a.rows });
        break;
      case 'elementwise':
      case 'map':
        shapes.push({ ...a });
        break;
      case 'reduce':
        shapes.push(s.axis === 'rows' ? { rows: a.rows, cols: 1 } : s.axis === 'cols' ? { rows: 1, cols: a.cols } : { rows: 1, cols: 1 });
        break;
      case 'selectCols':
        shapes.push({ rows: a.rows, cols: s.indices.length });
        break;
    }
  }
  return shapes;
}

/** m in `dtype`: m itself when it already is, else a converted copy. */
export function castTo(m: DenseMatrix, dtype: MatrixDType): DenseMatrix {
  if ((m.data instanceof Float32Array) === (dtype === 'float32')) return m;
  return copyAs(m, dtype);
}

/** A fresh copy of m in `dtype`: a provider's outputs never alias its inputs or each other. */
export function copyAs(m: DenseMatrix, dtype: MatrixDType): DenseMatrix {
  return { rows: m.rows, cols: m.cols, data: dtype === 'float32' ? Float32Array.from(m.data) : Float64Array.from(m.data) };
}

/** What running a program cost, besides its outputs: the figures explain analyze shows. */
export interface ProgramRun {
  readonly outputs: DenseMatrix[];
  /** Time spent moving data into and out of the provider (copies, casts, tensor wrapping), in ms. */
  readonly transferMs: number;
  /** Time spent computing, in ms. */
  readonly computeMs: number;
  /** Whether this run compiled the program (a session or graph cache miss). */
  readonly compiled: boolean;
}
