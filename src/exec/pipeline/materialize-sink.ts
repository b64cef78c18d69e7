import { type Batch, makeBatch } from '../../data/batch.js';
import { type Column, lazyGatherColumn } from '../../data/column.js';
import { MAX_ARRAY_ELEMENTS } from '../../data/limits.js';
import { type ExprNode, columnRef, exprChildren, mapChildren } from '../../plan/expr.js';
import { type PlanNode, relationSchema } from '../../plan/node.js';
import { postOrderOf } from '../../plan/walk.js';
import { evaluate } from '../expression.js';
import { type ColumnNode, type CompiledLoop, type LoopSink, type PipelineBatches, type PipelineStep, UNROLL, compileSteps, loopText } from './compile.js';

/**
 * The materializing sink of a pipeline (the steps: compile.ts), for rows that a sort, a
 * join, toMatrix or the caller read: late materialization. For each output row the
 * loop appends the source row and the build row of each join step that binds one (-1:
 * a left join's missing row) to its morsel's index vectors, and copies no value. The
 * morsels' vectors are concatenated in morsel order (materialize-run.ts), so rows come
 * in the order the operators one at a time give them, and the output columns are lazy
 * gathers of the tables' columns through them (`lazyGatherColumn`): a reader gathers
 * only the columns it reads. A column a projection computes is evaluated after the
 * loop over the gathered columns it reads (any expression, with the column-at-a-time
 * evaluator's semantics), for the output rows only.
 *
 * The loop's signature is (ctx, start, end, out, size, steps, room): `out` holds the
 * morsel's index vectors (Int32Arrays of one capacity), `size[0]` gets its row count.
 * An output count is not known before the loop (repeated keys multiply rows), so a
 * full morsel doubles its vectors into fresh SharedArrayBuffer memory, taking the rows
 * from `room[0]` (Atomics: the rows the run's memory budget leaves, shared by all
 * morsels); it returns the grown vectors (undefined when it did not grow), or sets
 * `size[0]` to -1 when the budget is spent. Whichever thread runs a morsel, its rows
 * are the same, so results do not depend on the thread count.
 */
export interface CompiledMaterialize extends CompiledLoop {
  /** Index vectors per output row: the source row, then one per join that binds a build row. */
  readonly vectors: number;
  /** The output's `count` rows, as the last step's columns read through the concatenated index vectors. */
  finish(vectors: readonly Int32Array[], count: number): Batch;
}

const MATERIALIZE_PARAMS = ['ctx', 'start', 'end', 'out', 'size', 'steps', 'room'] as const;

/** Rows a full morsel's vectors grow by at least (then they double). */
const GROW_ROWS = 4096;

/** The loop writing the row indices of `output`'s rows (the last step), or the reason it cannot run as one loop. */
export function compileMaterialize(steps: readonly PipelineStep[], source: PlanNode, output: PlanNode, batches: PipelineBatches): CompiledMaterialize | string {
  const compiled = compileSteps(steps, source, batches);
  if (typeof compiled === 'string') return compiled;
  const { gen, env, origins, bindings } = compiled;
  const rowCodes = compiled.vectorRows.map((row) => row());
  const vars = rowCodes.map((_, v) => `o${v}`);
  const limit = gen.input(MAX_ARRAY_ELEMENTS);
  const grow = vars.map((o) => `{ const a = new Int32Array(new SharedArrayBuffer(cap * 4)); a.set(${o}); ${o} = a; }`).join(' ');
  const sink: LoopSink = {
    before: ['let k = 0;', ...vars.map((o, v) => `let ${o} = out[${v}];`), 'let cap = o0.length;', 'let grown = false;'],
    readsSub: false,
    row: () => [
      `if (k === cap) { const more = Math.min(cap * 2 + ${GROW_ROWS}, ${limit}) - cap; if (more <= 0 || Atomics.sub(room, 0, more) < more) { size[0] = -1; return undefined; } cap += more; grown = true; ${grow} }`,
      ...vars.map((o, v) => `${o}[k] = ${rowCodes[v]};`),
      'k++;',
    ],
    after: ['size[0] = k;', `return grown ? [${vars.join(', ')}] : undefined;`],
  };
  const { text, unrolled } = loopText(compiled, sink, steps);
  // Vectors a left join's missing rows may put -1 in.
  const mayMiss = new Set<number>();
  for (const [ref, origin] of origins) if (bindings.get(ref)!.mayMiss) mayMiss.add(origin.vector);
  const fields = relationSchema(output, 'Pipeline').fields;
  return {
    params: MATERIALIZE_PARAMS,
    text,
    rowsPerIteration: unrolled ? UNROLL : 1,
    ctx: gen.inputs.ctx,
    rows: batches.source.length,
    vectors: rowCodes.length,
    stepCount: steps.length,
    overflowed: () => gen.overflowed,
    finish: (vectors, count) => {
      const missing = vectors.map((v, k) => mayMiss.has(k) && v.includes(-1));
      // Columns of one table read through one vector keep sharing one composed vector (a lazy table column).
      const composed = vectors.map(() => new Map<Int32Array, Int32Array>());
      const gathered = new Map<ExprNode, Column>();
      const gather = (ref: ExprNode): Column => {
        let col = gathered.get(ref);
        if (col === undefined) {
          const { column, vector } = origins.get(ref)!;
          col = lazyGatherColumn(column, vectors[vector], missing[vector], composed[vector]);
          gathered.set(ref, col);
        }
        return col;
      };
      const columns = fields.map((f) => {
        const e = env.get(f.name)!;
        return origins.has(e) ? gather(e) : computed(e, gather, count);
      });
      return makeBatch(columns, count);
    },
  };
}

/**
 * A computed column of the output: its expression (over bound column references)
 * evaluated over the gathered columns it reads. References are named by their column
 * names, made unique where two tables' columns share one.
 */
function computed(e: ExprNode, gather: (ref: ExprNode) => Column, count: number): Column {
  const refs = postOrderOf<ExprNode>(e, exprChildren).filter((n): n is ColumnNode => n.kind === 'column');
  const names = new Map<ExprNode, string>();
  const index = new Map<string, number>();
  for (const ref of refs) {
    let name = ref.name;
    for (let k = 1; index.has(name); k++) name = `${ref.name}#${k}`;
    names.set(ref, name);
    index.set(name, index.size);
  }
  const renamed = (x: ExprNode): ExprNode => (x.kind === 'column' ? columnRef(names.get(x)!, x.type) : mapChildren(x, renamed));
  return evaluate(renamed(e), makeBatch(refs.map(gather), count), (name) => index.get(name)!);
}
