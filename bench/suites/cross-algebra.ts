import type { Table } from 'apache-arrow';
import { buildParts as buildHybrid } from '../../examples/hybrid.js';
import { FEATURES, KEPT, OUTPUTS, buildParts as buildProjection } from '../../examples/projection.js';
import type { BenchCase, Suite } from '../harness.js';

/**
 * cross-algebra: the optimizer's rewrites across the relational/matrix boundary
 * (docs/workloads.md, W3 and W4), each measured in one run against
 *
 *  - `tessera-unoptimized`: the same engine running the plan as built
 *    (`{ optimize: false }`), a peer of docs/workloads.md — it isolates the optimizer's gain;
 *  - `glue-typed-arrays` (W4 only): the pipeline people glue together by hand, peer (b):
 *    materialize X (rows × 64, row-major Float64Array) from the columns, multiply by W
 *    with a straightforward i-k-j triple loop over typed arrays (no blocking), then keep
 *    the 4 score columns and filter the segment afterwards.
 *
 * The reference is `tessera` (optimizer on). Every system returns the full result
 * relation (all of the pipeline's columns, as an Arrow table or as typed-array columns);
 * `check` compares them as multisets of rows, float64 cells within 1e-9 relative.
 * Data generation, plan building and the glue's input extraction happen while a case is
 * built, outside the timed `run`; `tessera`'s timed run includes its optimizer pass.
 *
 * Sizes. docs/workloads.md's full sizes are W3: 50,000 rows (≈25,000 active) × 100 features,
 * wide = 5,000; W4: 1,000,000 customers × 64 features, W 64 × 512. On the 2-core
 * benchmark machine the slowest system at those sizes takes ~18 s per run (W3,
 * unoptimized) and ~16 s (W4, unoptimized) to ~70 s (W4, glue: ~0.5 G multiply-adds/s,
 * plus a 4 GB n × 512 product) per run, i.e. minutes per case with the harness's
 * 1 warm-up + 5 timed iterations. So the full run uses fewer rows, keeping every other
 * dimension at its full size, so that the slowest system takes 8–9 s per run (under a
 * minute per case): W3 at 25,000 rows (≈12,500 active; wide stays 5,000), W4 at 125,000
 * customers. Every system's work is linear in the row count, so the ratios are about those
 * of the full size; the row count is recorded in each case. `--quick` uses small sizes
 * (each case < 2 s).
 */

/** A relation result: column names and columns, in the pipeline's column order. */
interface Columns {
  readonly names: readonly string[];
  readonly columns: readonly ArrayLike<unknown>[];
}

function tableColumns(table: Table): Columns {
  const names = table.schema.fields.map((f) => f.name);
  return { names, columns: names.map((n) => table.getChild(n)!.toArray() as ArrayLike<unknown>) };
}

function asColumns(value: unknown): Columns {
  if (value && typeof value === 'object' && 'names' in value && 'columns' in value) return value as Columns;
  return tableColumns(value as Table);
}

const isFloat = (c: ArrayLike<unknown>) => c instanceof Float64Array || c instanceof Float32Array;
const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));

/**
 * Rows sorted by their exact (non-float) cells, then by their float cells: equal
 * multisets pair up row by row. (Every row here carries a unique id, so the exact cells
 * alone order the rows.)
 */
function sortedRows(c: Columns): { rows: unknown[][]; float: boolean[] } {
  const n = c.columns[0]?.length ?? 0;
  const float = c.columns.map(isFloat);
  const rows: unknown[][] = Array.from({ length: n }, (_, i) => c.columns.map((col) => col[i]));
  const exactKey = rows.map((r) => JSON.stringify(r.filter((_, j) => !float[j])));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    if (exactKey[a] !== exactKey[b]) return exactKey[a] < exactKey[b] ? -1 : 1;
    for (let j = 0; j < float.length; j++) {
      if (!float[j]) continue;
      const d = (rows[a][j] as number) - (rows[b][j] as number);
      if (d !== 0) return d;
    }
    return 0;
  });
  return { rows: order.map((i) => rows[i]), float };
}

/** Same columns; rows equal as multisets, float cells within 1e-9 relative. */
function compareRelations(reference: unknown, other: unknown): string {
  const a = asColumns(reference);
  const b = asColumns(other);
  if (a.names.join() !== b.names.join()) return `columns [${a.names.join()}] vs [${b.names.join()}]`;
  const na = a.columns[0]?.length ?? 0;
  const nb = b.columns[0]?.length ?? 0;
  if (na !== nb) return `row count ${na} vs ${nb}`;
  const ra = sortedRows(a);
  const rb = sortedRows(b);
  for (let i = 0; i < na; i++) {
    for (let j = 0; j < a.names.length; j++) {
      const x = ra.rows[i][j];
      const y = rb.rows[i][j];
      const same = ra.float[j] && rb.float[j] ? close(x as number, y as number) : x === y;
      if (!same) return `row ${i} (${a.names[0]} = ${String(ra.rows[i][0])}) column ${a.names[j]}: ${String(x)} vs ${String(y)}`;
    }
  }
  return 'ok';
}

