import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { execute } from '../../src/exec/execute.js';
import { explain } from '../../src/explain/explain.js';
import type { ExplainJson } from '../../src/explain/json.js';
import { CancelledError, MemoryLimitError, ProviderUnavailableError, count, fromColumns, fromDense, type Matrix } from '../../src/index.js';
import { physicalPostOrder, type PhysicalNode } from '../../src/physical/plan.js';
import { planPhysical } from '../../src/physical/planner.js';
import { jsProvider } from '../../src/providers/js.js';
import { onnxruntimeProvider } from '../../src/providers/onnxruntime/index.js';

const ort = onnxruntimeProvider.status().available;

function random(rows: number, cols: number, seed: number, dtype: 'float64' | 'float32' = 'float64'): Matrix<number, number> {
  const rand = mulberry32(seed);
  const data = dtype === 'float32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
  return fromDense({ rows, cols, data }, `R${seed}`);
}

function nodes(root: PhysicalNode): PhysicalNode[] {
  return physicalPostOrder(root);
}

const sales = fromColumns(
  { store: Int32Array.from({ length: 200 }, (_, i) => i % 5), units: Float64Array.from({ length: 200 }, (_, i) => (i * 7) % 11) },
  { name: 'sales' },
);
const stores = fromColumns({ store: Int32Array.from([0, 1, 2, 3, 4]), city: ['a', 'b', 'a', 'c', 'b'] }, { name: 'stores', primaryKey: ['store'] });

