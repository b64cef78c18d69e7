/**
 * Dense steps as TF.js ops, with the reference semantics of src/kernels/matrix
 * (see runDenseProgramJs) in float32. Where a TF.js op differs from the reference, the
 * op is built so that it cannot: min/max propagate NaN explicitly (WebAssembly's
 * minimum returns the other operand), clip keeps NaN (clipByValue maps it to the lower
 * bound) and allows a > b, comparisons use the float32 threshold that gives the
 * same answer as comparing against the float64 parameter, and pow handles the
 * exponents where C's pow and JavaScript's ** disagree. Steps whose parameters float32
 * cannot carry faithfully are not supported (see `stepSupported`).
 */
import type * as TF from '@tensorflow/tfjs-core';
import { ExecutionError } from '../../errors.js';
import type { DenseMatrix } from '../../kernels/matrix/dense.js';
import type { MapFn } from '../../plan/matrix-operators.js';
import { type DenseProgram, type DenseStep, programShapes, stepOperands } from '../program.js';
import type { Tf } from './backend.js';

type Tensor = TF.Tensor;

const ELEMENTWISE = new Set(['add', 'sub', 'mul', 'div', 'min', 'max']);
const MAPS = new Set<MapFn>(['exp', 'log', 'sqrt', 'abs', 'neg', 'sigmoid', 'pow', 'clip', 'scale', 'shift', 'rsub', 'rdiv', 'gt', 'ge', 'lt', 'le', 'eq', 'ne']);

/**
 * Whether float32 keeps what matters about an arithmetic parameter: a finite non-zero
 * value must stay finite and non-zero, else 0·∞ or ∞−∞ appear where the reference
 * (which applies the float64 parameter, then rounds) gets a number.
 */
function faithfulParam(p: number): boolean {
  const f = Math.fround(p);
  return !Number.isFinite(p) || p === 0 || (Number.isFinite(f) && f !== 0);
}

/** Whether TF.js computes `step` exactly as the reference does, in float32. */
export function stepSupported(step: DenseStep): boolean {
  if (step.dtype !== 'float32') return false;
  switch (step.op) {
    case 'elementwise':
      return ELEMENTWISE.has(step.fn);
    case 'map': {
      if (!MAPS.has(step.fn)) return false;
      const p = step.p1 ?? 0;
      if (step.fn === 'scale' || step.fn === 'shift' || step.fn === 'rsub' || step.fn === 'rdiv') return faithfulParam(p);
      // An exponent that becomes an integer only in float32 would change the result's sign or NaN-ness for negative bases.
      if (step.fn === 'pow') return Math.fround(p) === p || !Number.isInteger(Math.fround(p));
      return true;
    }
    case 'reduce':
      return step.fn === 'sum' || step.fn === 'mean';
    default:
      return true;
  }
}

// Float32 neighbours, for comparison thresholds.
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
function nextFloat32(f: number, up: boolean): number {
  if (f === 0) return up ? 1.401298464324817e-45 : -1.401298464324817e-45;
  f32[0] = f;
  i32[0] += f > 0 === up ? 1 : -1;
  return f32[0];
}
/** The largest float32 ≤ a (NaN stays NaN): for float32 x, x > a ⟺ x > floor32(a) and x ≤ a ⟺ x ≤ floor32(a). */
const floor32 = (a: number) => {
  const f = Math.fround(a);
  return f > a ? nextFloat32(f, false) : f;
};
/** The smallest float32 ≥ a: x < a ⟺ x < ceil32(a) and x ≥ a ⟺ x ≥ ceil32(a). */
const ceil32 = (a: number) => {
  const f = Math.fround(a);
  return f < a ? nextFloat32(f, true) : f;
};

function comparison(tf: Tf, fn: 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne', x: Tensor, a: number): Tensor {
  const exact = Math.fround(a) === a; // false for NaN too: nothing equals it
  let mask: Tensor;
  switch (fn) {
    case 'gt':
      mask = tf.greater(x, floor32(a));
      break;
    case 'ge':
      mask = tf.greaterEqual(x, ceil32(a));
      break;
    case 'lt':
      mask = tf.less(x, ceil32(a));
      break;
    case 'le':
      mask = tf.lessEqual(x, floor32(a));
      break;
    case 'eq':
      return exact ? tf.cast(tf.equal(x, a), 'float32') : tf.zerosLike(x);
    case 'ne':
      return exact ? tf.cast(tf.notEqual(x, a), 'float32') : tf.onesLike(x);
  }
  return tf.cast(mask, 'float32');
}

/** A tensor of x's shape filled with v: tf.where broadcasting a scalar is ~10× slower on wasm than this. */
function full(tf: Tf, x: Tensor, v: number): Tensor {
  return tf.fill(x.shape, v, 'float32');
}

/** x ** p as JavaScript defines it: ±1 ** ±∞ and 1 ** NaN are NaN (C's pow says 1). */
function power(tf: Tf, x: Tensor, p: number): Tensor {
  const y = tf.pow(x, tf.scalar(p, 'float32'));
  return Number.isFinite(p) ? y : tf.where(tf.equal(tf.abs(x), 1), full(tf, x, NaN), y);
}

