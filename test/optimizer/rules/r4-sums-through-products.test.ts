/**
 * R4: sums and means through products. Plan snapshots before/after, cases where the
 * product has another reader (no rewrite), and equivalence on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, fromColumns, matrix } from '../../../src/index.js';
import { sumsThroughProducts } from '../../../src/optimizer/rules/r4-sums-through-products.js';
import { rng, uniform } from '../../matrix/reference.js';
import { applyRule, expectSameResult, planText, rewriteMatrix } from '../../support/plans.js';

/** X: 200×5 from a relation, W: 5×7, P: 5×6, Q: 6×7, all seeded. */
function inputs() {
  const rand = rng(4);
  const n = 200;
  const col = () => Float64Array.from({ length: n }, () => rand() * 4 - 2);
  const rel = fromColumns({ x1: col(), x2: col(), x3: col(), x4: col(), x5: col() }, { name: 'points' });
  const X = rel.toMatrix(['x1', 'x2', 'x3', 'x4', 'x5']);
  const W = matrix(uniform(5, 7, rand, -1, 1), { name: 'W' });
  const P = matrix(uniform(5, 6, rand, -1, 1), { name: 'P' });
  const Q = matrix(uniform(6, 7, rand, -1, 1), { name: 'Q' });
  const Y = rel.toMatrix(['x1', 'x2', 'x3']);
  return { X, W, P, Q, Y };
}

/** Sums of 200 products of terms ≤ 2 in magnitude: relative 1e-10 of the largest value is ample. */
const TOL = 1e-10;

/** The plan before and after the rule; a rewrite keeps the matrix's column names. */
const rewrite = (m: Matrix<number, number>) => rewriteMatrix(m, sumsThroughProducts);

