import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { ExecutionError } from '../../src/errors.js';
import type { DenseMatrix } from '../../src/kernels/matrix/dense.js';
import type { ElementwiseOp, MapFn, MatrixDType } from '../../src/plan/matrix-operators.js';
import { CancelledError } from '../../src/providers/abort.js';
import { runDenseProgramJs } from '../../src/providers/js.js';
import { loadWith } from '../../src/providers/onnxruntime/load.js';
import { onnxruntimeProvider as ort } from '../../src/providers/onnxruntime/index.js';
import { SessionCache } from '../../src/providers/onnxruntime/sessions.js';
import type { DenseProgram, DenseStep } from '../../src/providers/program.js';

const status = ort.status();
const DTYPES: readonly MatrixDType[] = ['float64', 'float32'];
/** Values where ONNX operators and JavaScript part ways if anything does. */
const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.1, Math.fround(0.1), 0.5, 2, -2, 710, -745, -30, -50, 1e-310, 3e38];

function random(rows: number, cols: number, dtype: MatrixDType, seed: number, { specials = false, lo = -3, hi = 3 } = {}): DenseMatrix {
  const next = mulberry32(seed);
  const data = dtype === 'float32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * next();
  if (specials) SPECIALS.forEach((v, i) => i < data.length && (data[i] = v));
  return { rows, cols, data };
}

/**
 * got matches want within tol·max(1, |want|) per element (tol·scale when given, for
 * products), NaN where want is NaN, ±Inf exactly; same shape and typed-array class.
 */
