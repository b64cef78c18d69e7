/**
 * R12 — transpose elimination and cross-product recognition: plan text before/after,
 * the cases where it must not fire, and equivalence on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, fromColumns, matrix } from '../../../src/index.js';
import { estimatePlan } from '../../../src/optimizer/cost.js';
import { transposeFolding } from '../../../src/optimizer/rules/r12-transpose-folding.js';
import { rng, uniform } from '../../matrix/reference.js';
import { applyRule, expectSameResult, planText } from '../../support/plans.js';

const rand = rng(12);
const lit = (rows: number, cols: number, name: string): Matrix<number, number> => matrix(uniform(rows, cols, rand), { name });
const X = lit(60, 5, 'X');
const Y = lit(60, 3, 'Y');

describe('r12-transpose-folding', () => {
  it('removes a double transpose: (Xᵀ)ᵀ = X', async () => {
    const before = X.transpose().transpose().colSums().plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "Reduce colSums
      └─ Transpose
         └─ Transpose
            └─ Matrix X"
    `);
    const after = applyRule(before, transposeFolding);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "Reduce colSums
      └─ Matrix X"
    `);
    await expectSameResult(before, after.plan, { tolerance: 0 });
  });

  it('removes any even number of transposes, and leaves one of an odd number', () => {
    const four = X.transpose().transpose().transpose().transpose().plan;
    expect(applyRule(four, transposeFolding).plan).toBe(X.plan);
    const three = X.transpose().transpose().transpose().plan;
    expect(planText(applyRule(three, transposeFolding).plan)).toMatchInlineSnapshot(`
      "Transpose
      └─ Matrix X"
    `);
  });

  it('recognises Xᵀ·X as a cross-product (symmetric kernel, half the work)', async () => {
    const before = X.transpose().matmul(X).plan;
    expect(planText(before)).toMatchInlineSnapshot(`
      "MatMul
      ├─ Transpose
      │  └─ Matrix X
      └─ Matrix X"
    `);
    const after = applyRule(before, transposeFolding);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "CrossProd
      └─ Matrix X"
    `);
    expect(estimatePlan(after.plan).total.cost).toBeLessThan(estimatePlan(before).total.cost);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('turns Xᵀ·Y into crossprod(X, Y): no transposed copy', async () => {
    const before = X.transpose().matmul(Y).plan;
    const after = applyRule(before, transposeFolding);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ Matrix X
      └─ Matrix Y"
    `);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('folds inside larger plans: ((Xᵀ)ᵀ)ᵀ·Y over a matrix built from a relation', async () => {
    const n = 80;
    const r2 = rng(3);
    const col = () => Float64Array.from({ length: n }, () => r2() * 2 - 1);
    const rel = fromColumns({ a: col(), b: col(), c: col() }, { name: 'points' });
    const A = rel.toMatrix(['a', 'b']);
    const B = rel.toMatrix(['c']);
    const before = A.transpose().transpose().transpose().matmul(B).plan;
    const after = applyRule(before, transposeFolding);
    expect(after.fired).toBe(true);
    expect(planText(after.plan)).toMatchInlineSnapshot(`
      "CrossProd
      ├─ ToMatrix a, b
      │  └─ Scan points
      └─ ToMatrix c
         └─ Scan points"
    `);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('does not fire on X·Yᵀ (a transpose on the right), a single transpose, or a plain product', () => {
    const right = lit(4, 5, 'A').matmul(lit(6, 5, 'B').transpose()).plan;
    expect(planText(right)).toMatchInlineSnapshot(`
      "MatMul
      ├─ Matrix A
      └─ Transpose
         └─ Matrix B"
    `);
    expect(applyRule(right, transposeFolding)).toEqual({ plan: right, fired: false });
    const single = X.transpose().plan;
    expect(applyRule(single, transposeFolding)).toEqual({ plan: single, fired: false });
    const plain = lit(4, 60, 'C').matmul(X).plan;
    expect(applyRule(plain, transposeFolding)).toEqual({ plan: plain, fired: false });
  });
});