/** W3: rowSums(M·W) + M·P·Q·v next to the ids of A ⋈ B where active. */
function hybridCase(quick: boolean): BenchCase {
  // Full: docs/workloads.md has 50,000 rows; halved so that the unoptimized plan runs ~9 s per run, not ~18 s.
  const size = quick ? { rows: 4_000, features: 100, wide: 1_000 } : { rows: 25_000, features: 100, wide: 5_000 };
  const { pipeline } = buildHybrid(size);
  return {
    workload: 'W3-hybrid',
    case: size,
    systems: [
      { name: 'tessera', run: () => pipeline.collect() },
      { name: 'tessera-unoptimized', run: () => pipeline.collect({ optimize: false }) },
    ],
    check: compareRelations,
  };
}

/** The raw inputs of W4 as a hand-written pipeline sees them: the customer columns and W. */
interface ProjectionInput {
  readonly id: Int32Array;
  readonly segment: ArrayLike<unknown>;
  readonly features: readonly Float64Array[];
  /** W, 64 × 512, row-major. */
  readonly W: Float64Array;
  /** The output column names of the pipeline, in order. */
  readonly names: readonly string[];
}

/**
 * The glued W4 pipeline: X = the 64 feature columns as a row-major n × 64 matrix,
 * C = X·W by an i-k-j triple loop, then C's 4 kept columns appended to the customers,
 * then only the rows of segment seg3.
 */
function glueProjection(input: ProjectionInput): Columns {
  const { id, segment, features, W } = input;
  const n = id.length;
  const F = FEATURES;
  const O = OUTPUTS;

  const X = new Float64Array(n * F);
  for (let k = 0; k < F; k++) {
    const col = features[k];
    for (let i = 0; i < n; i++) X[i * F + k] = col[i];
  }

  const C = new Float64Array(n * O);
  for (let i = 0; i < n; i++) {
    const xi = i * F;
    const ci = i * O;
    for (let k = 0; k < F; k++) {
      const a = X[xi + k];
      const wk = k * O;
      for (let j = 0; j < O; j++) C[ci + j] += a * W[wk + j];
    }
  }

  const scores = KEPT.map((c) => {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = C[i * O + c];
    return s;
  });

  let m = 0;
  const keep = new Int32Array(n);
  for (let i = 0; i < n; i++) if (segment[i] === 'seg3') keep[m++] = i;
  const gatherF = (col: Float64Array) => {
    const out = new Float64Array(m);
    for (let r = 0; r < m; r++) out[r] = col[keep[r]];
    return out;
  };
  const outId = new Int32Array(m);
  const outSegment: unknown[] = new Array(m);
  for (let r = 0; r < m; r++) {
    outId[r] = id[keep[r]];
    outSegment[r] = segment[keep[r]];
  }
  return { names: input.names, columns: [outId, outSegment, ...features.map(gatherF), ...scores.map(gatherF)] };
}

/** W4: (X·W)[:, 4 columns] next to each customer, for the customers of segment seg3. */
async function projectionCase(quick: boolean): Promise<BenchCase> {
  // Full: docs/workloads.md has 1,000,000 customers; an eighth keeps the glue (the slowest system)
  // at ~10 s per run instead of about a minute, and its n × 512 product at 0.5 GB, not 4 GB.
  const rows = quick ? 4_000 : 125_000;
  const { customers, W, scores } = buildProjection(rows);

  // The glue's inputs, extracted outside the timed run.
  const table = await customers.collect();
  const column = (name: string) => table.getChild(name)!.toArray();
  const input: ProjectionInput = {
    id: column('id') as Int32Array,
    segment: column('segment') as ArrayLike<unknown>,
    features: Array.from({ length: FEATURES }, (_, k) => column(`f${k + 1}`) as Float64Array),
    W: Float64Array.from((await W.collect()).data),
    names: scores.schema.fields.map((f) => f.name),
  };

  return {
    workload: 'W4-projection',
    case: { rows, features: FEATURES, outputs: OUTPUTS, kept: KEPT.length },
    systems: [
      { name: 'tessera', run: () => scores.collect() },
      { name: 'tessera-unoptimized', run: () => scores.collect({ optimize: false }) },
      { name: 'glue-typed-arrays', run: () => glueProjection(input) },
    ],
    check: compareRelations,
  };
}

const suite: Suite = {
  name: 'cross-algebra',
  description: 'W3 hybrid expression (R4, R7) and W4 projection through a product (R5): optimizer on vs off vs hand-glued typed arrays',
  async *cases({ quick }): AsyncIterable<BenchCase> {
    yield hybridCase(quick);
    yield await projectionCase(quick);
  },
};

export default suite;