describe('r4-sums-through-products', () => {
  it('rowSums(X·W) = X·rowSums(W)', async () => {
    const { X, W } = inputs();
    const { before, after, fired } = rewrite(X.matmul(W).rowSums());
    expect(planText(before)).toMatchInlineSnapshot(`
      "Reduce rowSums
      └─ MatMul
         ├─ ToMatrix x1, x2, x3, x4, x5
         │  └─ Scan points
         └─ Matrix W"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "MatMul
      ├─ ToMatrix x1, x2, x3, x4, x5
      │  └─ Scan points
      └─ Reduce rowSums
         └─ Matrix W"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('colSums(X·W) = colSums(X)·W', async () => {
    const { X, W } = inputs();
    const { before, after } = rewrite(X.matmul(W).colSums());
    expect(planText(after)).toMatchInlineSnapshot(`
      "MatMul
      ├─ Reduce colSums
      │  └─ ToMatrix x1, x2, x3, x4, x5
      │     └─ Scan points
      └─ Matrix W"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('sum(X·W) = sum(colSums(X)·rowSums(W)), the outer sum of a 1×1 keeping the column name', async () => {
    const { X, W } = inputs();
    const { before, after } = rewrite(X.matmul(W).sum());
    expect(planText(after)).toMatchInlineSnapshot(`
      "Reduce sum
      └─ MatMul
         ├─ Reduce colSums
         │  └─ ToMatrix x1, x2, x3, x4, x5
         │     └─ Scan points
         └─ Reduce rowSums
            └─ Matrix W"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('means: rowMeans(X·W) = X·rowMeans(W), colMeans(X·W) = colMeans(X)·W, mean(X·W) = mean(colMeans(X)·rowMeans(W))', async () => {
    const { X, W } = inputs();
    const p = () => X.matmul(W);
    const rowMeans = rewrite(p().rowMeans());
    expect(planText(rowMeans.after)).toMatchInlineSnapshot(`
      "MatMul
      ├─ ToMatrix x1, x2, x3, x4, x5
      │  └─ Scan points
      └─ Reduce rowMeans
         └─ Matrix W"
    `);
    const colMeans = rewrite(p().colMeans());
    expect(planText(colMeans.after)).toMatchInlineSnapshot(`
      "MatMul
      ├─ Reduce colMeans
      │  └─ ToMatrix x1, x2, x3, x4, x5
      │     └─ Scan points
      └─ Matrix W"
    `);
    const mean = rewrite(p().mean());
    expect(planText(mean.after)).toMatchInlineSnapshot(`
      "Reduce mean
      └─ MatMul
         ├─ Reduce colMeans
         │  └─ ToMatrix x1, x2, x3, x4, x5
         │     └─ Scan points
         └─ Reduce rowMeans
            └─ Matrix W"
    `);
    for (const r of [rowMeans, colMeans, mean]) {
      expect(r.fired).toBe(true);
      await expectSameResult(r.before, r.after, { tolerance: TOL });
    }
  });

  it('goes down a chain: rowSums(X·(P·Q)) = X·(P·rowSums(Q))', async () => {
    const { X, P, Q } = inputs();
    const { before, after } = rewrite(X.matmul(P.matmul(Q)).rowSums());
    expect(planText(before)).toMatchInlineSnapshot(`
      "Reduce rowSums
      └─ MatMul
         ├─ ToMatrix x1, x2, x3, x4, x5
         │  └─ Scan points
         └─ MatMul
            ├─ Matrix P
            └─ Matrix Q"
    `);
    expect(planText(after)).toMatchInlineSnapshot(`
      "MatMul
      ├─ ToMatrix x1, x2, x3, x4, x5
      │  └─ Scan points
      └─ MatMul
         ├─ Matrix P
         └─ Reduce rowSums
            └─ Matrix Q"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('through cross-products: colSums(XᵀY), rowSums(XᵀY), sum(XᵀX)', async () => {
    const { X, Y } = inputs();
    const cols = rewrite(X.crossprod(Y).colSums());
    expect(planText(cols.after)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ Reduce rowSums
      │  └─ ToMatrix x1, x2, x3, x4, x5
      │     └─ Scan points
      └─ ToMatrix x1, x2, x3
         └─ Scan points"
    `);
    const rows = rewrite(X.crossprod(Y).rowMeans());
    expect(planText(rows.after)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ ToMatrix x1, x2, x3, x4, x5
      │  └─ Scan points
      └─ Reduce rowMeans
         └─ ToMatrix x1, x2, x3
            └─ Scan points"
    `);
    const all = rewrite(X.crossprod().sum());
    expect(planText(all.after)).toMatchInlineSnapshot(`
      "Reduce sum
      └─ CrossProd
         └─ Reduce rowSums
            └─ ToMatrix x1, x2, x3, x4, x5
               └─ Scan points"
    `);
    const allMean = rewrite(X.crossprod(Y).mean());
    for (const r of [cols, rows, all, allMean]) {
      expect(r.fired).toBe(true);
      await expectSameResult(r.before, r.after, { tolerance: TOL });
    }
  });

  it('does not fire when the product has another reader', () => {
    const { X, W } = inputs();
    const p = X.matmul(W);
    // The same product node read twice: by rowSums and by a column selection.
    const before = p.rowSums().add(p.select(0)).plan;
    const { plan: after, fired } = applyRule(before, sumsThroughProducts);
    expect(planText(before)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ Reduce rowSums
      │  └─ MatMul
      │     ├─ ToMatrix x1, x2, x3, x4, x5
      │     │  └─ Scan points
      │     └─ Matrix W
      └─ SelectCols [0]
         └─ MatMul
            ├─ ToMatrix x1, x2, x3, x4, x5
            │  └─ Scan points
            └─ Matrix W"
    `);
    expect(fired).toBe(false);
    expect(after).toBe(before);
  });

  it('leaves alone a shared product rebuilt in the same pass (its readers are counted in the next pass)', async () => {
    const { X, P } = inputs();
    const w = matrix([[0.5, -1, 2]], { name: 'w' });
    // rowSums(X·P) is rewritten first, which rebuilds p: p still has two readers.
    const p = X.matmul(P).rowSums().matmul(w);
    const before = p.rowSums().add(p.select(0)).plan;
    const { plan: after, fired } = applyRule(before, sumsThroughProducts);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ Reduce rowSums
      │  └─ MatMul
      │     ├─ MatMul
      │     │  ├─ ToMatrix x1, x2, x3, x4, x5
      │     │  │  └─ Scan points
      │     │  └─ Reduce rowSums
      │     │     └─ Matrix P
      │     └─ Matrix w
      └─ SelectCols [0]
         └─ MatMul
            ├─ MatMul
            │  ├─ ToMatrix x1, x2, x3, x4, x5
            │  │  └─ Scan points
            │  └─ Reduce rowSums
            │     └─ Matrix P
            └─ Matrix w"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('does not fire on counts or on a reduction of something other than a product', () => {
    const { X, W } = inputs();
    for (const m of [X.matmul(W).count(), X.add(1).rowSums(), X.transpose().colSums()]) {
      expect(applyRule(m.plan, sumsThroughProducts).fired).toBe(false);
    }
  });

  it('does not fire when the reduction collapses nothing: rowSums of one column, colSums of one row, the total of a 1×1', () => {
    const { X, W } = inputs();
    const v = matrix([[1], [2], [3], [4], [5]], { name: 'v' });
    const dot = X.colSums().matmul(v);
    for (const m of [X.matmul(v).rowSums(), X.colSums().matmul(W).colSums(), dot.sum(), dot.mean()]) {
      expect(applyRule(m.plan, sumsThroughProducts).fired).toBe(false);
    }
  });
});
