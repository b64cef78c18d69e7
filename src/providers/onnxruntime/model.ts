/**
 * Compiles a DenseProgram to an ONNX model (encoded by onnx-proto) with the semantics
 * of the JS kernels in src/kernels/matrix. Every input dimension is symbolic, so one
 * ONNX Runtime session serves every input shape. Where an ONNX operator differs from
 * the reference at the edges, the graph composes the reference instead: sigmoid
 * (ORT's loses relative accuracy below 0), reduce mean (ReduceMean of nothing is 0),
 * pow with an infinite or NaN exponent (C's pow(1, NaN) is 1), clip with min > max,
 * and float32 maps whose parameter float32 cannot hold.
 */
import type { onnx as Onnx } from 'onnx-proto';
import type { MapFn, MatrixDType } from '../../plan/matrix-operators.js';
import type { DenseProgram, DenseStep } from '../program.js';

/** Opset 17: every operator below has float64 and float32 CPU kernels in ONNX Runtime 1.30. */
const OPSET = 17;

/** A compiled program: the model and which program values its graph inputs and outputs carry. */
export interface CompiledModel {
  readonly bytes: Uint8Array;
  /** Graph input names, by program input index (only the inputs some step reads). */
  readonly inputs: ReadonlyMap<number, string>;
  /** Graph output names, by value index (each step value the program outputs, once). */
  readonly outputs: ReadonlyMap<number, string>;
  /** Nodes each step compiled to (its casts included): each may allocate a value of the step's size. */
  readonly nodesPerStep: readonly number[];
}

type ElemType = MatrixDType | 'int64' | 'bool';

const BINARY = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', min: 'Min', max: 'Max' } as const;
const UNARY = { exp: 'Exp', log: 'Log', sqrt: 'Sqrt', abs: 'Abs', neg: 'Neg' } as const;
const COMPARE = { gt: 'Greater', ge: 'GreaterOrEqual', lt: 'Less', le: 'LessOrEqual', eq: 'Equal', ne: 'Equal' } as const;

/** The scalar parameters a map reads (the others are ignored, as mapElements does). */
function mapParams(fn: MapFn, p1 = 0, p2 = 0): number[] {
  switch (fn) {
    case 'exp':
    case 'log':
    case 'sqrt':
    case 'abs':
    case 'neg':
    case 'sigmoid':
      return [];
    case 'clip':
      return [p1, p2];
    default:
      return [p1];
  }
}

/** Nodes, constants and names of the graph being built. */
class Graph {
  readonly nodes: Onnx.INodeProto[] = [];
  readonly initializers: Onnx.ITensorProto[] = [];
  private readonly shared = new Map<string, string>();
  private count = 0;

  constructor(private readonly onnx: typeof Onnx) {}

  elemType(t: ElemType): number {
    const D = this.onnx.TensorProto.DataType;
    return { float64: D.DOUBLE, float32: D.FLOAT, int64: D.INT64, bool: D.BOOL }[t];
  }

  /** Adds one node; attributes are all integers or integer lists here. Returns its output. */
  op(opType: string, input: string[], attrs: Record<string, number | number[]> = {}): string {
    const { INT, INTS } = this.onnx.AttributeProto.AttributeType;
    const output = `t${this.count++}`;
    const attribute = Object.entries(attrs).map(([name, v]) => (Array.isArray(v) ? { name, type: INTS, ints: v } : { name, type: INT, i: v }));
    this.nodes.push({ opType, input, output: [output], attribute });
    return output;
  }

  /** x as `to`; casts of one value to one type are shared. */
  cast(x: string, to: ElemType): string {
    return this.once(`cast ${x} ${to}`, () => this.op('Cast', [x], { to: this.elemType(to) }));
  }

  /** A scalar constant (a float32 one holds Math.fround(value)). */
  scalar(value: number, dtype: MatrixDType): string {
    const key = `${dtype} ${Object.is(value, -0) ? '-0' : value}`;
    return this.once(key, () => this.constant(dtype === 'float64' ? { dataType: this.elemType(dtype), doubleData: [value] } : { dataType: this.elemType(dtype), floatData: [value] }));
  }

