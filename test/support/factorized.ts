/**
 * A small star schema for the tests of the rules over factorized join matrices (R1–R3,
 * R5, R8, R11): sales S with foreign keys into stores R and products P, both with a
 * declared primary key. The data has what the factorized forms must get right:
 * foreign keys with no partner (dropped by the inner join; one of them a null), keys
 * repeated many times (a skewed tuple ratio), and dimension rows no sale refers to.
 */
import { Matrix, fromColumns } from '../../src/index.js';
import { factorizeToMatrix } from '../../src/optimizer/factorized/star-join.js';
import { gatherByKey } from '../../src/plan/keyed-operators.js';
import { type MatrixNode, type PlanNode, makeNode } from '../../src/plan/node.js';
import { rng } from '../matrix/reference.js';

/** Entries in [lo, hi), seeded. */
const column = (n: number, rand: () => number, lo = -2, hi = 2) => Float64Array.from({ length: n }, () => lo + (hi - lo) * rand());

/**
 * S (n sales: rid, pid, s1, s2), R (6 stores: rid, r1, r2, region; stores 5 and 6 are
 * never referenced), P (4 products: pid, p1, p2, p3; product 40 is never referenced).
 * Sales refer to store 9 (no such store) and product 50 (no such product), and the
 * first sale has no store at all (a null key); stores 1 and 2 take most sales.
 */
export function starSchema(seed = 1, n = 40) {
  const rand = rng(seed);
  const storeKeys = [1, 1, 1, 1, 2, 2, 2, 3, 4, 9];
  const productKeys = [10, 10, 20, 20, 30, 50];
  // The first rows fix what the data must have (an unmatched and a null key; every referenced row at least once); the rest is drawn.
  const firstStores = [null, 9, 1, 2, 3, 4];
  const firstProducts = [10, 20, 50, 30];
  const rid: (number | null)[] = Array.from({ length: n }, (_, i) => (i < firstStores.length ? firstStores[i] : storeKeys[Math.floor(rand() * storeKeys.length)]));
  const pid = Int32Array.from({ length: n }, (_, i) => (i < firstProducts.length ? firstProducts[i] : productKeys[Math.floor(rand() * productKeys.length)]));
  const sales = fromColumns({ rid, pid, s1: column(n, rand), s2: column(n, rand, 0, 5) }, { name: 'S', types: { rid: 'int32?' } });
  const stores = fromColumns(
    { rid: Int32Array.from([1, 2, 3, 4, 5, 6]), r1: column(6, rand), r2: column(6, rand, 1, 3), region: ['north', 'south', 'north', 'east', 'south', 'east'] },
    { name: 'R', primaryKey: ['rid'] },
  );
  const products = fromColumns(
    { pid: Int32Array.from([10, 20, 30, 40]), p1: column(4, rand), p2: column(4, rand), p3: column(4, rand, 0.5, 1.5) },
    { name: 'P', primaryKey: ['pid'] },
  );
  /** S ⋈ R, and (S ⋈ R) ⋈ P: two dimensions on the join's left spine. */
  const joined = sales.join(stores, 'rid');
  const joined2 = joined.join(products, 'pid');
  return { sales, stores, products, joined, joined2 };
}

/** The factorized form of a matrix over joins (src/optimizer/factorized/star-join.ts), as a Matrix to build on. */
export function factorized(m: Matrix<number, number>): Matrix<number, number> {
  if (m.plan.kind !== 'toMatrix') throw new Error(`expected a toMatrix, got ${m.plan.kind}`);
  const form = factorizeToMatrix(m.plan);
  if ('rejected' in form) throw new Error(`not factorized: ${form.rejected}`);
  return new Matrix(form.form as MatrixNode);
}

/** K·D by hand: keyMap(J, D) on the given keys, gathering `d` (a matrix over D's rows). */
export function gathered(j: { readonly plan: PlanNode }, dim: { readonly plan: PlanNode }, keys: { fact: string[]; dim: string[] }, d: Matrix<number, number>): Matrix<number, number> {
  const k = makeNode('keyMap', { factKeys: keys.fact, dimKeys: keys.dim }, [j.plan, dim.plan]);
  return new Matrix(gatherByKey(k, d.plan) as MatrixNode);
}

/** A matrix from a plan node (e.g. one block of a factorized form). */
export const asMatrix = (node: PlanNode): Matrix<number, number> => new Matrix(node as MatrixNode);
