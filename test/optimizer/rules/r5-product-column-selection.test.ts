/**
 * R5 (columns): (X·W)[:, c] = X·W[:, c], also through element maps and element-wise
 * operators with a row, scalar or column right operand. Plan snapshots, the cases where
 * it must not fire, and equivalence on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, fromColumns, matrix } from '../../../src/index.js';
import { productColumnSelection } from '../../../src/optimizer/rules/r5-product-column-selection.js';
import { rng, uniform } from '../../matrix/reference.js';
import { applyRule, expectSameResult, planText, rewriteMatrix } from '../../support/plans.js';

/** X: 300×6 from a relation, W: 6×40, b: 1×40 row, all seeded. */
function inputs() {
  const rand = rng(5);
  const n = 300;
  const col = () => Float64Array.from({ length: n }, () => rand() * 2 - 1);
  const rel = fromColumns({ a: col(), b: col(), c: col(), d: col(), e: col(), f: col() }, { name: 'points' });
  const X = rel.toMatrix(['a', 'b', 'c', 'd', 'e', 'f']);
  const W = matrix(uniform(6, 40, rand, -1, 1), { name: 'W' });
  const bias = matrix(uniform(1, 40, rand, -1, 1), { name: 'b' });
  return { X, W, bias };
}

/** Products of 6 terms below 1 in magnitude: relative 1e-12 is ample in float64. */
const TOL = 1e-12;

/** The plan before and after the rule; a rewrite keeps the matrix's column names. */
const rewrite = (m: Matrix<number, number>) => rewriteMatrix(m, productColumnSelection);

describe('r5-product-column-selection', () => {
  it('(X·W)[:, c] = X·W[:, c]', async () => {
    const { X, W } = inputs();
    const { before, after, fired } = rewrite(X.matmul(W).select(3, 17, 5));
    expect(planText(before)).toMatchInlineSnapshot(`
      "SelectCols [3, 17, 5]
      └─ MatMul
         ├─ ToMatrix a, b, c, d, e, f
         │  └─ Scan points
         └─ Matrix W"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "MatMul
      ├─ ToMatrix a, b, c, d, e, f
      │  └─ Scan points
      └─ SelectCols [3, 17, 5]
         └─ Matrix W"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('through a map and a row-broadcast bias: sigmoid(X·W + b)[:, c] = sigmoid(X·W[:, c] + b[:, c])', async () => {
    const { X, W, bias } = inputs();
    const { before, after, fired } = rewrite(X.matmul(W).add(bias).sigmoid().select(0, 39));
    expect(planText(before)).toMatchInlineSnapshot(`
      "SelectCols [0, 39]
      └─ Map sigmoid
         └─ Elementwise add
            ├─ MatMul
            │  ├─ ToMatrix a, b, c, d, e, f
            │  │  └─ Scan points
            │  └─ Matrix W
            └─ Matrix b"
    `);
    expect(fired).toBe(true);
    expect(planText(after)).toMatchInlineSnapshot(`
      "Map sigmoid
      └─ Elementwise add
         ├─ MatMul
         │  ├─ ToMatrix a, b, c, d, e, f
         │  │  └─ Scan points
         │  └─ SelectCols [0, 39]
         │     └─ Matrix W
         └─ SelectCols [0, 39]
            └─ Matrix b"
    `);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('through a scalar and a column operand, which stay as they are', async () => {
    const { X, W } = inputs();
    const p = X.matmul(W);
    const { before, after, fired } = rewrite(p.mul(2).sub(X.select(0)).select(7));
    expect(planText(after)).toMatchInlineSnapshot(`
      "Elementwise sub
      ├─ Elementwise mul
      │  ├─ MatMul
      │  │  ├─ ToMatrix a, b, c, d, e, f
      │  │  │  └─ Scan points
      │  │  └─ SelectCols [7]
      │  │     └─ Matrix W
      │  └─ Matrix 2
      └─ SelectCols [0]
         └─ ToMatrix a, b, c, d, e, f
            └─ Scan points"
    `);
    expect(fired).toBe(true);
    await expectSameResult(before, after, { tolerance: TOL });
  });

  it('does not fire when the product has another reader', () => {
    const { X, W } = inputs();
    const p = X.matmul(W);
    const before = p.select(1).add(p.rowSums()).plan;
    const { plan: after, fired } = applyRule(before, productColumnSelection);
    expect(planText(before)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ SelectCols [1]
      │  └─ MatMul
      │     ├─ ToMatrix a, b, c, d, e, f
      │     │  └─ Scan points
      │     └─ Matrix W
      └─ Reduce rowSums
         └─ MatMul
            ├─ ToMatrix a, b, c, d, e, f
            │  └─ Scan points
            └─ Matrix W"
    `);
    expect(fired).toBe(false);
    expect(after).toBe(before);
  });

  it('does not fire through a full-shape right operand, nor when the selection keeps every column', () => {
    const { X, W } = inputs();
    const p = X.matmul(W);
    // A full-shape operand would need its own selection: left alone.
    expect(rewrite(p.add(X.matmul(W).scale(2)).select(1)).fired).toBe(false);
    // Every column, reordered, of a map: no cheaper form.
    const all = Array.from({ length: 6 }, (_, j) => 5 - j);
    expect(rewrite(X.exp().select(...all)).fired).toBe(false);
  });
});
