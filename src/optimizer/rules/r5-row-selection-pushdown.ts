import { type ExprNode, columnsOf, conjunction, conjuncts } from '../../plan/expr.js';
import { type PlanNode, makeNode } from '../../plan/node.js';
import { restrictRows } from '../row-restriction.js';
import type { Rule, RuleContext } from '../rule.js';

/**
 * R5 (rows) — a row selection on relation columns moves below the matrix appended to
 * the relation: σ_p(X·W) = σ_p(X)·W at the bridge.
 *
 *   Filter_p(appendColumns(rel, M))  =  appendColumns(Filter_p(rel), M restricted to Filter_p(rel))
 *
 * Precondition: p reads only columns of rel (not the appended matrix columns; of a
 * conjunction, the conjuncts that do move below and the others stay above), the appended
 * relation has no other reader, and M is computed row by row from rel (`restrictRows`):
 * its row-aligned spine is recomputed over the surviving rows, while operands such as W
 * (even coefficients fitted on rel) or column means stay computed over all rows.
 *
 * Why it pays: the matrix work (the product, above all) runs only on the rows that
 * survive the filter, and the matrix rows that would be dropped are never built.
 */
export const rowSelectionPushdown: Rule = {
  name: 'r5-row-selection-pushdown',
  description: 'moves a filter on relation columns below appendColumns, so the appended matrix is computed for the surviving rows only',
  apply(node: PlanNode, context: RuleContext): PlanNode | null {
    if (node.kind !== 'filter') return null;
    const append = node.inputs[0];
    if (append.kind !== 'appendColumns' || context.consumers(append) !== 1) return null;
    const [rel, m] = append.inputs;
    if (rel.output.kind !== 'relation') return null;
    const relColumns = new Set(rel.output.schema.fields.map((f) => f.name));
    const onRel = (e: ExprNode) => [...columnsOf(e)].every((c) => relColumns.has(c));
    const parts = conjuncts(node.args.predicate);
    const below = parts.filter(onRel);
    if (below.length === 0) return null;
    const filtered = makeNode('filter', { predicate: conjunction(below) }, [rel]);
    const restricted = restrictRows(m, rel, filtered);
    if (!restricted) return null;
    const pushed = makeNode('appendColumns', append.args, [filtered, restricted]);
    const above = parts.filter((e) => !onRel(e));
    return above.length === 0 ? pushed : makeNode('filter', { predicate: conjunction(above) }, [pushed]);
  },
};