  /** A 1-D int64 constant. */
  int64s(values: readonly number[]): string {
    return this.once(`int64 ${values.join(',')}`, () => this.constant({ dataType: this.elemType('int64'), dims: [values.length], int64Data: [...values] }));
  }

  private constant(t: Onnx.ITensorProto): string {
    const name = `k${this.initializers.length}`;
    this.initializers.push({ ...t, name });
    return name;
  }

  private once(key: string, make: () => string): string {
    let name = this.shared.get(key);
    if (name === undefined) this.shared.set(key, (name = make()));
    return name;
  }
}

/** x_ij < a ? a : x_ij > b ? b : x_ij, NaN staying NaN. */
function clip(g: Graph, x: string, a: number, b: number, dtype: MatrixDType): string {
  const c = (v: number) => g.scalar(v, dtype);
  // ONNX Clip is min(max(x, a), b): when a > b it gives b where the reference gives a (x < a).
  // Both ignore a NaN bound.
  if (!(a > b)) return g.op('Clip', [x, c(a), c(b)]);
  return g.op('Where', [g.op('Less', [x, c(a)]), c(a), g.op('Where', [g.op('Greater', [x, c(b)]), c(b), x])]);
}

/** f(x) computed in `dtype`, whose constants hold the parameters exactly. */
function map(g: Graph, fn: MapFn, x: string, p1: number, p2: number, dtype: MatrixDType): string {
  const c = (v: number) => g.scalar(v, dtype);
  switch (fn) {
    case 'exp':
    case 'log':
    case 'sqrt':
    case 'abs':
    case 'neg':
      return g.op(UNARY[fn], [x]);
    case 'sigmoid':
      // ORT's Sigmoid is exact to an ulp or two only for x ≥ 0: at −30 it is off by 1e-3
      // relative, from −50 it gives 0. Below 0, σ(x) = eˣ·σ(−x), as overflow-free as the reference.
      return g.op('Mul', [g.op('Exp', [g.op('Min', [x, c(0)])]), g.op('Sigmoid', [g.op('Abs', [x])])]);
    case 'pow':
      // JavaScript's 1 ** NaN and (±1) ** ±Infinity are NaN; C's pow gives 1 for both.
      if (!Number.isFinite(p1)) return g.op('Where', [g.op('Equal', [g.op('Abs', [x]), c(1)]), c(NaN), g.op('Pow', [x, c(p1)])]);
      return g.op('Pow', [x, c(p1)]);
    case 'clip':
      return clip(g, x, p1, p2, dtype);
    case 'scale':
      return g.op('Mul', [x, c(p1)]);
    case 'shift':
      return g.op('Add', [x, c(p1)]);
    case 'rsub':
      return g.op('Sub', [c(p1), x]);
    case 'rdiv':
      return g.op('Div', [c(p1), x]);
    case 'ne':
      // IEEE: NaN ≠ everything, so Not(Equal) rather than a NotEqual that ONNX lacks.
      return g.cast(g.op('Not', [g.op('Equal', [x, c(p1)])]), dtype);
    default:
      return g.cast(g.op(COMPARE[fn], [x, c(p1)]), dtype);
  }
}

/** Sum or mean along an axis; sums accumulate in float64 whatever the dtype, as the reference's do. */
function reduce(g: Graph, s: Extract<DenseStep, { op: 'reduce' }>, x: string): string {
  // Float32 ReduceSum down 2,000,000 rows drifts by 5e-5 relative; the reference sums in float64.
  const x64 = s.dtype === 'float32' ? g.cast(x, 'float64') : x;
  let r = g.op('ReduceSum', [x64, g.int64s(s.axis === 'rows' ? [1] : s.axis === 'cols' ? [0] : [0, 1])], { keepdims: 1 });
  if (s.fn === 'mean') {
    // s · (1/n) as the reference computes it, so a mean of nothing is 0 · ∞ = NaN (ReduceMean gives 0).
    const n = s.axis === 'all' ? g.op('Size', [x64]) : g.op('Shape', [x64], s.axis === 'rows' ? { start: 1, end: 2 } : { start: 0, end: 1 });
    r = g.op('Mul', [r, g.op('Div', [g.scalar(1, 'float64'), g.cast(n, 'float64')])]);
  }
  return s.dtype === 'float32' ? g.cast(r, 'float32') : r;
}

