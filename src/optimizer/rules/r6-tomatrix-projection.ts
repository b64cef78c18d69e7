import { type Feature, featureColumnNames } from '../../plan/bridge-operators.js';
import { type Node, type PlanNode, makeNode } from '../../plan/node.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * R6 — a column selection of toMatrix keeps only the features it reads:
 *
 *   toMatrix(rel, F)[:, c]  =  toMatrix(rel, F_c)[:, c']      (= toMatrix(π_c rel) once pruned)
 *
 * where F_c are the features with at least one selected column, the intercept kept only
 * when selected, and c' the selected columns renumbered in the smaller matrix. When the
 * selection takes whole feature blocks, each once and in its own column order (and the
 * intercept, if any, last), the features are listed in the selection's order and no
 * selection is left; otherwise (part of a one-hot or hash block, a repeated column, an
 * intercept before a feature) a residual selection c' stays on top.
 *
 * Always valid: each feature is encoded from its own relation column only; one-hot
 * categories and hash buckets are fixed in the plan, and a standardized column is
 * fitted on the same rows whichever other features are encoded. The rows and the row
 * origin (rel) are unchanged. Fires only when the matrix loses columns, or when the
 * selection disappears; a residual form only when the toMatrix has no other reader.
 *
 * Why it pays: the dropped columns are never decoded or encoded, and the relational
 * projection pushdown can then prune them from the scans and joins below.
 */
export const toMatrixProjection: Rule = {
  name: 'r6-tomatrix-projection',
  description: 'keeps only the toMatrix features a column selection reads, so unused relation columns are never decoded',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    if (node.kind !== 'selectCols' || node.inputs[0].kind !== 'toMatrix') return null;
    const toMatrix = node.inputs[0];
    const { indices } = node.args;
    if (indices.length === 0) return null;
    const blocks = featureBlocks(toMatrix);
    const blockOf = (j: number) => blocks.findIndex((b) => j >= b.start && j < b.start + b.width);

    const exact = wholeBlocks(indices, blocks);
    if (exact) {
      const features = exact.flatMap((k) => (blocks[k].feature ? [blocks[k].feature] : []));
      return makeNode('toMatrix', { ...toMatrix.args, features, intercept: features.length < exact.length }, [toMatrix.inputs[0]]);
    }

    // Residual form: kept blocks in their original order, the selection renumbered. When the
    // full matrix is built anyway for another reader, a second, smaller encoding plus a selection
    // costs more than the selection alone: only the exact form above is taken then.
    const kept = blocks.filter((_, k) => indices.some((j) => blockOf(j) === k));
    if (kept.length === blocks.length || context.consumers(toMatrix) !== 1) return null;
    const newStart = new Map<number, number>();
    let at = 0;
    for (const b of kept) {
      newStart.set(b.start, at);
      at += b.width;
    }
    const renumbered = indices.map((j) => {
      const b = blocks[blockOf(j)];
      return newStart.get(b.start)! + (j - b.start);
    });
    const smaller = makeNode(
      'toMatrix',
      { ...toMatrix.args, features: kept.flatMap((b) => (b.feature ? [b.feature] : [])), intercept: kept.some((b) => !b.feature) },
      [toMatrix.inputs[0]],
    );
    return makeNode('selectCols', { indices: renumbered }, [smaller]);
  },
};

/** A feature's columns in the toMatrix layout; `feature` is undefined for the intercept (always last). */
interface Block {
  readonly feature: Feature | undefined;
  readonly start: number;
  readonly width: number;
}

function featureBlocks(node: Node<'toMatrix'>): Block[] {
  const blocks: Block[] = [];
  let start = 0;
  for (const feature of node.args.features) {
    const width = featureColumnNames(feature).length;
    blocks.push({ feature, start, width });
    start += width;
  }
  if (node.args.intercept) blocks.push({ feature: undefined, start, width: 1 });
  return blocks;
}

/**
 * The block numbers, in selection order, when the selection is a sequence of whole
 * blocks, each at most once and with its columns in order, the intercept only last;
 * undefined otherwise.
 */
function wholeBlocks(indices: readonly number[], blocks: readonly Block[]): number[] | undefined {
  const order: number[] = [];
  let p = 0;
  while (p < indices.length) {
    const k = blocks.findIndex((b) => b.start === indices[p]);
    if (k < 0 || order.includes(k)) return undefined;
    const b = blocks[k];
    for (let q = 0; q < b.width; q++) if (indices[p + q] !== b.start + q) return undefined;
    order.push(k);
    p += b.width;
  }
  const intercept = blocks.findIndex((b) => !b.feature);
  if (intercept >= 0 && order.includes(intercept) && order[order.length - 1] !== intercept) return undefined;
  return order;
}
