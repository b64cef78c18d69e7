import { type Batch, concatBatches, makeBatch, sliceBatch } from '../../data/batch.js';
import { type Column, gatherColumn, lazyGatherColumn, plainColumn } from '../../data/column.js';
import type { Arena } from '../../data/buffer-pool.js';
import { allocInt32Array } from '../../data/column-memory.js';
import { type Node, relationSchema } from '../../plan/node.js';
import { joinOutputFields } from '../../plan/relational-operators.js';
import { type RelationSchema, fieldIndex } from '../../types/schema.js';
import { distinctRows, groupRows, joinIndices, sortIndices } from '../../kernels/relational/index.js';
import { computeAggregate } from './aggregate.js';
import { evaluate } from '../expression.js';
import { coalesce, columnRef } from '../../plan/expr.js';
import { fusedAggregate } from '../fused-aggregate.js';
import type { OperatorMemory, OperatorRun } from '../run-context.js';

/**
 * Relational operators over batches. Streaming operators (filter, project, limit,
 * union) work batch by batch; pipeline breakers (join, aggregate, sort, distinct)
 * gather their input into one batch and call a kernel. A join's output columns are
 * lazy gathers (late materialization, see `lazyGatherColumn`): plain columns to any
 * reader, read through their index vectors by the operators that know them. Their
 * large arrays (selections, row pairs, gathered columns, a sort's order words) come
 * from the run's buffer pool when the executor runs them (`OperatorMemory`).
 */

export function resolverFor(schema: RelationSchema, operator: string) {
  return (name: string) => fieldIndex(schema, name, operator);
}

export function gatherBatch(batch: Batch, indices: Int32Array, arena?: Arena): Batch {
  return makeBatch(
    batch.columns.map((c) => gatherColumn(c, indices, arena)),
    indices.length,
  );
}

/** Indices of the rows where a bool column is true (null counts as false). */
function selectedRows(mask: Column, arena: Arena | undefined): Int32Array {
  const v = mask.values;
  const valid = mask.validity;
  const n = mask.length;
  let count = 0;
  for (let i = 0; i < n; i++) count += valid ? v[i] & valid[i] : v[i];
  const out = allocInt32Array(count, arena);
  let k = 0;
  for (let i = 0; i < n; i++) if (v[i] && (!valid || valid[i])) out[k++] = i;
  return out;
}

/**
 * Filter, late-materialized: the output columns are lazy gathers of the input's through
 * the selected rows, so a column is copied only where it is read. A join reading the
 * filtered rows composes the selection with its own row pairs, and a fused aggregate
 * reads through the indices; a column no one reads is never copied.
 */
export function runFilter(node: Node<'filter'>, input: readonly Batch[], memory: OperatorMemory = {}): Batch[] {
  const resolve = resolverFor(relationSchema(node.inputs[0], node.kind), 'filter');
  const out: Batch[] = [];
  for (const batch of input) {
    const sel = selectedRows(evaluate(node.args.predicate, batch, resolve), memory.outputArena);
    if (sel.length === batch.length) out.push(batch);
    else if (sel.length > 0) {
      const composed = new Map<Int32Array, Int32Array>();
      out.push(makeBatch(batch.columns.map((c) => lazyGatherColumn(c, sel, false, composed)), sel.length));
    }
  }
  return out;
}

export function runProject(node: Node<'project'>, input: readonly Batch[]): Batch[] {
  const resolve = resolverFor(relationSchema(node.inputs[0], node.kind), 'project');
  return input.map((batch) =>
    makeBatch(
      node.args.columns.map((c) => evaluate(c.expr, batch, resolve)),
      batch.length,
    ),
  );
}

/**
 * Join: the kernel gives the matching row pairs, and the output columns are lazy
 * gathers (`lazyGatherColumn`) of the inputs' columns through them; the left columns
 * pass through as they are when the output rows are the left rows in order (a
 * primary-key/foreign-key join where every row matched, or a left join on unique
 * keys). A consumer that knows lazy columns (the fused aggregate) reads through the
 * indices; any other reads plain values (materialized on first access).
 */