describe('physical planning', () => {
  it('gives every operator a provider, device, layout, algorithm and reason', () => {
    const q = sales.join(stores, 'store').groupBy('city').agg((r) => ({ n: count(), total: r.units.sum() }));
    const plan = planPhysical(q.plan, { workers: 2 });
    const all = nodes(plan.root);
    // The join's probe runs inside the aggregate's pipeline; its build side (stores) is the pipeline's second input.
    expect(all.map((n) => n.operator)).toEqual(['Scan', 'Scan', 'Pipeline']);
    expect(plan.root.covers.map((n) => n.kind)).toEqual(['join', 'aggregate']);
    expect(plan.root.threads).toBe(2);
    const joinOnly = nodes(planPhysical(sales.join(stores, 'store').orderBy('units').plan).root);
    expect(joinOnly.map((n) => n.operator)).toEqual(['Scan', 'Scan', 'KeyIndexedJoin', 'Sort']);
    for (const n of [...all, ...joinOnly]) {
      expect(n.provider).toBe('js');
      expect(n.device).toBe('cpu');
      expect(n.layout).toBe('columns');
      expect(typeof n.reason).toBe('string');
    }
    expect(all.map((n) => n.id)).toEqual([1, 2, 3]);
  });

  it('chooses the toMatrix layout from the encoders and the product kernel from the layout', () => {
    const X = sales.join(stores, 'store').toMatrix([{ onehot: 'city' }]);
    const plan = planPhysical(X.crossprod().plan);
    // Over a join, the join writes the matrix's blocks itself (R10).
    const tm = nodes(plan.root).find((n) => n.operator === 'JoinToMatrix')!;
    expect(tm.layout).toBe('csr');
    expect(plan.root.algorithm).toBe('CSR cross-product');
    expect(plan.root.reason).toMatch(/sparse operand/);
  });

  it('keeps small dense work in JS and gives large products to ONNX Runtime', () => {
    const small = planPhysical(random(8, 8, 1).matmul(random(8, 8, 2)).plan);
    expect(small.root.provider).toBe('js');
    if (!ort) return;
    const big = planPhysical(random(1024, 512, 3).matmul(random(512, 512, 4)).plan);
    expect(big.root.provider).toBe('onnxruntime');
    expect(big.root.reason).toMatch(/cheapest \(est\. js .* vs onnxruntime/);
  });

  it.runIf(ort)('prices an element-wise operator on JS by every value it reads: one over a product on ONNX Runtime joins its program', () => {
    const expr = random(1024, 512, 7).matmul(random(512, 512, 8)).add(random(1024, 512, 9)).sigmoid();
    const plan = planPhysical(expr.plan);
    expect(plan.root.operator).toBe('OnnxProgram');
    expect(plan.root.covers.map((n) => n.kind)).toEqual(['matmul', 'elementwise', 'map']);
  });

  it.runIf(ort)('fuses a chain placed on one provider into one program, and runs it', async () => {
    const M = random(600, 300, 5);
    const W = random(300, 400, 6);
    const expr = M.matmul(W).sigmoid().rowSums();
    const plan = planPhysical(expr.plan, { provider: 'onnxruntime' });
    expect(plan.root.operator).toBe('OnnxProgram');
    expect(plan.root.covers.map((n) => n.kind)).toEqual(['matmul', 'map', 'reduce']);
    expect(plan.root.program!.steps.map((s) => s.op)).toEqual(['matmul', 'map', 'reduce']);
    const onOrt = await expr.collect({ provider: 'onnxruntime' });
    const onJs = await expr.collect({ provider: 'js' });
    for (let i = 0; i < onJs.data.length; i++) expect(onOrt.data[i]).toBeCloseTo(onJs.data[i], 9);
  });

  it.runIf(ort)('leaves an intermediate read twice outside a fused region', () => {
    const M = random(64, 32, 7);
    const P = M.matmul(random(32, 32, 8));
    const plan = planPhysical(P.add(P.sigmoid()).plan, { provider: 'onnxruntime' });
    const product = nodes(plan.root).filter((n) => n.covers.some((c) => c.kind === 'matmul'));
    expect(product).toHaveLength(1);
    expect(product[0].covers.map((c) => c.kind)).toEqual(['matmul']);
    expect(plan.root.inputs).toContain(product[0]);
  });

  it('keeps operators without a dense-program form on the JS kernels when a provider is forced', () => {
    const A = random(6, 6, 9);
    const plan = planPhysical(A.crossprod().add(fromDense({ rows: 6, cols: 6, data: new Float64Array(36).fill(1) })).inverse().plan, { provider: ort ? 'onnxruntime' : 'js' });
    expect(plan.root.operator).toBe('Inverse');
    expect(plan.root.provider).toBe('js');
    expect(plan.root.algorithm).toBe('LU with partial pivoting');
  });

  it('fails with a typed error when the GPU or an unavailable provider is requested', () => {
    const m = random(4, 4, 10).matmul(random(4, 4, 11));
    expect(() => planPhysical(m.plan, { device: 'gpu', providers: [jsProvider] })).toThrow(ProviderUnavailableError);
    expect(() => planPhysical(m.plan, { device: 'gpu', providers: [jsProvider] })).toThrow(/no provider here computes on a GPU/);
    expect(() => planPhysical(m.plan, { provider: 'onnxruntime', providers: [jsProvider] })).toThrow(/provider 'onnxruntime' was requested but is not usable/);
  });
});

describe('execution of the physical plan', () => {
  it('stops an operator whose output would pass the memory limit, before allocating, naming it', async () => {
    const m = random(300, 300, 12).matmul(random(300, 300, 13));
    const err = await m.collect({ provider: 'js', memoryLimit: 1_500_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect((err as Error).message).toMatch(/^MatMul: needs 0\.72 MB with 1\.44 MB already held, over the memory limit of 1\.50 MB/);
  });

  it('stops a join whose output would pass the memory limit', async () => {
    const many = fromColumns({ k: new Int32Array(2000) }, { name: 'many' });
    const err = await many.join(fromColumns({ k: new Int32Array(2000), v: new Float64Array(2000) }, { name: 'other' }), 'k').collect({ memoryLimit: 5_000_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryLimitError);
    expect((err as Error).message).toMatch(/^HashJoin|^KeyIndexedJoin/);
  });

  it('rejects a memory limit that is not a positive number', async () => {
    await expect(random(2, 2, 1).collect({ memoryLimit: 0 })).rejects.toThrow(/memoryLimit must be a positive number of bytes/);
  });

  it('frees intermediates after their last reader: peak bytes stay below the sum of all results', async () => {
    let m = random(200, 200, 14);
    for (let i = 0; i < 6; i++) m = m.scale(1.01).sigmoid();
    const outcome = await execute(m.plan, { provider: 'js' });
    let sum = 0;
    for (const s of outcome.physicalStats.values()) sum += s.bytes;
    expect(outcome.peakBytes).toBeLessThan(sum / 3);
    expect(outcome.peakBytes).toBeGreaterThanOrEqual(2 * 200 * 200 * 8);
  });

  it('cancels before running when the signal has fired', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user stopped it'));
    await expect(random(4, 4, 1).collect({ signal: controller.signal })).rejects.toThrow(CancelledError);
    await expect(random(4, 4, 1).collect({ signal: controller.signal })).rejects.toThrow(/cancelled: user stopped it/);
  });

  it('cancels a long JS product between its row panels, without waiting for it to finish', async () => {
    const big = random(700, 700, 15).matmul(random(700, 700, 16));
    const controller = new AbortController();
    const started = performance.now();
    const run = big.collect({ provider: 'js', signal: controller.signal });
    setTimeout(() => controller.abort('timeout'), 5);
    await expect(run).rejects.toThrow(/^MatMul: cancelled: timeout/);
    const whole = performance.now();
    await big.collect({ provider: 'js' });
    // The cancelled run stopped well before a whole product's time.
    expect(whole - started).toBeLessThan(performance.now() - whole);
  });
});

describe('explain shows the physical plan', () => {
  it('as text, JSON and DOT; analyze adds actual times, transfer time and what ran', async () => {
    const q = sales.join(stores, 'store').groupBy('city').agg(() => ({ n: count() }));
    const text = await explain(q.plan, { analyze: true });
    const section = text.slice(text.indexOf('Physical plan'));
    expect(section).toMatch(/^Physical plan \(est\. [<\d.]+ m?s; on js\/cpu\)\n\s+est\. time\s+time\s+transfer\s+%\s+actual\s+operator\n/);
    expect(section).toMatch(/#3 Pipeline \(3 operators\)\s+\[js · cpu · columns\]/);
    expect(section).toMatch(/how: probe store → aggregate: one generated loop over morsels of the source/);
    expect(section).toMatch(/ran: one generated loop \(4 rows per iteration\): 1 morsel on 1 thread, 3 group slots/);
    expect(text).toMatch(/peak intermediates [\d.]+ k?B/);
    const joined = sales.join(stores, 'store').orderBy('units');
    const joinText = await explain(joined.plan, { analyze: true });
    expect(joinText).toMatch(/#3 KeyIndexedJoin inner on store\s+\[js · cpu · columns\]/);
    expect(joinText).toMatch(/ran: key-indexed: right rows looked up by key value/);

    const json = JSON.parse(await explain(q.plan, { analyze: true, format: 'json' })) as ExplainJson;
    expect(json.physical.root.operator).toBe('Pipeline');
    expect(json.physical.root.covers).toEqual(['join', 'project', 'aggregate']);
    expect(json.physical.root).toMatchObject({ provider: 'js', device: 'cpu', layout: 'columns' });
    expect(json.physical.root.actual).toMatchObject({ rows: 3, runs: 1, transferMs: 0, compiles: 0 });
    expect(json.analyze!.peakBytes).toBeGreaterThan(0);

    const dot = await explain(joined.plan, { format: 'dot' });
    expect(dot).toContain('#3 KeyIndexedJoin · js · cpu · columns');
    expect(await explain(q.plan, { format: 'dot' })).toContain('#3 Pipeline · js · cpu · columns');
  });

  it.runIf(ort)('reports a provider region, its compile and its transfer time', async () => {
    const m = random(512, 256, 17).matmul(random(256, 256, 18)).sigmoid();
    const json = JSON.parse(await explain(m.plan, { analyze: true, format: 'json', provider: 'onnxruntime' })) as ExplainJson;
    const root = json.physical.root;
    expect(root).toMatchObject({ operator: 'OnnxProgram', provider: 'onnxruntime', device: 'cpu', layout: 'dense', dtype: 'float64' });
    expect(root.covers).toEqual(['matmul', 'map']);
    expect(root.actual!.transferMs).toBeGreaterThan(0);
    expect(json.physical.request).toEqual({ device: 'auto', provider: 'onnxruntime' });
  });
});
