/**
 * R11 — loop-invariant hoisting: plan text before/after (the loop with its inputs, and
 * its body), the cases where it must not fire, and equivalence of the learners of
 * src/dsl/learners.ts with and without hoisting on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { type Matrix, fromColumns, iterate, kmeans, logisticRegression, matrix } from '../../../src/index.js';
import { execute } from '../../../src/exec/execute.js';
import { estimatePlan } from '../../../src/optimizer/cost.js';
import { loopInvariantHoisting } from '../../../src/optimizer/rules/r11-loop-invariant-hoisting.js';
import { newLoopId } from '../../../src/plan/loop-operators.js';
import { type MatrixNode, type PlanNode, makeNode } from '../../../src/plan/node.js';
import { rng } from '../../matrix/reference.js';
import { isFactorized } from '../../../src/optimizer/factorized/forms.js';
import { factorized, gathered, starSchema } from '../../support/factorized.js';
import { applyRule, expectSameResult, planText } from '../../support/plans.js';

/** Plan text with loop ids normalized (they come from a global counter). */
const text = (plan: PlanNode) => planText(plan).replace(/\bL\d+/g, 'L');
const bodyText = (plan: PlanNode) => (plan.kind === 'loop' ? text(plan.args.body) : 'not a loop');

/** n rows of 3 features and a 0/1 label that depends on them (seeded). */
function data(n = 300, seed = 5) {
  const rand = rng(seed);
  const col = () => Float64Array.from({ length: n }, () => rand() * 4 - 2);
  const [a, b, c] = [col(), col(), col()];
  const label = Float64Array.from({ length: n }, (_, i) => (a[i] - 0.5 * b[i] + 0.3 * c[i] + 0.5 * (rand() - 0.5) > 0 ? 1 : 0));
  const rel = fromColumns({ a, b, c, label }, { name: 'points' });
  return { X: rel.toMatrix(['a', 'b', 'c'], { intercept: true }), y: rel.toMatrix(['label']) };
}

/** Runs of the operators of `kind` in a run of `plan`. */
async function runsOf(plan: PlanNode, kind: PlanNode['kind']): Promise<number[]> {
  const { stats } = await execute(plan);
  return [...stats].filter(([n]) => n.kind === kind).map(([, s]) => s.runs);
}