export function runJoin(node: Node<'join'>, leftIn: readonly Batch[], rightIn: readonly Batch[], run: OperatorRun): Batch[] {
  const leftSchema = relationSchema(node.inputs[0], node.kind);
  const rightSchema = relationSchema(node.inputs[1], node.kind);
  const left = concatBatches(leftSchema, leftIn);
  const right = concatBatches(rightSchema, rightIn);
  const { how, leftKeys, rightKeys } = node.args;
  // Keys of a lazy input are gathered for the join alone (temporaries), not materialized in the input.
  const lk = leftKeys.map((k) => plainColumn(left.columns[fieldIndex(leftSchema, k, 'join')], run.arena));
  const rk = rightKeys.map((k) => plainColumn(right.columns[fieldIndex(rightSchema, k, 'join')], run.arena));
  // Index vectors (left and right row per output row) and, once read, one value per output row and column.
  const outputBytes = (rows: number) => rows * (8 + (leftSchema.fields.length + rightSchema.fields.length) * 8);
  const matches = joinIndices(lk, rk, how, { keyIndexed: run.operator === 'KeyIndexedJoin', operator: run.operator, beforeOutput: (rows) => run.reserve(outputBytes(rows)), arena: run.outputArena });
  run.ran(matches.rightByKey !== null ? 'key-indexed: right rows looked up by key value' : matches.left === null && matches.right === null ? 'hash probe' : 'hash build and probe');
  // The output's size is known now, before any output column is gathered (a join with
  // repeated keys on both sides checked it already, before allocating its index vectors).
  run.reserve(outputBytes(matches.length));
  // Index compositions shared by the columns of one side (lazy inputs of this join).
  const composedLeft = new Map<Int32Array, Int32Array>();
  const composedRight = new Map<Int32Array, Int32Array>();
  const leftRows = matches.left;
  const leftPart: Column[] = leftRows === null ? [...left.columns] : left.columns.map((c) => lazyGatherColumn(c, leftRows, matches.leftHasMissing, composedLeft, run.outputArena));
  if (how === 'semi' || how === 'anti') return [makeBatch(leftPart, matches.length)];
  if (matches.leftHasMissing) mergeOuterKeys(leftPart, node, leftSchema, right, rightSchema, matches.right!);
  const rightFields = joinOutputFields(leftSchema, rightSchema, node.args).slice(leftSchema.fields.length);
  const rightColumns = rightFields.map((f) => right.columns[fieldIndex(rightSchema, f.name, 'join')]);
  const byKey = matches.rightByKey;
  const rightPart =
    byKey !== null
      ? // Key-indexed: each right column is laid out by key value once (a small gather, into
        // the run's pool: fresh memory's page faults cost more than the gather), then read
        // through the left key values themselves; unmatched keys hit null slots.
        rightColumns.map((c) => lazyGatherColumn(gatherColumn(c, byKey.table, run.outputArena), byKey.keys, false))
      : rightColumns.map((c) => lazyGatherColumn(c, matches.right!, matches.rightHasMissing, composedRight, run.outputArena));
  return [makeBatch([...leftPart, ...rightPart], matches.length)];
}

/**
 * The merged (USING) keys of a right or full join, in place in `leftPart`: the left key
 * where the output row has a left row, else the right key (coalesce gives exactly that:
 * a matched left key is never null), in the output field's type.
 */
