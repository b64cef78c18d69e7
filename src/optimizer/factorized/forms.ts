import { type PlanNode, makeNode } from '../../plan/node.js';

/**
 * Factorized matrices: a matrix over a join written as blocks, T = [X₁, …, X_k], where a
 * block is an ordinary matrix over the joined rows or K·D, a dimension's matrix D
 * gathered by a key map K (src/plan/keyed-operators.ts). The R1–R3 and R8 rules push
 * operators into these forms; they fire only where a gather is involved, so plans
 * without factorized joins are left alone.
 */

/** Whether `node` is K·D or blocks side by side of which one (at any depth) is. */
export function isFactorized(node: PlanNode): boolean {
  if (node.kind === 'gatherByKey') return true;
  return node.kind === 'hstack' && node.inputs.some(isFactorized);
}

/** A factorized hstack's blocks with the column at which each starts. */
export function blocks(hstack: PlanNode): { block: PlanNode; start: number; cols: number }[] {
  let start = 0;
  return hstack.inputs.map((block) => {
    const cols = block.output.kind === 'matrix' ? block.output.cols : 0;
    const entry = { block, start, cols };
    start += cols;
    return entry;
  });
}

/** a₁ + a₂ + … (one term: itself). */
export function sumOf(terms: readonly PlanNode[]): PlanNode {
  return terms.slice(1).reduce((acc, t) => makeNode('elementwise', { op: 'add' }, [acc, t]), terms[0]);
}

/** Columns start..start+count−1 of a matrix, or the matrix itself when that is all of it. */
export function columnRange(m: PlanNode, start: number, count: number): PlanNode {
  if (m.output.kind === 'matrix' && start === 0 && count === m.output.cols) return m;
  return makeNode('selectCols', { indices: Array.from({ length: count }, (_, j) => start + j) }, [m]);
}

/** Rows start..start+count−1 of a matrix, or the matrix itself when that is all of it. */
export function rowRange(m: PlanNode, start: number, count: number): PlanNode {
  if (m.output.kind === 'matrix' && start === 0 && count === m.output.rows) return m;
  return makeNode('sliceRows', { start, end: start + count }, [m]);
}