function expectClose(got: DenseMatrix, want: DenseMatrix, label: string, scale?: number): void {
  expect([got.rows, got.cols], label).toEqual([want.rows, want.cols]);
  expect(got.data.constructor, label).toBe(want.data.constructor);
  const tol = want.data instanceof Float32Array ? 1e-5 : 1e-12;
  const bad: string[] = [];
  for (let i = 0; i < want.data.length && bad.length < 5; i++) {
    const g = got.data[i];
    const w = want.data[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : Number.isFinite(w) ? Math.abs(g - w) <= tol * (scale ?? Math.max(1, Math.abs(w))) : g === w;
    if (!ok) bad.push(`[${i}] got ${g}, want ${w}`);
  }
  expect(bad, label).toEqual([]);
}

function maxAbs(m: DenseMatrix): number {
  let s = 1;
  for (const v of m.data) if (Number.isFinite(v)) s = Math.max(s, Math.abs(v));
  return s;
}

/** Runs on ONNX Runtime and on the JS reference and compares every output. */
async function check(program: DenseProgram, inputs: DenseMatrix[], label: string, { productScale = false } = {}) {
  const bytes = (m: DenseMatrix) => Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  const before = inputs.map((m) => Buffer.from(bytes(m)));
  const run = await ort.run(program, inputs);
  inputs.forEach((m, i) => expect(bytes(m).equals(before[i]), `${label}: input ${i} unchanged`).toBe(true));
  const want = runDenseProgramJs(program, inputs);
  expect(run.outputs.length, label).toBe(want.length);
  run.outputs.forEach((o, i) => expectClose(o, want[i], `${label} output ${i}`, productScale ? maxAbs(want[i]) : undefined));
  return run;
}

/** A program whose steps all read input 0 (and input 1 when given), outputting every step. */
function fanOut(inputs: MatrixDType[], steps: DenseStep[]): DenseProgram {
  return { inputs, steps, outputs: steps.map((_, k) => inputs.length + k) };
}

describe('onnxruntime provider: loading', () => {
  it('reports why it is unavailable, and how to get it, without throwing', () => {
    const real = createRequire(import.meta.url);
    const missing = Object.assign(
      (id: string) => {
        throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
      },
      { resolve: (id: string) => missing(id) },
    ) as unknown as NodeJS.Require;
    const gone = loadWith(missing);
    expect(gone.ok).toBe(false);
    expect(gone.detail).toMatch(/not installed.*npm install onnxruntime-node.*ONNXRUNTIME_NODE_INSTALL=skip.*allowScripts/);
    const broken = Object.assign(
      () => {
        throw new Error('libonnxruntime.so.1: cannot open shared object file');
      },
      { resolve: (id: string) => real.resolve(id) },
    ) as unknown as NodeJS.Require;
    const failed = loadWith(broken);
    expect(failed.ok).toBe(false);
    expect(failed.version).toMatch(/^onnxruntime-node \d+\.\d+\.\d+/);
    expect(failed.detail).toMatch(/native binding did not load \(libonnxruntime\.so\.1: cannot open.*npm install onnxruntime-node/);
  });
});

describe('onnxruntime provider: session cache', () => {
  const fake = (log: string[], name: string) => async () => ({
    session: { release: async () => void log.push(`release ${name}`) } as never,
    model: { bytes: new Uint8Array(), inputs: new Map(), outputs: new Map(), nodesPerStep: [] },
  });

  const use = async (_: unknown, compiled: boolean) => compiled;
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('evicts the least recently used session, but only releases it once its runs end', async () => {
    const log: string[] = [];
    const cache = new SessionCache(2, Infinity);
    expect(await cache.with('a', fake(log, 'a'), () => 0, use)).toBe(true);
    expect(await cache.with('b', fake(log, 'b'), () => 0, use)).toBe(true);
    expect(await cache.with('a', fake(log, 'a2'), () => 0, use)).toBe(false); // a is now the most recent
    let finish!: () => void;
    const holding = cache.with('a', fake(log, 'a3'), () => 0, () => new Promise<void>((r) => (finish = r)));
    await cache.with('c', fake(log, 'c'), () => 0, use); // evicts b
    await settle();
    expect(log).toEqual(['release b']);
    await cache.with('d', fake(log, 'd'), () => 0, use); // evicts a, which a run still holds
    await settle();
    expect(log).toEqual(['release b']);
    finish();
    await holding;
    expect(log).toEqual(['release b', 'release a']);
    await cache.clear();
    expect(log.slice(2).sort()).toEqual(['release c', 'release d']);
    expect(await cache.with('d', fake(log, 'd2'), () => 0, use)).toBe(true);
  });

  it('keeps the bytes its sessions hold within the budget, releasing an oversized one after its run', async () => {
    const log: string[] = [];
    const cache = new SessionCache(64, 100);
    await cache.with('a', fake(log, 'a'), () => 60, use);
    await cache.with('b', fake(log, 'b'), () => 30, use);
    await cache.with('a', fake(log, 'a'), () => 10, use); // still 60: the largest run counts
    await settle();
    expect(log).toEqual([]);
    await cache.with('c', fake(log, 'c'), () => 20, use); // 110 > 100: b is least recent
    await settle();
    expect(log).toEqual(['release b']);
    await cache.with('d', fake(log, 'd'), () => 500, use); // over the budget alone: a, c, then d itself
    await settle();
    expect(log).toEqual(['release b', 'release a', 'release c', 'release d']);
    expect(await cache.with('d', fake(log, 'd2'), () => 0, use)).toBe(true);
  });

  it('forgets a failed compile so the next run tries again', async () => {
    const cache = new SessionCache(4, Infinity);
    await expect(cache.with('x', () => Promise.reject(new Error('bad model')), () => 0, use)).rejects.toThrow('bad model');
    expect(await cache.with('x', fake([], 'x'), () => 0, use)).toBe(true);
  });
});

describe.skipIf(!status.available)(`onnxruntime provider${status.available ? '' : ` (skipped: ${status.detail})`}`, () => {
  afterAll(() => ort.dispose?.());

  it('describes itself', () => {
    expect(status).toMatchObject({ name: 'onnxruntime', available: true, device: 'cpu', backend: 'CPU execution provider', dtypes: ['float64', 'float32'] });
    expect(status.version).toMatch(/^onnxruntime-node \d+\.\d+\.\d+$/);
    expect(status.detail).toMatch(/onnxruntime-node \d+\.\d+\.\d+.*\.$/);
    expect(ort.status()).toBe(status);
    const p = ort.profile;
    for (const v of [p.flopsPerMs.float64, p.flopsPerMs.float32, p.elementsPerMs, p.callMs, p.compileMs, p.transferBytesPerMs]) expect(v).toBeGreaterThan(0);
    expect(p.flopsPerMs.float32).toBeGreaterThan(p.flopsPerMs.float64);
  });

  it('supports every step except selectCols with indices Gather would read differently', () => {
    for (const dtype of DTYPES) {
      expect(ort.supports({ op: 'matmul', a: 0, b: 1, dtype })).toBe(true);
      expect(ort.supports({ op: 'map', fn: 'sigmoid', a: 0, dtype })).toBe(true);
      expect(ort.supports({ op: 'selectCols', a: 0, indices: [2, 0, 2], dtype })).toBe(true);
      expect(ort.supports({ op: 'selectCols', a: 0, indices: [-1], dtype })).toBe(false);
      expect(ort.supports({ op: 'selectCols', a: 0, indices: [0.5], dtype })).toBe(false);
    }
  });

  it('computes every element-wise op on every broadcast shape, with NaN and ±Inf', async () => {
    const ops: ElementwiseOp[] = ['add', 'sub', 'mul', 'div', 'min', 'max'];
    for (const dtype of DTYPES) {
      const a = random(7, 5, dtype, 1, { specials: true });
      const bs = [random(7, 5, dtype, 2, { specials: true }), random(1, 5, dtype, 3), random(7, 1, dtype, 4), random(1, 1, dtype, 5)];
      (bs[1].data as Float64Array).set([NaN, Infinity, 0, -0], 0);
      (bs[2].data as Float64Array).set([-Infinity, NaN], 3);
      for (const fn of ops) {
        const steps: DenseStep[] = bs.map((_, i) => ({ op: 'elementwise', fn, a: 0, b: i + 1, dtype }));
        await check(fanOut(Array(5).fill(dtype), steps), [a, ...bs], `${fn} ${dtype}`);
      }
    }
  });

  it('computes every map with its edge parameters, as JavaScript does', async () => {
    const params: Record<MapFn, [number?, number?][]> = {
      exp: [[]],
      log: [[]],
      sqrt: [[]],
      abs: [[]],
      neg: [[]],
      sigmoid: [[]],
      pow: [[2], [3], [0.5], [-1], [0], [1 / 3], [2.5], [-0.5], [0.1], [NaN], [Infinity], [-Infinity]],
      clip: [[0, 1], [1, 0], [NaN, 1], [0, NaN], [-0.25, 0.3], [0.3, 0.1], [-Infinity, 2], []],
      scale: [[2], [0.1], [-0], [NaN], []],
      shift: [[0], [0.1], [-3]],
      rsub: [[1], [0.1]],
      rdiv: [[1], [0.1], [0]],
      gt: [[0], [0.1], [NaN], [Infinity], [-0.5]],
      ge: [[0], [0.1], [NaN], [-Infinity]],
      lt: [[0], [0.1], [NaN], [3e38]],
      le: [[0], [0.1], [NaN], [1]],
      eq: [[0], [0.1], [NaN], [Math.fround(0.1)], [Infinity]],
      ne: [[0], [0.1], [NaN], [Math.fround(0.1)], [-Infinity]],
    };
    for (const dtype of DTYPES) {
      const x = random(9, 4, dtype, 11, { specials: true });
      for (const [fn, ps] of Object.entries(params) as [MapFn, [number?, number?][]][]) {
        const steps: DenseStep[] = ps.map(([p1, p2]) => ({ op: 'map', fn, a: 0, p1, p2, dtype }));
        await check(fanOut([dtype], steps), [x], `${fn} ${dtype}`);
      }
    }
  });

  it('keeps the relative accuracy of sigmoid far below 0 (ORT Sigmoid does not)', async () => {
    for (const dtype of DTYPES) {
      const x = random(1, 80, dtype, 0);
      x.data.forEach((_, i) => (x.data[i] = -i - 0.5));
      const got = (await ort.run({ inputs: [dtype], steps: [{ op: 'map', fn: 'sigmoid', a: 0, dtype }], outputs: [1] }, [x])).outputs[0];
      const want = runDenseProgramJs({ inputs: [dtype], steps: [{ op: 'map', fn: 'sigmoid', a: 0, dtype }], outputs: [1] }, [x])[0];
      const tol = dtype === 'float32' ? 1e-5 : 1e-12;
      want.data.forEach((w, i) => expect(Math.abs(got.data[i] - w), `σ(${x.data[i]}) ${dtype}`).toBeLessThanOrEqual(tol * w));
    }
  });

  it('reduces sums and means along every axis, accumulating float32 in float64', async () => {
    const steps = (dtype: MatrixDType): DenseStep[] =>
      (['sum', 'mean'] as const).flatMap((fn) => (['rows', 'cols', 'all'] as const).map((axis): DenseStep => ({ op: 'reduce', fn, axis, a: 0, dtype })));
    for (const dtype of DTYPES) {
      await check(fanOut([dtype], steps(dtype)), [random(13, 6, dtype, 21, { specials: true })], `reduce ${dtype} with specials`);
      await check(fanOut([dtype], steps(dtype)), [random(13, 6, dtype, 22)], `reduce ${dtype}`);
    }
    // Float32 sums down 2,000,000 rows drift by ~5e-5 unless accumulated in float64.
    const tall = random(2_000_000, 1, 'float32', 23, { lo: 0, hi: 1 });
    await check(fanOut(['float32'], steps('float32').filter((s) => s.op === 'reduce' && s.axis !== 'rows')), [tall], 'reduce float32 tall');
  });

  it('multiplies, cross-multiplies, transposes and selects columns in both dtypes', async () => {
    for (const dtype of DTYPES) {
      const a = random(37, 11, dtype, 31);
      const b = random(11, 6, dtype, 32);
      const c = random(37, 4, dtype, 33);
      a.data[5] = NaN;
      b.data[7] = Infinity;
      const program: DenseProgram = {
        inputs: [dtype, dtype, dtype],
        steps: [
          { op: 'matmul', a: 0, b: 1, dtype },
          { op: 'crossprod', a: 0, dtype },
          { op: 'crossprod', a: 0, b: 2, dtype },
          { op: 'transpose', a: 0, dtype },
          { op: 'selectCols', a: 0, indices: [3, 0, 3, 10], dtype },
          { op: 'selectCols', a: 2, indices: [], dtype },
        ],
        outputs: [3, 4, 5, 6, 7, 8],
      };
      await check(program, [a, b, c], `products ${dtype}`, { productScale: true });
    }
  });

  it('casts operands whose dtype differs from the step, rounding as the reference does', async () => {
    const half = 2 ** -24; // 1 + half rounds to 1 in float32: a sum of (1 + half, −1) pairs shows the rounding
    const x = random(2000, 2, 'float64', 41);
    x.data.forEach((_, i) => (x.data[i] = i % 2 === 0 ? 1 + half : -1));
    const w = random(2, 3, 'float32', 42);
    const program: DenseProgram = {
      inputs: ['float64', 'float32'],
      steps: [
        { op: 'reduce', fn: 'sum', axis: 'all', a: 0, dtype: 'float32' },
        { op: 'reduce', fn: 'sum', axis: 'all', a: 0, dtype: 'float64' },
        { op: 'matmul', a: 0, b: 1, dtype: 'float64' },
        { op: 'map', fn: 'scale', a: 4, p1: 0.1, dtype: 'float32' },
        { op: 'elementwise', fn: 'add', a: 5, b: 2, dtype: 'float64' },
      ],
      outputs: [2, 3, 4, 5, 6],
    };
    const run = await check(program, [x, w], 'mixed dtypes');
    expect(run.outputs[0].data[0]).toBe(0);
    expect(run.outputs[1].data[0]).toBeCloseTo(2000 * half, 15);
  });

  it('runs multi-step chains: rowSums(M·W) + M·(P·(Q·v))', async () => {
    for (const dtype of DTYPES) {
      const [m, w, p, q, v] = [random(500, 8, dtype, 51), random(8, 5, dtype, 52), random(8, 8, dtype, 53), random(8, 8, dtype, 54), random(8, 1, dtype, 55)];
      const program: DenseProgram = {
        inputs: [dtype, dtype, dtype, dtype, dtype],
        steps: [
          { op: 'matmul', a: 0, b: 1, dtype },
          { op: 'reduce', fn: 'sum', axis: 'rows', a: 5, dtype },
          { op: 'matmul', a: 3, b: 4, dtype },
          { op: 'matmul', a: 2, b: 7, dtype },
          { op: 'matmul', a: 0, b: 8, dtype },
          { op: 'elementwise', fn: 'add', a: 6, b: 9, dtype },
        ],
        outputs: [10, 5],
      };
      await check(program, [m, w, p, q, v], `chain ${dtype}`, { productScale: true });
    }
  });

  it('keeps a float64 scale next to a product exact (ORT MatMulScaleFusion would hold it as a float32 alpha)', async () => {
    // Found by `npm run fuzz -- --mode rewrites` (seed 1000028): (0.4037478461752832 · -0.047) · [1]
    // came out as 0.4037478461752832 · fround(-0.047) = -0.018976148120476644, 3.4e-8 off.
    const x = { rows: 1, cols: 1, data: Float64Array.from([0.4037478461752832]) };
    const one = { rows: 1, cols: 1, data: Float64Array.from([1]) };
    for (const [label, steps] of [
      ['scale, then matmul', [{ op: 'map', fn: 'scale', a: 0, p1: -0.047, dtype: 'float64' }, { op: 'matmul', a: 2, b: 1, dtype: 'float64' }]],
      ['matmul, then scale', [{ op: 'matmul', a: 0, b: 1, dtype: 'float64' }, { op: 'map', fn: 'scale', a: 2, p1: -0.047, dtype: 'float64' }]],
    ] as const) {
      const program: DenseProgram = { inputs: ['float64', 'float64'], steps: steps as readonly DenseStep[] as DenseStep[], outputs: [3] };
      const run = await ort.run(program, [x, one]);
      expect(run.outputs[0].data[0], label).toBe(0.4037478461752832 * -0.047);
    }
  });

  it('handles zero rows and zero columns: empty sums are 0, empty means NaN', async () => {
    for (const dtype of DTYPES) {
      const empty = random(0, 3, dtype, 0);
      const program: DenseProgram = {
        inputs: [dtype, dtype, dtype],
        steps: [
          { op: 'matmul', a: 0, b: 1, dtype },
          { op: 'matmul', a: 2, b: 0, dtype }, // 4×0 · 0×3: zeros
          { op: 'crossprod', a: 0, dtype },
          { op: 'reduce', fn: 'sum', axis: 'cols', a: 0, dtype },
          { op: 'reduce', fn: 'mean', axis: 'cols', a: 0, dtype },
          { op: 'reduce', fn: 'mean', axis: 'all', a: 0, dtype },
          { op: 'reduce', fn: 'mean', axis: 'rows', a: 2, dtype },
          { op: 'reduce', fn: 'sum', axis: 'rows', a: 0, dtype },
          { op: 'map', fn: 'sigmoid', a: 0, dtype },
          { op: 'elementwise', fn: 'max', a: 0, b: 6, dtype },
          { op: 'selectCols', a: 0, indices: [2, 1], dtype },
          { op: 'transpose', a: 2, dtype },
        ],
        outputs: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
      };
      const run = await check(program, [empty, random(3, 2, dtype, 61), random(4, 0, dtype, 62)], `zero-size ${dtype}`);
      expect(Array.from(run.outputs[1].data)).toEqual(Array(12).fill(0));
      expect(Array.from(run.outputs[4].data)).toEqual([NaN, NaN, NaN]);
      expect(Array.from(run.outputs[6].data)).toEqual([NaN, NaN, NaN, NaN]);
    }
  });

  it('returns fresh outputs when outputs are inputs or repeat', async () => {
    const a = random(4, 3, 'float64', 71);
    const b32 = random(4, 3, 'float32', 72);
    const program: DenseProgram = { inputs: ['float64', 'float64'], steps: [{ op: 'elementwise', fn: 'mul', a: 0, b: 1, dtype: 'float64' }], outputs: [0, 2, 2, 1] };
    const { outputs } = await check(program, [a, b32], 'outputs that are inputs');
    expect(outputs[0].data).not.toBe(a.data);
    expect(outputs[3].data).toBeInstanceOf(Float64Array); // input 1 is declared float64
    expect(outputs[1].data).not.toBe(outputs[2].data);
    outputs[1].data[0] = 123;
    expect(outputs[2].data[0]).not.toBe(123);
    const onlyInputs = await ort.run({ inputs: ['float32'], steps: [], outputs: [0, 0] }, [b32]);
    expect(onlyInputs.compiled).toBe(false);
    expect(Array.from(onlyInputs.outputs[1].data)).toEqual(Array.from(b32.data));
    expect(onlyInputs.outputs[0].data).not.toBe(b32.data);
    expect(onlyInputs.outputs[0].data).not.toBe(onlyInputs.outputs[1].data);
  });

  it('reads typed-array views in place, byteOffset included', async () => {
    const backing = random(1, 13, 'float64', 81);
    const view: DenseMatrix = { rows: 3, cols: 4, data: backing.data.subarray(1) };
    await check({ inputs: ['float64'], steps: [{ op: 'map', fn: 'shift', a: 0, p1: 1, dtype: 'float64' }], outputs: [1] }, [view], 'subarray input');
  });

  it('compiles a program once, for every shape, and a different program anew', async () => {
    const program = (p1: number): DenseProgram => ({ inputs: ['float64'], steps: [{ op: 'map', fn: 'scale', a: 0, p1, dtype: 'float64' }], outputs: [1] });
    const first = await Promise.all([ort.run(program(91), [random(3, 3, 'float64', 1)]), ort.run(program(91), [random(3, 3, 'float64', 2)])]);
    expect(first.map((r) => r.compiled).sort()).toEqual([false, true]);
    const again = await check(program(91), [random(50, 7, 'float64', 3)], 'cached session, new shape');
    expect(again.compiled).toBe(false);
    expect(again.computeMs).toBeGreaterThanOrEqual(0);
    expect(again.transferMs).toBeGreaterThanOrEqual(0);
    expect((await ort.run(program(92), [random(3, 3, 'float64', 1)])).compiled).toBe(true);
    await ort.dispose?.();
    expect((await ort.run(program(91), [random(3, 3, 'float64', 1)])).compiled).toBe(true);
  });

  it('throws a CancelledError before running when the signal has fired', async () => {
    const controller = new AbortController();
    controller.abort('stop');
    const program: DenseProgram = { inputs: ['float64'], steps: [{ op: 'map', fn: 'exp', a: 0, dtype: 'float64' }], outputs: [1] };
    await expect(ort.run(program, [random(2, 2, 'float64', 1)], { signal: controller.signal })).rejects.toThrow(CancelledError);
  });

  it('rejects shapes the reference rejects, and unsupported steps, naming the step', async () => {
    const x = random(3, 4, 'float64', 1);
    const cases: [DenseStep, RegExp][] = [
      [{ op: 'matmul', a: 0, b: 0, dtype: 'float64' }, /onnxruntime: step 0 \(matmul\): inner dimensions differ: 3×4 · 3×4/],
      [{ op: 'elementwise', fn: 'add', a: 0, b: 1, dtype: 'float64' }, /cannot broadcast 4×3 onto 3×4/],
      [{ op: 'selectCols', a: 0, indices: [4], dtype: 'float64' }, /column index out of range/],
      [{ op: 'selectCols', a: 0, indices: [-1], dtype: 'float64' }, /not supported/],
    ];
    for (const [step, error] of cases) {
      const run = ort.run({ inputs: ['float64', 'float64'], steps: [step], outputs: [2] }, [x, random(4, 3, 'float64', 2)]);
      await expect(run).rejects.toThrow(ExecutionError);
      await expect(run).rejects.toThrow(error);
    }
  });
});
