/**
 * The TF.js provider against the reference interpreter (runDenseProgramJs) on seeded
 * random float32 inputs laced with NaN, ±Inf, ±0 and values sitting on the maps'
 * thresholds: every supported op and map, every broadcast shape, reductions, zero-size
 * values, chains; plus what supports() refuses, status, cancellation, and that no
 * tensor outlives a run, failed runs included. Tolerance: 1e-4 of the output's scale
 * (TF.js accumulates products and sums in float32, the reference in float64); masks,
 * NaN and infinities must match exactly.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { ExecutionError } from '../../src/errors.js';
import type { DenseMatrix } from '../../src/kernels/matrix/dense.js';
import type { MapFn } from '../../src/plan/matrix-operators.js';
import { CancelledError } from '../../src/providers/abort.js';
import { runDenseProgramJs } from '../../src/providers/js.js';
import type { DenseProgram, DenseStep } from '../../src/providers/program.js';
import { tfjsBackendReport, tfjsProvider } from '../../src/providers/tfjs/index.js';

const initial = tfjsProvider.status();
if (!initial.available) console.warn(`Skipping the TF.js provider tests: ${initial.detail}`);

/** The tfjs-core copy the provider registered its backend into (shared engine), for tf.memory(). */
async function tfCore(): Promise<typeof TF> {
  return (await import('@tensorflow/tfjs-core')) as typeof TF;
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, Math.fround(0.1), 0.1, 2, 1e-40];

