import { mulberry32, shuffle } from '../../src/data/random.js';
import { type Matrix, fromColumns, fromDense, linearRegression, logisticRegression } from '../../src/index.js';

/**
 * W1's data and Tessera plans (docs/workloads.md; the grid and the systems are in
 * bench/suites/w1.ts): R (n_R rows, key `rid`, d_R = 20·FR features r1..), S (TR·n_R
 * rows, 20 features s1..s20, a uniform foreign key `rid` covering every key, a target y
 * and a 0/1 label), T = [s1..s20, r1..] of S ⋈ R in S's row order.
 */

export const D_S = 20;
export const LOGREG_STEPS = 20;
export const OPS = ['TtT', 'T·w', 'linreg', 'logreg'] as const;
export type Op = (typeof OPS)[number];

export interface Data {
  readonly nR: number;
  readonly nS: number;
  readonly rid: Int32Array;
  readonly r: readonly Float64Array[];
  readonly fk: Int32Array;
  readonly s: readonly Float64Array[];
  readonly y: Float64Array;
  readonly label: Float64Array;
  /** The d × 1 vector of T·w. */
  readonly w: Float64Array;
}

function uniformColumn(n: number, rand: () => number): Float64Array {
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = rand() * 2 - 1;
  return c;
}

export function generate(nR: number, TR: number, FR: number): Data {
  const rand = mulberry32(1_000 * TR + FR);
  const nS = TR * nR;
  const dR = 20 * FR;
  const rid = shuffle(Int32Array.from({ length: nR }, (_, i) => i), rand);
  const r = Array.from({ length: dR }, () => uniformColumn(nR, rand));
  const fk = new Int32Array(nS);
  for (let i = 0; i < nS; i++) fk[i] = i % nR;
  shuffle(fk, rand);
  const s = Array.from({ length: D_S }, () => uniformColumn(nS, rand));
  const beta = uniformColumn(D_S + dR, rand);
  const rowOf = new Int32Array(nR);
  for (let i = 0; i < nR; i++) rowOf[rid[i]] = i;
  const y = new Float64Array(nS);
  const label = new Float64Array(nS);
  for (let i = 0; i < nS; i++) {
    const p = rowOf[fk[i]];
    let z = 0;
    for (let j = 0; j < D_S; j++) z += s[j][i] * beta[j];
    for (let k = 0; k < dR; k++) z += r[k][p] * beta[D_S + k];
    y[i] = z + 0.1 * (rand() + rand() + rand() - 1.5);
    label[i] = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { nR, nS, rid, r, fk, s, y, label, w: uniformColumn(D_S + dR, rand) };
}

export const sNames = Array.from({ length: D_S }, (_, j) => `s${j + 1}`);
export const rNamesOf = (data: Data) => data.r.map((_, k) => `r${k + 1}`);

/** The four Tessera plans over S ⋈ R. */
export function tesseraPlans(data: Data): Record<Op, Matrix<number, number>> {
  const rNames = rNamesOf(data);
  const rColumns: Record<string, Int32Array | Float64Array> = { rid: data.rid };
  rNames.forEach((n, k) => (rColumns[n] = data.r[k]));
  const sColumns: Record<string, Int32Array | Float64Array> = { rid: data.fk };
  sNames.forEach((n, j) => (sColumns[n] = data.s[j]));
  sColumns.y = data.y;
  sColumns.label = data.label;
  const R = fromColumns(rColumns, { name: 'R', primaryKey: ['rid'] });
  const S = fromColumns(sColumns, { name: 'S' });
  const J = S.join(R, 'rid');
  const T = J.toMatrix([...sNames, ...rNames]);
  const w = fromDense<number, 1>({ rows: data.w.length, cols: 1, data: data.w }, 'w');
  return {
    TtT: T.crossprod(),
    'T·w': T.matmul(w),
    linreg: linearRegression(T, J.toMatrix(['y'])),
    logreg: logisticRegression(T, J.toMatrix(['label']), { steps: LOGREG_STEPS }),
  };
}