describe('r11-loop-invariant-hoisting', () => {
  it('hoists X, y and n = y.count() out of logistic regression', async () => {
    const { X, y } = data();
    const before = logisticRegression(X, y, { steps: 20 }).plan;
    expect(text(before)).toMatchInlineSnapshot(`
      "Loop L × 20, until Δ ≤ 1e-6
      └─ Matrix zeros(4×1)"
    `);
    expect(bodyText(before)).toMatchInlineSnapshot(`
      "Elementwise sub
      ├─ LoopState L
      └─ Map scale(0.1)
         └─ Elementwise div
            ├─ CrossProd
            │  ├─ ToMatrix a, b, c, intercept
            │  │  └─ Scan points
            │  └─ Elementwise sub
            │     ├─ Map sigmoid
            │     │  └─ MatMul
            │     │     ├─ ToMatrix a, b, c, intercept
            │     │     │  └─ Scan points
            │     │     └─ LoopState L
            │     └─ Guard logisticRegression: ≥ 1 row, values 0 or 1
            │        ├─ ToMatrix label
            │        │  └─ Scan points
            │        └─ Reduce count
            │           └─ ToMatrix label
            │              └─ Scan points
            └─ Reduce count
               └─ ToMatrix label
                  └─ Scan points"
    `);
    const after = applyRule(before, loopInvariantHoisting);
    expect(after.fired).toBe(true);
    expect(text(after.plan)).toMatchInlineSnapshot(`
      "Loop L × 20, until Δ ≤ 1e-6
      ├─ Matrix zeros(4×1)
      ├─ ToMatrix a, b, c, intercept
      │  └─ Scan points
      ├─ Guard logisticRegression: ≥ 1 row, values 0 or 1
      │  ├─ ToMatrix label
      │  │  └─ Scan points
      │  └─ Reduce count
      │     └─ ToMatrix label
      │        └─ Scan points
      └─ Reduce count
         └─ ToMatrix label
            └─ Scan points"
    `);
    expect(bodyText(after.plan)).toMatchInlineSnapshot(`
      "Elementwise sub
      ├─ LoopState L
      └─ Map scale(0.1)
         └─ Elementwise div
            ├─ CrossProd
            │  ├─ LoopInput L[1]
            │  └─ Elementwise sub
            │     ├─ Map sigmoid
            │     │  └─ MatMul
            │     │     ├─ LoopInput L[1]
            │     │     └─ LoopState L
            │     └─ LoopInput L[2]
            └─ LoopInput L[3]"
    `);
    // The hoisted count reads the same y node as the labels' guard (input 2): computed once.
    expect(after.plan.inputs[3].inputs[0]).toBe(after.plan.inputs[2].inputs[0]);
    // Same weights; X, y are encoded once instead of 20 times; the estimate falls.
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
    expect(await runsOf(before, 'toMatrix')).toEqual([20, 20]);
    expect(await runsOf(after.plan, 'toMatrix')).toEqual([1, 1]);
    // (Per iteration the body encodes X once — it is shared — so hoisting saves 19 of 20 encodings, about a third here.)
    expect(estimatePlan(after.plan).total.cost).toBeLessThan(estimatePlan(before).total.cost * 0.7);
    // Idempotent: the body has nothing invariant left.
    expect(applyRule(after.plan, loopInvariantHoisting).fired).toBe(false);
  });

  it('hoists X out of k-means (a DAG body that reads X three times) and gives the same centroids', async () => {
    const { X } = data(240, 9);
    const before = kmeans(X, { k: 3, iterations: 6, seed: 2 }).plan;
    expect(text(before)).toMatchInlineSnapshot(`
      "Loop L × 6, until unchanged
      └─ SampleRows 3 rows, seed 2, for kmeans
         └─ ToMatrix a, b, c, intercept
            └─ Scan points"
    `);
    const after = applyRule(before, loopInvariantHoisting);
    expect(after.fired).toBe(true);
    expect(text(after.plan)).toMatchInlineSnapshot(`
      "Loop L × 6, until unchanged
      ├─ SampleRows 3 rows, seed 2, for kmeans
      │  └─ ToMatrix a, b, c, intercept
      │     └─ Scan points
      └─ ToMatrix a, b, c, intercept
         └─ Scan points"
    `);
    const body = bodyText(after.plan);
    expect(body).not.toContain('ToMatrix');
    expect(body.match(/LoopInput L\[1\]/g)?.length).toBe(4);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
    expect(await runsOf(before, 'toMatrix')).toEqual([7]);
    expect(await runsOf(after.plan, 'toMatrix')).toEqual([1]);
  });

  it("replaces this loop's inputs inside a hoisted subplan by the plans that compute them", async () => {
    // Body: state + 2·input₁ − colSums(input₁): 2·input₁ and colSums(input₁) are invariant.
    const rand = rng(3);
    const init = matrix([[1, 2, 3]]);
    const X = matrix(Array.from({ length: 4 }, () => [rand(), rand(), rand()]), { name: 'X' });
    const loopId = newLoopId();
    const state = makeNode('loopState', { loopId, rows: 1, cols: 3, dtype: 'float64' }, []);
    const input = makeNode('loopInput', { loopId, index: 1, rows: 4, cols: 3, dtype: 'float64' }, []);
    const doubled = makeNode('map', { fn: 'scale', a: 2 }, [makeNode('reduce', { op: 'sum', axis: 'cols' }, [input])]);
    const body = makeNode('elementwise', { op: 'add' }, [state, doubled]);
    const before = makeNode('loop', { loopId, iterations: 3, body }, [init.plan, X.plan]) as MatrixNode;
    const after = applyRule(before, loopInvariantHoisting);
    expect(after.fired).toBe(true);
    expect(text(after.plan)).toMatchInlineSnapshot(`
      "Loop L × 3
      ├─ Matrix 1×3
      ├─ Matrix X
      └─ Map scale(2)
         └─ Reduce colSums
            └─ Matrix X"
    `);
    expect(bodyText(after.plan)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ LoopState L
      └─ LoopInput L[2]"
    `);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('deduplicates equal subplans into one input', () => {
    const { X } = data(50);
    // X.colSums() is written twice in the body (two node objects, one digest); the state starts from a third.
    const looped = iterate(X.colSums(), 4, (s) => s.add(X.colSums()).sub(X.colSums().scale(0.5)));
    const before = looped.plan;
    const after = applyRule(before, loopInvariantHoisting);
    expect(after.fired).toBe(true);
    expect(text(after.plan)).toMatchInlineSnapshot(`
      "Loop L × 4
      ├─ Reduce colSums
      │  └─ ToMatrix a, b, c, intercept
      │     └─ Scan points
      ├─ Reduce colSums
      │  └─ ToMatrix a, b, c, intercept
      │     └─ Scan points
      └─ Map scale(0.5)
         └─ Reduce colSums
            └─ ToMatrix a, b, c, intercept
               └─ Scan points"
    `);
    expect(bodyText(after.plan)).toMatchInlineSnapshot(`
      "Elementwise sub
      ├─ Elementwise add
      │  ├─ LoopState L
      │  └─ LoopInput L[1]
      └─ LoopInput L[2]"
    `);
  });

  it('reuses an existing loop input equal to a hoisted subplan', async () => {
    const X = matrix([[1, 2], [3, 4], [5, 7]], { name: 'X' });
    const loopId = newLoopId();
    const state = makeNode('loopState', { loopId, rows: 1, cols: 2, dtype: 'float64' }, []);
    const sums = () => makeNode('reduce', { op: 'sum', axis: 'cols' }, [X.plan]);
    const body = makeNode('elementwise', { op: 'sub' }, [state, sums()]);
    const before = makeNode('loop', { loopId, iterations: 2, body }, [matrix([[0, 0]]).plan, sums()]);
    const after = applyRule(before, loopInvariantHoisting);
    expect(after.fired).toBe(true);
    expect(after.plan.inputs).toEqual(before.inputs);
    expect(bodyText(after.plan)).toMatchInlineSnapshot(`
      "Elementwise sub
      ├─ LoopState L
      └─ LoopInput L[1]"
    `);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
  });

  it('hoists from a nested loop to the inner loop, then from the outer loop', async () => {
    const { X } = data(60, 4);
    const outer = iterate(matrix([[0, 0, 0, 0]]), 3, (s) =>
      iterate(s, 2, (t) => t.add(X.colMeans()).scale(0.5)).add(s.scale(0.1)),
    );
    const before = outer.plan;
    const after = applyRule(before, loopInvariantHoisting);
    expect(after.fired).toBe(true);
    // colMeans(X) became an input of the inner loop, which reads it from the outer loop's input 1.
    expect(text(after.plan)).toMatchInlineSnapshot(`
      "Loop L × 3
      ├─ Matrix 1×4
      └─ Reduce colMeans
         └─ ToMatrix a, b, c, intercept
            └─ Scan points"
    `);
    expect(bodyText(after.plan)).toMatchInlineSnapshot(`
      "Elementwise add
      ├─ Loop L × 2
      │  ├─ LoopState L
      │  └─ LoopInput L[1]
      └─ Map scale(0.1)
         └─ LoopState L"
    `);
    await expectSameResult(before, after.plan, { tolerance: 1e-12 });
    expect(await runsOf(after.plan, 'reduce')).toEqual([1]);
  });

  it('does not fire on a loop whose body is all variant (leaves aside)', () => {
    const init = matrix([[1, 2], [3, 4]]);
    const plan = iterate(init, 5, (s) => s.scale(0.5).add(s.mul(s)).sub(1)).plan;
    expect(bodyText(plan)).toMatchInlineSnapshot(`
      "Elementwise sub
      ├─ Elementwise add
      │  ├─ Map scale(0.5)
      │  │  └─ LoopState L
      │  └─ Elementwise mul
      │     ├─ LoopState L
      │     └─ LoopState L
      └─ Matrix 1"
    `);
    expect(applyRule(plan, loopInvariantHoisting)).toEqual({ plan, fired: false });
  });

  it('does not fire on a loop of zero iterations (the body never runs)', () => {
    const { X } = data(20);
    const plan = iterate(X.colSums(), 0, (s) => s.add(X.colSums())).plan;
    expect(applyRule(plan, loopInvariantHoisting).fired).toBe(false);
  });

  it('gives the same weights as the unhoisted loop on several seeds and sizes', async () => {
    for (const [n, seed, steps] of [[80, 1, 5], [200, 2, 20], [333, 3, 12]] as const) {
      const { X, y } = data(n, seed);
      const w: Matrix<number, 1> = logisticRegression(X, y, { steps, learningRate: 0.3 });
      const after = applyRule(w.plan, loopInvariantHoisting);
      expect(after.fired).toBe(true);
      await expectSameResult(w.plan, after.plan, { tolerance: 1e-12 });
    }
  });

  describe('a factorized join matrix in the body', () => {
    /** Logistic regression over S ⋈ R with T in factorized form: [S block, K·R block]. */
    function factorizedLearner(steps = 3) {
      const { joined } = starSchema(7, 50);
      const T = factorized(joined.toMatrix(['s1', 'r1', 'r2'], { intercept: true }));
      const y = joined.toMatrix(['s2']).gt(2.5);
      return { joined, y, before: logisticRegression(T, y, { steps }).plan };
    }

    it('hoists its blocks (fact block, key map, dimension matrix) as loop inputs, not the stacked or gathered matrix', async () => {
      const { joined, y, before } = factorizedLearner();
      const after = applyRule(before, loopInvariantHoisting);
      expect(after.fired).toBe(true);
      expect(text(after.plan)).toMatchInlineSnapshot(`
        "Loop L × 3, until Δ ≤ 1e-6
        ├─ Matrix zeros(4×1)
        ├─ ToMatrix s1
        │  └─ Join inner on rid
        │     ├─ Scan S
        │     └─ Scan R
        ├─ KeyMap rid
        │  ├─ Join inner on rid
        │  │  ├─ Scan S
        │  │  └─ Scan R
        │  └─ Scan R
        ├─ ToMatrix r1, r2, intercept
        │  └─ Scan R
        ├─ Guard logisticRegression: ≥ 1 row, values 0 or 1
        │  ├─ Map gt(2.5)
        │  │  └─ ToMatrix s2
        │  │     └─ Join inner on rid
        │  │        ├─ Scan S
        │  │        └─ Scan R
        │  └─ Reduce count
        │     └─ Map gt(2.5)
        │        └─ ToMatrix s2
        │           └─ Join inner on rid
        │              ├─ Scan S
        │              └─ Scan R
        └─ Reduce count
           └─ Map gt(2.5)
              └─ ToMatrix s2
                 └─ Join inner on rid
                    ├─ Scan S
                    └─ Scan R"
      `);
      // The body reads the same form over loop inputs, in both products.
      expect(bodyText(after.plan)).toMatchInlineSnapshot(`
        "Elementwise sub
        ├─ LoopState L
        └─ Map scale(0.1)
           └─ Elementwise div
              ├─ CrossProd
              │  ├─ HStack
              │  │  ├─ LoopInput L[1]
              │  │  └─ GatherByKey
              │  │     ├─ LoopInput L[2]
              │  │     └─ LoopInput L[3]
              │  └─ Elementwise sub
              │     ├─ Map sigmoid
              │     │  └─ MatMul
              │     │     ├─ HStack
              │     │     │  ├─ LoopInput L[1]
              │     │     │  └─ GatherByKey
              │     │     │     ├─ LoopInput L[2]
              │     │     │     └─ LoopInput L[3]
              │     │     └─ LoopState L
              │     └─ LoopInput L[4]
              └─ LoopInput L[5]"
      `);
      expect(after.plan.inputs.map((n) => n.kind)).toEqual(['matrixLiteral', 'toMatrix', 'keyMap', 'toMatrix', 'guard', 'reduce']);
      expect(after.plan.inputs.filter((n) => isFactorized(n) || n.kind === 'hstack')).toEqual([]);
      await expectSameResult(before, after.plan, { tolerance: 1e-12 });
      // And the weights of the learner over the joined matrix.
      const joinedPlan = logisticRegression(joined.toMatrix(['s1', 'r1', 'r2'], { intercept: true }), y, { steps: 3 }).plan;
      await expectSameResult(joinedPlan, after.plan, { tolerance: 1e-12 });
      expect(applyRule(after.plan, loopInvariantHoisting).fired).toBe(false);
    });

    it('hoists a bare gather\'s key map and dimension matrix; an invariant expression over the factorized matrix is hoisted whole', async () => {
      const { joined, stores } = starSchema(8, 30);
      const G = gathered(joined, stores, { fact: ['rid'], dim: ['rid'] }, stores.toMatrix(['r1', 'r2']));
      const before = iterate(matrix([[0, 0]]), 4, (s) => s.scale(0.5).add(G.colMeans()).sub(G.sigmoid().colSums().scale(0.01))).plan;
      const after = applyRule(before, loopInvariantHoisting);
      expect(after.fired).toBe(true);
      // colMeans(K·D) and colSums(σ(K·D))·0.01 do not read the state: each is one input (the rules then push into them).
      expect(after.plan.inputs.map((n) => n.kind)).toEqual(['matrixLiteral', 'reduce', 'map']);
      await expectSameResult(before, after.plan, { tolerance: 1e-12 });
      // A body that multiplies K·D by the state keeps the gather, over its two hoisted blocks.
      const w = iterate(matrix([[1], [1]]), 3, (s) => s.sub(G.crossprod(G.matmul(s)).scale(0.001))).plan;
      const hoisted = applyRule(w, loopInvariantHoisting);
      expect(hoisted.fired).toBe(true);
      expect(text(hoisted.plan)).toMatchInlineSnapshot(`
        "Loop L × 3
        ├─ Matrix 2×1
        ├─ KeyMap rid
        │  ├─ Join inner on rid
        │  │  ├─ Scan S
        │  │  └─ Scan R
        │  └─ Scan R
        └─ ToMatrix r1, r2
           └─ Scan R"
      `);
      expect(bodyText(hoisted.plan)).toMatchInlineSnapshot(`
        "Elementwise sub
        ├─ LoopState L
        └─ Map scale(0.001)
           └─ CrossProd
              ├─ GatherByKey
              │  ├─ LoopInput L[1]
              │  └─ LoopInput L[2]
              └─ MatMul
                 ├─ GatherByKey
                 │  ├─ LoopInput L[1]
                 │  └─ LoopInput L[2]
                 └─ LoopState L"
      `);
      await expectSameResult(w, hoisted.plan, { tolerance: 1e-12 });
    });
  });
});
