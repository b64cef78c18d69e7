import { type Feature, featureColumnNames } from '../../plan/bridge-operators.js';
import { type ExprNode, binary, columnRef, literal } from '../../plan/expr.js';
import { isComparisonFn } from '../../plan/matrix-operators.js';
import { type PlanNode, makeNode, planDigest } from '../../plan/node.js';
import { isNumeric } from '../../types/dtype.js';
import type { Rule } from '../rule.js';
import { restrictRows } from '../row-restriction.js';

/**
 * R9 — a matrix row predicate on columns that came from a relation becomes a relational filter.
 *
 *   filterRows(toMatrix(rel), cmp(toMatrix(rel)[:, j], a))  =  toMatrix(Filter(rel, col cmp a))
 *
 * and more generally filterRows(M, mask) = M[rel := Filter_p(rel)] for any M row-wise in
 * rel (see `restrictRows`), where the mask is a comparison map (gt, ge, lt, le, eq, ne with
 * scalar a) of a column j of a toMatrix over rel (equal by digest, not necessarily the
 * same node) whose feature is a plain numeric column `col`, or a product (AND) or
 * maximum (OR) of such masks.
 *
 * Preconditions: column j is a `numeric` feature (not standardized, not one-hot/hash)
 * of a numeric relation column, encoded as float64 (so the matrix holds the column's
 * exact value and compares as the relation does, except that the relational order puts
 * NaN above every number, so > and ≥ on a float column also require ≤ +∞);
 * M is row-wise in rel, which rules out standardized features of M, whose fitted
 * mean and deviation would change with the rows. The output rows are unchanged:
 * the rows of rel where p holds, in order, encoded as M encodes them.
 *
 * Why it pays: the filter runs in the relational part, where predicate pushdown moves it
 * below joins: joins get smaller and only the surviving rows are encoded and multiplied.
 */
export const matrixPredicateToFilter: Rule = {
  name: 'r9-matrix-predicate-to-filter',
  description: 'turns filterRows over a toMatrix, with a comparison mask on one of its numeric columns, into a relational filter below the toMatrix',
  apply(node: PlanNode): PlanNode | null {
    if (node.kind !== 'filterRows') return null;
    const [m, mask] = node.inputs;
    const rel = m.output.kind === 'matrix' ? m.output.rowOrigin : undefined;
    if (!rel || rel.output.kind !== 'relation') return null;
    const predicate = maskPredicate(mask, planDigest(rel), rel);
    if (!predicate) return null;
    return restrictRows(m, rel, makeNode('filter', { predicate }, [rel]));
  },
};

/** The relational predicate a 1/0 mask computes on the rows of `rel`, or undefined when it is not one this rule reads. */
function maskPredicate(mask: PlanNode, relDigest: string, rel: PlanNode): ExprNode | undefined {
  if (mask.kind === 'elementwise' && (mask.args.op === 'mul' || mask.args.op === 'max')) {
    // Products and maxima of 0/1 masks of the same rows are their AND and OR.
    const left = maskPredicate(mask.inputs[0], relDigest, rel);
    const right = left && maskPredicate(mask.inputs[1], relDigest, rel);
    return left && right && binary(mask.args.op === 'mul' ? 'and' : 'or', left, right);
  }
  if (mask.kind !== 'map') return undefined;
  const { fn, a } = mask.args;
  if (!isComparisonFn(fn) || a === undefined) return undefined;
  const column = mask.inputs[0];
  if (column.kind !== 'selectCols' || column.args.indices.length !== 1) return undefined;
  const source = column.inputs[0];
  if (source.kind !== 'toMatrix' || source.args.dtype !== 'float64' || planDigest(source.inputs[0]) !== relDigest) return undefined;
  const name = numericFeatureAt(source.args.features, column.args.indices[0]);
  if (name === undefined || rel.output.kind !== 'relation') return undefined;
  const field = rel.output.schema.fields.find((f) => f.name === name);
  if (!field || !isNumeric(field.dtype)) return undefined;
  // The matrix compares float64 values with a float64 `a`: so does the filter (an integer column widens, a is never narrowed).
  const test = binary(fn, columnRef(field.name, field), literal(a, 'float64'));
  // A matrix comparison is IEEE (NaN > a is false) while relational comparisons order NaN
  // above every number (as DuckDB): for > and ≥ on a float column, also require ≤ +∞, which only NaN fails.
  const float = field.dtype === 'float64' || field.dtype === 'float32';
  if (!float || (fn !== 'gt' && fn !== 'ge')) return test;
  return binary('and', test, binary('le', columnRef(field.name, field), literal(Infinity, 'float64')));
}

/** The relation column of matrix column j when that column is a plain numeric feature. */
function numericFeatureAt(features: readonly Feature[], j: number): string | undefined {
  let at = 0;
  for (const f of features) {
    const width = featureColumnNames(f).length;
    if (j < at + width) return f.encoding === 'numeric' ? f.column : undefined;
    at += width;
  }
  return undefined;
}
