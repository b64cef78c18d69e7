import { type PlanNode, makeNode, withInputs } from '../../plan/node.js';
import { estimatePlan } from '../cost.js';
import { type Task, call, trampoline } from '../../plan/walk.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * R7 — matrix-chain ordering.
 *
 *   A₁·A₂·…·A_k  evaluated in the parenthesization of least cost, e.g.
 *   ((M·P)·Q)·v  = M·(P·(Q·v))        and        (U·Vᵀ)·V = U·(Vᵀ·V)
 *
 * Always valid: the product is associative. A chain is the tree of matmuls under a
 * chain top (a matmul read by a non-matmul operator, read by several operators, or
 * the root); its operands are everything that is not a matmul read only inside the
 * chain (a transpose, a shared product, a relation's matrix, ...). A product with
 * another consumer stays an operand, so its result is still computed once.
 *
 * Why it pays: the cost of a chain depends on its order, asymptotically so; the classic
 * O(k³) dynamic program on the dimensions (rows not known while planning come from the
 * cost model's estimate) finds the cheapest order, and the rule fires only when that
 * order is strictly cheaper than the one written. A chain of more than MAX_CHAIN operands
 * is left as written (the dynamic program's cost grows with the cube of its length).
 */
export const matrixChain: Rule = {
  name: 'r7-matrix-chain',
  description: 'reorders chains of matrix products to the parenthesization of least estimated cost (the product is associative)',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    // A matmul read by exactly one operator is a chain top only if that operator is not a
    // matmul, which its reader decides (below); otherwise it is the top itself.
    if (node.kind === 'matmul') return context.consumers(node) === 1 ? null : reorderChain(node, context);
    let changed = false;
    const inputs = node.inputs.map((input) => {
      if (input.kind !== 'matmul' || context.consumers(input) !== 1) return input;
      const better = reorderChain(input, context);
      changed ||= better !== null;
      return better ?? input;
    });
    return changed ? withInputs(node, inputs) : null;
  },
};

/** The most operands of a chain reordered (the dynamic program over 256 operands takes a few million steps). */
export const MAX_CHAIN = 256;

/** A chain as written: leaves are operands `lo..hi` (lo = hi), inner nodes are its matmuls. */
interface Written {
  readonly node: PlanNode;
  readonly lo: number;
  readonly hi: number;
  readonly parts?: readonly [Written, Written];
}

/** The chain under `top` in its cheapest order, or null when the written order is already cheapest. */
function reorderChain(top: PlanNode, context: RuleContext): PlanNode | null {
  const operands: PlanNode[] = [];
  // A matmul read only here joins the chain (the driver counts a node built during the pass as read once).
  const inner = (n: PlanNode) => n.kind === 'matmul' && context.consumers(n) === 1;
  // On the trampoline (src/plan/walk.ts): a chain may be MAX_PLAN_DEPTH products long.
  function* flatten(n: PlanNode, isTop: boolean): Task<Written> {
    if (!isTop && !inner(n)) {
      operands.push(n);
      return { node: n, lo: operands.length - 1, hi: operands.length - 1 };
    }
    const left = yield* call(flatten(n.inputs[0], false));
    const right = yield* call(flatten(n.inputs[1], false));
    return { node: n, lo: left.lo, hi: right.hi, parts: [left, right] };
  }
  const written = trampoline(flatten(top, true));
  const k = operands.length;
  // The dynamic program takes O(k³) steps: a longer chain keeps the order it was written in.
  if (k < 3 || k > MAX_CHAIN) return null;

  // Dimensions: operand i is dims[i] × dims[i + 1].
  const first = operands[0];
  const dims = [estimatePlan(first).nodes.get(first)!.rows, ...operands.map(colsOf)];
  const flops = (i: number, s: number, j: number) => 2 * dims[i] * dims[s + 1] * dims[j + 1];

  const writtenCost = (w: Written): number => (w.parts ? writtenCost(w.parts[0]) + writtenCost(w.parts[1]) + flops(w.lo, w.parts[0].hi, w.hi) : 0);

  // best[i][j]: least cost of operands i..j; split[i][j]: the last product splits after operand split[i][j].
  const best = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const split = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let len = 2; len <= k; len++) {
    for (let i = 0; i + len - 1 < k; i++) {
      const j = i + len - 1;
      best[i][j] = Infinity;
      for (let s = i; s < j; s++) {
        const c = best[i][s] + best[s + 1][j] + flops(i, s, j);
        if (c < best[i][j]) {
          best[i][j] = c;
          split[i][j] = s;
        }
      }
    }
  }
  if (!(best[0][k - 1] < writtenCost(written) * (1 - 1e-12))) return null;

  // Rebuild, reusing a written product when it covers the same operands with the same inputs.
  const existing = new Map<string, PlanNode>();
  const index = (w: Written) => {
    existing.set(`${w.lo}:${w.hi}`, w.node);
    w.parts?.forEach(index);
  };
  index(written);
  const build = (i: number, j: number): PlanNode => {
    if (i === j) return operands[i];
    const left = build(i, split[i][j]);
    const right = build(split[i][j] + 1, j);
    const same = existing.get(`${i}:${j}`);
    return same && same.inputs[0] === left && same.inputs[1] === right ? same : makeNode('matmul', {}, [left, right]);
  };
  return build(0, k - 1);
}

function colsOf(node: PlanNode): number {
  return node.output.kind === 'matrix' ? node.output.cols : node.output.schema.fields.length;
}