function step(g: Graph, s: DenseStep, operand: (v: number) => string): string {
  switch (s.op) {
    case 'matmul':
      return g.op('MatMul', [operand(s.a), operand(s.b)]);
    case 'crossprod': {
      // ORT fuses Transpose into MatMul (FusedMatMul transA); measured as fast as Gemm transA for 2,000,000×32.
      const a = operand(s.a);
      return g.op('MatMul', [g.op('Transpose', [a], { perm: [1, 0] }), s.b === undefined ? a : operand(s.b)]);
    }
    case 'transpose':
      return g.op('Transpose', [operand(s.a)], { perm: [1, 0] });
    case 'elementwise':
      return g.op(BINARY[s.fn], [operand(s.a), operand(s.b)]);
    case 'map': {
      const x = operand(s.a);
      const p1 = s.p1 ?? 0;
      const p2 = s.p2 ?? 0;
      // The reference computes float32 maps in float64 with the exact parameter and rounds once;
      // when float32 cannot hold a parameter (0.1), do the same, else a comparison could flip.
      const exact = s.dtype === 'float64' || mapParams(s.fn, p1, p2).every((p) => Object.is(Math.fround(p), p));
      return exact ? map(g, s.fn, x, p1, p2, s.dtype) : g.cast(map(g, s.fn, g.cast(x, 'float64'), p1, p2, 'float64'), 'float32');
    }
    case 'reduce':
      return reduce(g, s, operand(s.a));
    case 'selectCols':
      return g.op('Gather', [operand(s.a), g.int64s(s.indices)], { axis: 1 });
  }
}

/** Whether the compiler below reproduces `step` exactly (see the header for how). */
export function compilable(step: DenseStep): boolean {
  // Gather would wrap negative indices where the reference reads past the row.
  return step.op !== 'selectCols' || step.indices.every((i) => Number.isSafeInteger(i) && i >= 0);
}

/** The ONNX model of `program`, with symbolic dimensions. Its inputs are `in{i}`. */
export function compileModel(onnx: typeof Onnx, program: DenseProgram): CompiledModel {
  const g = new Graph(onnx);
  const nInputs = program.inputs.length;
  const names: string[] = program.inputs.map((_, i) => `in${i}`);
  const dtypes: MatrixDType[] = [...program.inputs];
  const read = new Set<number>();
  const nodesPerStep: number[] = [];
  for (const s of program.steps) {
    const operand = (v: number) => {
      if (v < nInputs) read.add(v);
      return dtypes[v] === s.dtype ? names[v] : g.cast(names[v], s.dtype);
    };
    const before = g.nodes.length;
    names.push(step(g, s, operand));
    dtypes.push(s.dtype);
    nodesPerStep.push(g.nodes.length - before);
  }
  const tensorType = (v: number, dims: Onnx.TensorShapeProto.IDimension[]) => ({ tensorType: { elemType: g.elemType(dtypes[v]), shape: { dim: dims } } });
  const inputs = new Map([...read].sort((a, b) => a - b).map((i) => [i, names[i]]));
  const outputs = new Map(program.outputs.filter((v) => v >= nInputs).map((v) => [v, names[v]]));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'tessera',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'tessera-dense-program',
      node: g.nodes,
      initializer: g.initializers,
      input: [...inputs].map(([i, name]) => ({ name, type: tensorType(i, [{ dimParam: `rows${i}` }, { dimParam: `cols${i}` }]) })),
      output: [...outputs].map(([v, name]) => ({ name, type: tensorType(v, [{}, {}]) })),
    },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), inputs, outputs, nodesPerStep };
}