function random(seed: number, rows: number, cols: number, specials = 0.2): DenseMatrix {
  const next = mulberry32(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = next() < specials ? SPECIALS[Math.floor(next() * SPECIALS.length)] : next() * 4 - 2;
  return { rows, cols, data };
}

function expectClose(got: DenseMatrix, want: DenseMatrix, label: string): void {
  expect([got.rows, got.cols], label).toEqual([want.rows, want.cols]);
  expect(got.data, label).toBeInstanceOf(want.data.constructor);
  let scale = 1;
  for (const v of want.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const tol = 1e-4 * scale;
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i];
    const w = want.data[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : Number.isFinite(w) ? Math.abs(g - w) <= tol : g === w;
    if (!ok) expect.fail(`${label}: element ${i} (row ${Math.floor(i / want.cols)}): got ${g}, want ${w} (tolerance ${tol})`);
  }
}

async function check(program: DenseProgram, inputs: DenseMatrix[], label = JSON.stringify(program.steps)): Promise<void> {
  const copies = inputs.map((m) => m.data.slice());
  const want = runDenseProgramJs(program, inputs);
  const got = await tfjsProvider.run(program, inputs);
  expect(got.outputs.length).toBe(want.length);
  got.outputs.forEach((o, k) => expectClose(o, want[k], `${label} output ${k}`));
  inputs.forEach((m, i) => expect(m.data, 'inputs are not modified').toEqual(copies[i]));
}

/** One step over inputs 0 (and 1), returning its result. */
const one = (step: DenseStep, nInputs = 1): DenseProgram => ({ inputs: Array(nInputs).fill('float32'), steps: [step], outputs: [nInputs] });
const map = (fn: MapFn, p1?: number, p2?: number): DenseStep => ({ op: 'map', fn, a: 0, p1, p2, dtype: 'float32' });

describe.skipIf(!initial.available)('tfjs provider', () => {
  afterAll(async () => {
    await tfjsProvider.dispose?.();
  });

  it('reports its status before loading anything', () => {
    expect(initial).toMatchObject({ name: 'tfjs', available: true, dtypes: ['float32'] });
    expect(initial.version).toMatch(/^@tensorflow\/tfjs-core \d+\.\d+\.\d+, @tensorflow\/tfjs-/);
    expect(initial.backend).toMatch(/^(tensorflow|webgpu|wasm) \(/);
    expect(['cpu', 'gpu']).toContain(initial.device);
    expect(initial.detail).toMatch(/first run/);
  });

  it('initialises the backend on the first run only, and then says which one loaded', async () => {
    const x = random(1, 3, 4, 0);
    const first = await tfjsProvider.run(one(map('exp')), [x]);
    const second = await tfjsProvider.run(one(map('exp')), [x]);
    expect([first.compiled, second.compiled]).toEqual([true, false]);
    expect(second.computeMs).toBeGreaterThanOrEqual(0);
    expect(second.transferMs).toBeGreaterThanOrEqual(0);
    const report = await tfjsBackendReport();
    expect(report).toMatchObject({ available: true, loaded: true });
    expect(report.attempts.at(-1)?.outcome).toMatch(/^loaded: /);
    const status = tfjsProvider.status();
    expect(status.backend).toBe(report.backend);
    expect(status.detail).not.toMatch(/first run/);
    // Here (no tfjs-node, no WebGPU packages) wasm is what loads; SIMD depends on V8 only.
    if (report.tfBackend === 'wasm') expect(status.backend).toMatch(/^wasm \((SIMD|no SIMD), 1 thread\)$/);
    if (report.device === 'cpu') expect(status.detail).not.toMatch(/runs on the GPU/);
  });

  it('supports float32 steps only, and refuses parameters float32 would change', () => {
    const steps: DenseStep[] = [
      { op: 'matmul', a: 0, b: 1, dtype: 'float64' },
      { op: 'crossprod', a: 0, dtype: 'float64' },
      { op: 'transpose', a: 0, dtype: 'float64' },
      { op: 'elementwise', fn: 'add', a: 0, b: 1, dtype: 'float64' },
      { op: 'map', fn: 'exp', a: 0, dtype: 'float64' },
      { op: 'reduce', fn: 'sum', axis: 'all', a: 0, dtype: 'float64' },
      { op: 'selectCols', a: 0, indices: [0], dtype: 'float64' },
    ];
    for (const s of steps) {
      expect(tfjsProvider.supports(s), s.op).toBe(false);
      expect(tfjsProvider.supports({ ...s, dtype: 'float32' }), s.op).toBe(true);
    }
    expect(tfjsProvider.supports(map('pow', 3.0000001))).toBe(false); // an integer only after rounding
    expect(tfjsProvider.supports(map('pow', 2 ** 24 + 1))).toBe(false); // odd, but even in float32
    expect(tfjsProvider.supports(map('pow', 0.1))).toBe(true);
    expect(tfjsProvider.supports(map('scale', 1e-50))).toBe(false); // 0 in float32: ∞·0 would be NaN
    expect(tfjsProvider.supports(map('shift', 1e39))).toBe(false); // ∞ in float32
    expect(tfjsProvider.supports(map('rdiv', Infinity))).toBe(true);
    expect(tfjsProvider.supports(map('gt', 1e-50))).toBe(true);
  });

  it('computes every element map like the reference, NaN and infinities included', async () => {
    const x = random(2, 9, 13, 0.5);
    const cases: [MapFn, number?, number?][] = [
      ['exp'], ['log'], ['sqrt'], ['abs'], ['neg'], ['sigmoid'],
      ...[2, 3, 0.5, -1, 0, -2, 1.5, -3, 0.1, Infinity, -Infinity, NaN, 1e39].map((p): [MapFn, number] => ['pow', p]),
      ...[[0, 1], [-0.5, 0.5], [1, 0], [NaN, 1], [0, NaN], [0.1, 0.3], [-Infinity, Infinity], [1e-50, 1e39]].map(([a, b]): [MapFn, number, number] => ['clip', a, b]),
      ...(['scale', 'shift', 'rsub', 'rdiv'] as const).flatMap((fn) => [2, -0.5, 0, 0.1, Infinity, -Infinity, NaN].map((a): [MapFn, number] => [fn, a])),
      ...(['gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const).flatMap((fn) =>
        [0, -0, 0.1, Math.fround(0.1), 0.5, -0.5, 1, NaN, Infinity, -Infinity, 1e39, -1e39, 1e-50, 1e-40].map((a): [MapFn, number] => [fn, a]),
      ),
    ];
    for (const [fn, p1, p2] of cases) {
      const step = map(fn, p1, p2);
      expect(tfjsProvider.supports(step), `${fn}(${p1}, ${p2})`).toBe(true);
      await check(one(step), [x], `${fn}(${p1}, ${p2})`);
    }
    await check(one({ op: 'map', fn: 'shift', a: 0, dtype: 'float32' }), [x], 'shift with the default parameter');
  });

  it('broadcasts element-wise operations like the reference (a shape, 1×cols, rows×1, 1×1)', async () => {
    const a = random(3, 7, 5, 0.3);
    for (const [rows, cols] of [[7, 5], [1, 5], [7, 1], [1, 1]]) {
      const b = random(4 + rows + cols, rows, cols, 0.3);
      for (const fn of ['add', 'sub', 'mul', 'div', 'min', 'max'] as const) {
        await check(one({ op: 'elementwise', fn, a: 0, b: 1, dtype: 'float32' }, 2), [a, b], `${fn} 7×5 with ${rows}×${cols}`);
      }
    }
  });

  it('reduces, multiplies, transposes and selects columns like the reference', async () => {
    const x = random(5, 17, 6, 0.05);
    const y = random(6, 17, 4, 0);
    const z = random(7, 6, 9, 0);
    for (const fn of ['sum', 'mean'] as const) {
      for (const axis of ['rows', 'cols', 'all'] as const) await check(one({ op: 'reduce', fn, axis, a: 0, dtype: 'float32' }), [x], `${fn} ${axis}`);
    }
    await check(one({ op: 'matmul', a: 0, b: 1, dtype: 'float32' }, 2), [random(8, 33, 40, 0), random(9, 40, 21, 0)], 'matmul');
    await check(one({ op: 'matmul', a: 0, b: 1, dtype: 'float32' }, 2), [x, z], 'matmul with NaN and ∞');
    await check(one({ op: 'crossprod', a: 0, dtype: 'float32' }), [y], 'AᵀA');
    await check(one({ op: 'crossprod', a: 0, b: 1, dtype: 'float32' }, 2), [y, x], 'AᵀB');
    await check(one({ op: 'transpose', a: 0, dtype: 'float32' }), [x], 'transpose');
    await check(one({ op: 'selectCols', a: 0, indices: [5, 0, 2, 2], dtype: 'float32' }), [x], 'selectCols');
  });

  it('runs chains, returns inputs as fresh outputs and converts float64 inputs', async () => {
    const X = random(10, 50, 8, 0);
    const beta = random(11, 8, 1, 0);
    const y = random(12, 50, 1, 0);
    // mean((Xβ − y)²), the residuals, and y itself.
    const program: DenseProgram = {
      inputs: ['float32', 'float32', 'float32'],
      steps: [
        { op: 'matmul', a: 0, b: 1, dtype: 'float32' },
        { op: 'elementwise', fn: 'sub', a: 3, b: 2, dtype: 'float32' },
        { op: 'map', fn: 'pow', a: 4, p1: 2, dtype: 'float32' },
        { op: 'reduce', fn: 'mean', axis: 'all', a: 5, dtype: 'float32' },
      ],
      outputs: [6, 4, 2],
    };
    await check(program, [X, beta, y], 'least-squares loss');
    const run = await tfjsProvider.run(program, [X, beta, y]);
    expect(run.outputs[2].data).not.toBe(y.data);

    // A float64 input: the step reads it rounded to float32; as an output it stays float64.
    const x64: DenseMatrix = { rows: 4, cols: 3, data: Float64Array.from({ length: 12 }, (_, i) => i / 3) };
    const mixed: DenseProgram = { inputs: ['float64'], steps: [{ op: 'map', fn: 'scale', a: 0, p1: 3, dtype: 'float32' }], outputs: [1, 0] };
    await check(mixed, [x64], 'float64 input');
    // Inputs are often views into a larger buffer (Arrow columns).
    const backing = random(26, 5, 6, 0).data;
    await check(one(map('neg')), [{ rows: 4, cols: 6, data: backing.subarray(6) }], 'a subarray view');
    const out = await tfjsProvider.run(mixed, [x64]);
    expect(out.outputs[1].data).toEqual(x64.data);
    expect(out.outputs[1].data).toBeInstanceOf(Float64Array);
  });

  it('gives the reference results for zero-size values', async () => {
    const empty = random(13, 0, 3);
    for (const fn of ['sum', 'mean'] as const) {
      for (const axis of ['rows', 'cols', 'all'] as const) await check(one({ op: 'reduce', fn, axis, a: 0, dtype: 'float32' }), [empty], `${fn} ${axis} of 0×3`);
    }
    await check(one({ op: 'crossprod', a: 0, dtype: 'float32' }), [empty], 'AᵀA of 0×3');
    await check(one({ op: 'matmul', a: 0, b: 1, dtype: 'float32' }, 2), [random(14, 4, 0), random(15, 0, 2)], '4×0 · 0×2');
    await check(one({ op: 'selectCols', a: 0, indices: [], dtype: 'float32' }), [random(16, 3, 3)], 'no columns');
  });

  it('rejects programs the reference kernels would reject, and unsupported steps', async () => {
    const a = random(17, 3, 4);
    await expect(tfjsProvider.run(one({ op: 'elementwise', fn: 'add', a: 0, b: 1, dtype: 'float32' }, 2), [a, random(18, 2, 4)])).rejects.toThrow(ExecutionError);
    await expect(tfjsProvider.run(one({ op: 'elementwise', fn: 'add', a: 0, b: 1, dtype: 'float32' }, 2), [random(19, 1, 4), a])).rejects.toThrow(/cannot broadcast/);
    await expect(tfjsProvider.run(one({ op: 'matmul', a: 0, b: 1, dtype: 'float32' }, 2), [a, a])).rejects.toThrow(/inner dimensions/);
    await expect(tfjsProvider.run(one({ op: 'selectCols', a: 0, indices: [4], dtype: 'float32' }), [a])).rejects.toThrow(/out of range/);
    await expect(tfjsProvider.run(one({ op: 'map', fn: 'exp', a: 0, dtype: 'float64' }), [a])).rejects.toThrow(/float64/);
  });

  it('leaves no tensor behind, after successful, failed and cancelled runs', async () => {
    const tf = await tfCore();
    const before = tf.memory().numTensors;
    expect(before, 'tensors left by the earlier tests').toBe(0);
    const x = random(20, 20, 6, 0.1);
    const program: DenseProgram = {
      inputs: ['float32', 'float32'],
      steps: [
        { op: 'crossprod', a: 0, dtype: 'float32' },
        { op: 'elementwise', fn: 'max', a: 2, b: 1, dtype: 'float32' },
        { op: 'map', fn: 'clip', a: 3, p1: -1, p2: 1, dtype: 'float32' },
        { op: 'map', fn: 'pow', a: 4, p1: Infinity, dtype: 'float32' },
        { op: 'reduce', fn: 'sum', axis: 'cols', a: 5, dtype: 'float32' },
      ],
      outputs: [6, 6, 0],
    };
    await check(program, [x, random(21, 1, 6)], 'chain with a repeated output');
    const twice = await tfjsProvider.run(program, [x, random(21, 1, 6)]);
    expect(twice.outputs[1].data, 'a value listed twice gives two arrays').not.toBe(twice.outputs[0].data);
    expect(tf.memory().numTensors).toBe(before);
    await expect(tfjsProvider.run(program, [x, random(22, 2, 6)])).rejects.toThrow(ExecutionError);
    expect(tf.memory().numTensors).toBe(before);
    // A signal that fires after the inputs are tensors, between steps inside tf.tidy.
    let reads = 0;
    const late = { get aborted() { return ++reads > 4; }, reason: 'stop' } as unknown as AbortSignal;
    await expect(tfjsProvider.run(program, [x, random(21, 1, 6)], { signal: late })).rejects.toThrow(CancelledError);
    expect(reads).toBeGreaterThan(4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('throws before running when the signal has already fired', async () => {
    const tf = await tfCore();
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    controller.abort('user');
    const run = tfjsProvider.run(one(map('exp')), [random(23, 2, 2)], { signal: controller.signal });
    await expect(run).rejects.toThrow(CancelledError);
    await expect(run).rejects.toThrow(/cancelled: user/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('releases its backend on dispose and starts it again on the next run', async () => {
    await tfjsProvider.dispose?.();
    await tfjsProvider.dispose?.(); // idempotent
    const again = await tfjsProvider.run(one(map('sqrt')), [random(24, 3, 3, 0)]);
    expect(again.compiled).toBe(true);
    await check(one(map('sigmoid')), [random(25, 5, 5)], 'after dispose');
  });
});