function map(tf: Tf, fn: MapFn, x: Tensor, a: number, b: number): Tensor {
  const s = (v: number) => tf.scalar(v, 'float32');
  switch (fn) {
    case 'exp':
      return tf.exp(x);
    case 'log':
      return tf.log(x);
    case 'sqrt':
      return tf.sqrt(x);
    case 'abs':
      return tf.abs(x);
    case 'neg':
      return tf.neg(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'pow':
      return power(tf, x, a);
    case 'clip':
      // x < a ? a : x > b ? b : x, where NaN fails both tests and stays NaN. With a ≤ b that
      // is clipByValue on the rounded bounds except for NaN; else (a > b, a NaN bound) two selects.
      if (a <= b) return tf.where(tf.isNaN(x), x, tf.clipByValue(x, Math.fround(a), Math.fround(b)));
      return tf.where(tf.less(x, ceil32(a)), full(tf, x, a), tf.where(tf.greater(x, floor32(b)), full(tf, x, b), x));
    case 'scale':
      return tf.mul(x, s(a));
    case 'shift':
      return tf.add(x, s(a));
    case 'rsub':
      return tf.sub(s(a), x);
    case 'rdiv':
      return tf.div(s(a), x);
    default:
      return comparison(tf, fn, x, a);
  }
}

function binary(tf: Tf, fn: string, a: Tensor, b: Tensor): Tensor {
  switch (fn) {
    case 'add':
      return tf.add(a, b);
    case 'sub':
      return tf.sub(a, b);
    case 'mul':
      return tf.mul(a, b);
    case 'div':
      return tf.div(a, b);
    default: {
      // Math.min/Math.max: NaN in either operand gives NaN.
      const m = fn === 'min' ? tf.minimum(a, b) : tf.maximum(a, b);
      return tf.where(tf.logicalOr(tf.isNaN(a), tf.isNaN(b)), full(tf, m, NaN), m);
    }
  }
}

/** One step; `v(i)` is value i as a 2-D float32 tensor. Call inside tf.tidy. */
export function applyStep(tf: Tf, step: DenseStep, v: (i: number) => Tensor): Tensor {
  const x = v(step.a);
  switch (step.op) {
    case 'matmul':
      return tf.matMul(x as TF.Tensor2D, v(step.b) as TF.Tensor2D);
    case 'crossprod':
      return tf.matMul(x as TF.Tensor2D, v(step.b ?? step.a) as TF.Tensor2D, true, false);
    case 'transpose':
      return tf.transpose(x);
    case 'elementwise':
      return binary(tf, step.fn, x, v(step.b));
    case 'map':
      return map(tf, step.fn, x, step.p1 ?? 0, step.p2 ?? 0);
    case 'reduce': {
      const reduce = step.fn === 'sum' ? tf.sum : tf.mean;
      return step.axis === 'all' ? tf.reshape(reduce(x), [1, 1]) : reduce(x, step.axis === 'rows' ? 1 : 0, true);
    }
    case 'selectCols':
      return tf.gather(x, tf.tensor1d(step.indices as number[], 'int32'), 1);
  }
}

/**
 * Every value's shape, after checking that the program fits its inputs the way the
 * reference kernels require (TF.js would broadcast more freely, or read out of range).
 */
export function checkProgram(program: DenseProgram, inputs: readonly DenseMatrix[]): { rows: number; cols: number }[] {
  const fail = (op: string, detail: string): never => {
    throw new ExecutionError(`tfjs ${op}`, detail);
  };
  if (inputs.length !== program.inputs.length) fail('run', `the program has ${program.inputs.length} inputs, got ${inputs.length}`);
  inputs.forEach((m, i) => {
    if (m.data.length !== m.rows * m.cols) fail('run', `input ${i} is ${m.rows}×${m.cols} but holds ${m.data.length} values`);
  });
  program.steps.forEach((s, k) => {
    const known = inputs.length + k;
    for (const i of stepOperands(s)) if (!Number.isInteger(i) || i < 0 || i >= known) fail(s.op, `step ${k} reads value ${i}, which is not computed before it`);
  });
  for (const i of program.outputs) if (!Number.isInteger(i) || i < 0 || i >= inputs.length + program.steps.length) fail('run', `output ${i} is not a value of the program`);
  const shapes = programShapes(program, inputs);
  const dims = (i: number) => `${shapes[i].rows}×${shapes[i].cols}`;
  program.steps.forEach((s) => {
    const a = shapes[s.a];
    switch (s.op) {
      case 'matmul':
        if (a.cols !== shapes[s.b].rows) fail(s.op, `inner dimensions differ: ${dims(s.a)} · ${dims(s.b)}`);
        break;
      case 'crossprod':
        if (s.b !== undefined && a.rows !== shapes[s.b].rows) fail(s.op, `row counts differ: ${dims(s.a)}ᵀ · ${dims(s.b)}`);
        break;
      case 'elementwise': {
        const b = shapes[s.b];
        if ((b.rows !== a.rows && b.rows !== 1) || (b.cols !== a.cols && b.cols !== 1)) fail(s.op, `cannot broadcast ${dims(s.b)} onto ${dims(s.a)}`);
        break;
      }
      case 'selectCols':
        for (const j of s.indices) if (!Number.isInteger(j) || j < 0 || j >= a.cols) fail(s.op, `column ${j} is out of range for ${dims(s.a)}`);
        break;
      default:
        break;
    }
  });
  return shapes;
}
