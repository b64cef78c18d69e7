/**
 * Results too large to hold stop with a typed error naming the operator and the size it
 * would have had, before anything of that size is allocated: a MemoryLimitError when
 * they pass the run's memory budget (`collect({ memoryLimit })`), an AllocationLimitError
 * (a MemoryLimitError) when they pass the longest typed array the engine can make
 * (2^32 elements on Node 20), whatever the budget. Joins with repeated keys on both
 * sides, one-hot and hash encodings, and densifying a sparse matrix (in an operator, or
 * when a sparse result is collected) are checked; a hash encoding whose bucket count
 * cannot be planned is a PlanError while the plan is built.
 */
import { describe, expect, it } from 'vitest';
import { makeColumn } from '../../src/data/column.js';
import { MAX_ARRAY_ELEMENTS } from '../../src/data/limits.js';
import { AllocationLimitError, ExecutionError, MemoryLimitError, PlanError, TesseraError } from '../../src/errors.js';
import { toDense } from '../../src/exec/operators/matrix.js';
import { fromColumns, fromDense } from '../../src/index.js';
import { joinIndices } from '../../src/kernels/relational/index.js';
import type { CsrMatrix } from '../../src/kernels/matrix/csr.js';
import { MAX_HASH_BUCKETS } from '../../src/plan/bridge-operators.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** Strings c0..c{n-1}. */
function labels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `c${i}`);
}

describe('joins', () => {
  it('a 200,000 × 200,000 join on one repeated key (4·10^10 rows) is an AllocationLimitError naming the join and the size', async () => {
    const n = 200_000;
    const left = fromColumns({ k: new Int32Array(n), x: new Float64Array(n) });
    const right = fromColumns({ k: new Int32Array(n), y: new Float64Array(n) });
    const e = await rejection(left.join(right, 'k').collect());
    expect(e).toBeInstanceOf(AllocationLimitError);
    expect(e).toBeInstanceOf(MemoryLimitError);
    expect(e).toBeInstanceOf(TesseraError);
    const a = e as AllocationLimitError;
    expect(a.operator).toMatch(/Join/);
    expect(a.elements).toBe(4e10);
    expect(a.maxElements).toBe(MAX_ARRAY_ELEMENTS);
    expect(a.message).toContain('40,000,000,000 elements');
    expect(a.message).toContain('200000 left rows joined to 200000 right rows');
  });

  it('a join within the array limit but over the memory limit is a MemoryLimitError before its index vectors are allocated', async () => {
    const n = 3000;
    const left = fromColumns({ k: new Int32Array(n), x: new Float64Array(n) });
    const right = fromColumns({ k: new Int32Array(n), y: new Float64Array(n) });
    const e = await rejection(left.join(right, 'k').collect({ memoryLimit: 50e6 }));
    expect(e).toBeInstanceOf(MemoryLimitError);
    expect(e).not.toBeInstanceOf(AllocationLimitError);
    const m = e as MemoryLimitError;
    expect(m.operator).toMatch(/Join/);
    // 9,000,000 rows: two int32 index vectors, then one 8-byte value per row and column (4 columns).
    expect(m.requestedBytes).toBe(9e6 * (8 + 4 * 8));
    expect(m.limitBytes).toBe(50e6);
    expect(m.message).toMatch(/needs 360 MB .* over the memory limit of 50 MB/);
    // The same join fits a larger budget.
    const ok = await left.join(right, 'k').collect({ memoryLimit: 1e9 });
    expect(ok.numRows).toBe(9e6);
  });

  it('the kernel checks its output size before allocating, and asks the caller (beforeOutput) with the exact row count', () => {
    // 70,000² = 4.9·10^9 rows: past the array limit even without a budget.
    const keys = makeColumn('int32', new Int32Array(70_000));
    const e = thrown(() => joinIndices([keys], [keys], 'inner'));
    expect(e).toBeInstanceOf(AllocationLimitError);
    expect((e as AllocationLimitError).operator).toBe('join');
    expect((e as AllocationLimitError).elements).toBe(4.9e9);
    const small = makeColumn('int32', Int32Array.of(1, 1, 2, 2, 2));
    const asked: number[] = [];
    const budget = new ExecutionError('join', 'over budget');
    expect(() =>
      joinIndices([small], [small], 'inner', {
        beforeOutput: (rows) => {
          asked.push(rows);
          throw budget;
        },
      }),
    ).toThrow(budget);
    expect(asked).toEqual([2 * 2 + 3 * 3]);
    expect(joinIndices([small], [small], 'left', { beforeOutput: (rows) => asked.push(rows) }).length).toBe(13);
  });
});

