import { type Feature, staticRowCount } from '../../plan/bridge-operators.js';
import { gatherByKey, uniqueKeyProof } from '../../plan/keyed-operators.js';
import { type Node, type PlanNode, makeNode } from '../../plan/node.js';
import { joinOutputFields } from '../../plan/relational-operators.js';

/**
 * A toMatrix over primary-key/foreign-key joins, as factorized blocks.
 *
 * The joins J = (((F ⋈ D₁) ⋈ D₂) … ⋈ D_k) are read down the left spine: each is an
 * inner join whose right side D_i is keyed (a declared primary key, or a column whose
 * source statistics say it is unique) and has a row count known while planning. Each
 * joined row is then exactly one row of F that found a partner in every D_i, and its
 * D_i columns are row K_i[r] of D_i, where K_i = keyMap(J, D_i) reads the foreign key
 * from J itself, so a key in F (a star) and a key in an earlier dimension (a snowflake
 * chain) are the same case. The spine stops at the first join that does not qualify;
 * everything below it is the fact side.
 *
 * Features of a D_i with a row-local encoding (numeric, one-hot, hash) become the block
 * K_i·toMatrix(D_i); the rest (fact columns, and standardized dimension columns, whose
 * mean and deviation belong to the joined rows) are encoded over J as before, reading
 * only their own columns through the join (JoinToMatrix). Runs of neighbouring features
 * with one owner make one block, in the matrix's column order; the intercept goes with
 * the last block (a gathered column of ones is a column of ones).
 */

export interface Dimension {
  readonly join: Node<'join'>;
  readonly dim: PlanNode;
  readonly proof: 'primary key' | 'statistics';
  readonly rows: number;
}

export interface FactorizedMatrix {
  readonly form: PlanNode;
  /** The joins the matrix's blocks were split along, top join first. */
  readonly dimensions: readonly Dimension[];
  /** Columns from dimensions, and from the joined rows. */
  readonly dimensionCols: number;
  readonly factCols: number;
}

/** The factorized form of `node`, or why it has none. */
export function factorizeToMatrix(node: Node<'toMatrix'>): FactorizedMatrix | { readonly rejected: string } {
  const top = node.inputs[0];
  if (top.kind !== 'join') return { rejected: 'the matrix is not built over a join' };
  const dimensions = keyedSpine(top);
  if (dimensions.length === 0) return { rejected: spineRejection(top) };
  const owners = node.args.features.map((f) => ownerOf(f, dimensions));
  if (owners.every((o) => o < 0)) return { rejected: 'no feature comes from a dimension with a row-local encoding' };

  const { features, intercept, dtype } = node.args;
  const blocks: PlanNode[] = [];
  let factCols = 0;
  let dimensionCols = 0;
  for (let start = 0; start < features.length; ) {
    let end = start + 1;
    while (end < features.length && owners[end] === owners[start]) end++;
    const run = features.slice(start, end);
    const last = end === features.length;
    const owner = owners[start];
    const encoded = makeNode('toMatrix', { features: run, intercept: intercept && last, dtype }, [owner < 0 ? top : dimensions[owner].dim]);
    const width = encoded.output.kind === 'matrix' ? encoded.output.cols : 0;
    if (owner < 0) {
      blocks.push(encoded);
      factCols += width;
    } else {
      const d = dimensions[owner];
      blocks.push(gatherByKey(keyMapOf(top, d.join), encoded));
      dimensionCols += width;
    }
    start = end;
  }
  if (features.length === 0) return { rejected: 'the matrix has no features' };
  const form = blocks.length === 1 ? blocks[0] : makeNode('hstack', {}, blocks);
  return { form, dimensions, dimensionCols, factCols };
}

/** K_i: the rows of the whole join J mapped to the rows of one dimension, by the key that join used. */
function keyMapOf(top: PlanNode, join: Node<'join'>): PlanNode {
  return makeNode('keyMap', { factKeys: join.args.leftKeys, dimKeys: join.args.rightKeys }, [top, join.inputs[1]]);
}

/** The keyed inner joins down J's left spine, from the top; stops at the first that does not qualify. */
function keyedSpine(top: PlanNode): Dimension[] {
  const out: Dimension[] = [];
  for (let j: PlanNode = top; j.kind === 'join'; j = j.inputs[0]) {
    const dim = j.inputs[1];
    const proof = j.args.how === 'inner' ? uniqueKeyProof(dim, j.args.rightKeys) : null;
    const rows = staticRowCount(dim);
    if (proof === null || rows === null) break;
    out.push({ join: j, dim, proof, rows });
  }
  return out;
}

function spineRejection(join: Node<'join'>): string {
  if (join.args.how !== 'inner') return `a ${join.args.how} join keeps rows without a dimension row`;
  if (uniqueKeyProof(join.inputs[1], join.args.rightKeys) === null) return `[${join.args.rightKeys.join(', ')}] is not known to be unique on the join's right side (declare a primary key)`;
  return "the right side's row count is not known while planning (e.g. it is filtered)";
}

/** The dimension whose block a feature goes to, or −1 for the block over the joined rows. */
function ownerOf(f: Feature, dimensions: readonly Dimension[]): number {
  if (f.encoding === 'standardize') return -1;
  return dimensions.findIndex(({ join }) => {
    const [left, right] = join.inputs;
    if (left.output.kind !== 'relation' || right.output.kind !== 'relation') return false;
    // The join's own columns from its right side (a merged USING key stays the left side's).
    const fromRight = joinOutputFields(left.output.schema, right.output.schema, join.args).slice(left.output.schema.fields.length);
    return fromRight.some((field) => field.name === f.column);
  });
}