function mergeOuterKeys(leftPart: Column[], node: Node<'join'>, leftSchema: RelationSchema, right: Batch, rightSchema: RelationSchema, rightRows: Int32Array): void {
  const { leftKeys, rightKeys } = node.args;
  leftKeys.forEach((k, i) => {
    if (rightKeys[i] !== k) return;
    const at = fieldIndex(leftSchema, k, 'join');
    const r = rightSchema.fields[fieldIndex(rightSchema, k, 'join')];
    const fromRight = lazyGatherColumn(right.columns[fieldIndex(rightSchema, k, 'join')], rightRows, true);
    const both = coalesce([columnRef('left', leftSchema.fields[at]), columnRef('right', r)]);
    leftPart[at] = evaluate(both, makeBatch([leftPart[at], fromRight], rightRows.length), (name) => (name === 'left' ? 0 : 1));
  });
}

/**
 * Group-by: count/sum/mean/min/max of arithmetic go through one generated pass over the rows
 * (`fusedAggregate`, which also reads join outputs through their index vectors); the
 * rest column at a time: group ids, evaluated arguments, one kernel per aggregate.
 */
export function runAggregate(node: Node<'aggregate'>, input: readonly Batch[], run: OperatorRun): Batch[] {
  const schema = relationSchema(node.inputs[0], node.kind);
  const batch = concatBatches(schema, input);
  const resolve = resolverFor(schema, 'aggregate');
  const fused = run.operator === 'FusedAggregate' ? fusedAggregate(node.args.groupBy, node.args.aggregates, batch, resolve) : null;
  if (fused !== null) {
    run.ran(`fused: one generated loop, ${fused.grouping}`);
    return [makeBatch(fused.columns, fused.groupCount)];
  }
  run.ran(run.operator === 'FusedAggregate' ? 'column at a time (an argument or the input did not fit the generated loop)' : 'column at a time');
  const keys = node.args.groupBy.map((g) => batch.columns[resolve(g)]);
  const groups = groupRows(keys, batch.length);
  const keyColumns = keys.map((k) => gatherColumn(k, groups.firstRow, run.outputArena));
  const aggColumns = node.args.aggregates.map(({ name, aggregate }) => {
    const arg = aggregate.arg ? evaluate(aggregate.arg, batch, resolve) : null;
    return computeAggregate(aggregate, arg, groups, name);
  });
  return [makeBatch([...keyColumns, ...aggColumns], groups.groupCount)];
}

export function runSort(node: Node<'sort'>, input: readonly Batch[], memory: OperatorMemory = {}): Batch[] {
  const schema = relationSchema(node.inputs[0], node.kind);
  const batch = concatBatches(schema, input);
  const resolve = resolverFor(schema, 'sort');
  // A key read from a lazy column is gathered for the sort alone (a temporary), not materialized in the input.
  const keys = node.args.keys.map((k) => ({ column: plainColumn(evaluate(k.expr, batch, resolve), memory.arena), descending: k.descending, nullsFirst: k.nullsFirst }));
  return [gatherBatch(batch, sortIndices(keys, batch.length, memory.arena), memory.outputArena)];
}

export function runDistinct(node: Node<'distinct'>, input: readonly Batch[], memory: OperatorMemory = {}): Batch[] {
  const batch = concatBatches(relationSchema(node.inputs[0], node.kind), input);
  return [gatherBatch(batch, distinctRows(batch.columns, batch.length), memory.outputArena)];
}

export function runLimit(node: Node<'limit'>, input: readonly Batch[]): Batch[] {
  const { limit, offset } = node.args;
  const end = limit === null ? Infinity : offset + limit;
  const out: Batch[] = [];
  let at = 0;
  for (const batch of input) {
    const from = Math.max(offset - at, 0);
    const to = Math.min(end - at, batch.length);
    if (to > from) out.push(from === 0 && to === batch.length ? batch : sliceBatch(batch, from, to));
    at += batch.length;
    if (at >= end) break;
  }
  return out;
}

/** Union all: the batches of both inputs (each batch carries its own string dictionaries). */
export function runUnion(a: readonly Batch[], b: readonly Batch[]): Batch[] {
  return [...a, ...b];
}