describe('one-hot and hash encodings', () => {
  // 10,000 rows of 1,000,000 categories: 10^10 cells dense, 10,000 non-zeros sparse.
  const categories = labels(1_000_000);
  const rows = fromColumns({ s: labels(10_000) });
  const X = rows.toMatrix([{ onehot: 's', categories }]);

  it('a 1M-category one-hot stays sparse (one entry per row) and runs within a small memory limit', async () => {
    const w = fromDense({ rows: 1_000_000, cols: 1, data: Float64Array.from({ length: 1_000_000 }, (_, j) => j) });
    const y = await X.matmul(w).collect({ memoryLimit: 100e6 });
    expect(y.rows).toBe(10_000);
    expect(y.get(0, 0)).toBe(0);
    expect(y.get(9_999, 0)).toBe(9_999);
  });

  it('collecting it densified is an AllocationLimitError naming collect and the 10^10 elements', async () => {
    const e = await rejection(X.collect());
    expect(e).toBeInstanceOf(AllocationLimitError);
    expect((e as AllocationLimitError).operator).toBe('collect');
    expect(e.message).toMatch(/^collect: densifying a 10000×1000000 CSR matrix would need 10,000,000,000 elements \(80000 MB\)/);
  });

  it('an operator that densifies it is an AllocationLimitError naming that operator', async () => {
    const e = await rejection(X.exp().collect());
    expect(e).toBeInstanceOf(AllocationLimitError);
    expect((e as AllocationLimitError).operator).not.toBe('collect');
    expect(e.message).toContain('10,000,000,000 elements');
    const h = await rejection(X.hstack(X).collect());
    expect(h).toBeInstanceOf(AllocationLimitError);
  });

  it('densifying within the array limit but over the memory limit is a MemoryLimitError', async () => {
    // 1,000 rows × 100,000 categories: 800 MB dense.
    const small = fromColumns({ s: labels(1_000) }).toMatrix([{ onehot: 's', categories: labels(100_000) }]);
    const e = await rejection(small.collect({ memoryLimit: 100e6 }));
    expect(e).toBeInstanceOf(MemoryLimitError);
    expect(e).not.toBeInstanceOf(AllocationLimitError);
    expect((e as MemoryLimitError).operator).toBe('collect');
    expect((e as MemoryLimitError).requestedBytes).toBe(8e8);
    const m = await rejection(small.exp().collect({ memoryLimit: 100e6 }));
    expect(m).toBeInstanceOf(MemoryLimitError);
  });

  it('a dense encoding past the array limit is an AllocationLimitError even under an unbounded memory limit', async () => {
    // float32 keeps toMatrix dense: 10,000 × 1,000,000.
    const dense = rows.toMatrix([{ onehot: 's', categories }], { dtype: 'float32' });
    const e = await rejection(dense.collect({ memoryLimit: Number.MAX_SAFE_INTEGER }));
    expect(e).toBeInstanceOf(AllocationLimitError);
    expect((e as AllocationLimitError).operator).toBe('toMatrix');
    expect(e.message).toContain('a dense 10000×1000000 matrix would need 10,000,000,000 elements');
  });

  it('hash buckets the plan cannot name are a PlanError naming the column while the plan is built', () => {
    const rel = fromColumns({ s: ['a', 'b'] });
    const start = performance.now();
    const e = thrown(() => rel.toMatrix([{ hash: 's', buckets: 1e9 }]));
    expect(performance.now() - start).toBeLessThan(1000);
    expect(e).toBeInstanceOf(PlanError);
    expect((e as PlanError).operator).toBe('toMatrix');
    expect(e.message).toMatch(/^toMatrix: hash encoding of 's' into 1000000000 buckets: at most 16777216 \(2\^24\)/);
    expect(() => rel.toMatrix([{ hash: 's', buckets: MAX_HASH_BUCKETS + 1 }])).toThrow(PlanError);
  });

  it('a hash encoding is sparse: its memory does not grow with the bucket count', async () => {
    const n = 5_000;
    const rel = fromColumns({ s: labels(n), x: Float64Array.from({ length: n }, (_, i) => i) });
    const ones = (cols: number) => fromDense({ rows: cols, cols: 1, data: new Float64Array(cols).fill(1) });
    const narrow = await rel.toMatrix([{ hash: 's', buckets: 16 }, 'x']).matmul(ones(17)).collect({ memoryLimit: 10e6 });
    const wide = await rel.toMatrix([{ hash: 's', buckets: 65_536 }, 'x']).matmul(ones(65_537)).collect({ memoryLimit: 10e6 });
    for (const y of [narrow, wide]) {
      expect(y.rows).toBe(n);
      expect(y.get(3, 0)).toBe(1 + 3);
    }
  });
});

describe('toDense', () => {
  it('checks the array limit before allocating, naming the caller', () => {
    const csr: CsrMatrix = { rows: 100_000, cols: 100_000, indptr: new Int32Array(100_001), indices: new Int32Array(0), values: new Float64Array(0) };
    const e = thrown(() => toDense(csr));
    expect(e).toBeInstanceOf(AllocationLimitError);
    expect(e.message).toMatch(/^toDense: densifying a 100000×100000 CSR matrix would need 10,000,000,000 elements/);
    const reserved: number[] = [];
    const small: CsrMatrix = { rows: 2, cols: 3, indptr: Int32Array.of(0, 1, 2), indices: Int32Array.of(2, 0), values: Float64Array.of(5, 7) };
    const d = toDense(small, { operator: 'test', reserve: (b) => reserved.push(b) });
    expect(Array.from(d.data)).toEqual([0, 0, 5, 7, 0, 0]);
    expect(reserved).toEqual([48]);
  });
});
