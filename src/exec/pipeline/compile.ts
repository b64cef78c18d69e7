import { type Batch, makeBatch } from '../../data/batch.js';
import type { Arena } from '../../data/buffer-pool.js';
import { type Column, gatherColumn } from '../../data/column.js';
import { ExecutionError } from '../../errors.js';
import { type JoinHeads, joinHeads } from '../../kernels/relational/index.js';
import { type ExprNode, columnRef, mapChildren } from '../../plan/expr.js';
import { type Node, type PlanNode, relationSchema } from '../../plan/node.js';
import { joinOutputFields } from '../../plan/relational-operators.js';
import { fieldIndex } from '../../types/schema.js';
import { type BoundColumn, LoopBuilder } from '../fused-loop.js';
import { compilePredicate } from './predicate.js';

/**
 * Compiles the steps of a pipeline — filters, projections and the probes of joins over
 * a source's rows — into the body of ONE loop over a range of source rows (a morsel),
 * with no intermediate of the source's length; a sink (aggregate-sink.ts,
 * materialize-sink.ts) adds what each output row does, and `loopText` assembles the loop:
 * - a filter is `if (!(predicate is TRUE)) continue;`;
 * - a projection only renames and substitutes: its expressions are inlined where read;
 * - a join probes by precomputed chain heads (`joinHeads`: the first build row of each
 *   probe row's key) and binds a row variable `r<k>` for the build side, whose columns
 *   are read at it: inner and semi joins skip rows without a match, anti joins rows
 *   with one, left joins read nulls; a build side with repeated keys opens a loop over
 *   the key's chain, so output rows come in the order the join operator gives them.
 * Every loop's parameters start with (ctx, start, end): its inputs and the morsel's
 * rows; the sink's own parameters follow, `steps` (rows out of each step, for explain
 * analyze) among them.
 */

export type PipelineStep = Node<'filter'> | Node<'project'> | Node<'join'>;

export interface PipelineBatches {
  /** The rows the pipeline runs over (its source, concatenated). */
  readonly source: Batch;
  /** The build side of each join step, in step order. */
  readonly builds: readonly Batch[];
  /**
   * Where the arrays the pipeline builds over its build sides (chain heads, build
   * columns laid out by key slot) come from when they die with the run of the
   * operator (an aggregate's, src/data/column-memory.ts); absent: the JS heap, for
   * outputs that read them afterwards.
   */
  readonly arena?: Arena;
}

export type ColumnNode = Extract<ExprNode, { kind: 'column' }>;

/**
 * Where a bound column reference's values live, for a sink that gathers them after the
 * loop: `column` (the source's or a build side's own column) at the rows of index
 * vector `vector` (0: the source row; k: the build row of the k-th join that binds one).
 */
export interface ColumnOrigin {
  readonly column: Column;
  readonly vector: number;
}

/** The steps as loop code, for a sink to finish. */
export interface CompiledSteps {
  readonly gen: LoopBuilder;
  readonly body: readonly Statement[];
  /** Each column name the last step outputs → an expression over bound column references. */
  readonly env: ReadonlyMap<string, ExprNode>;
  readonly bindings: ReadonlyMap<ExprNode, BoundColumn>;
  readonly origins: ReadonlyMap<ExprNode, ColumnOrigin>;
  /**
   * Per index vector, code of the output row's row in it (declared only when called):
   * the source row `{i}`, then each binding join's build row (-1: a left join's missing row).
   */
  readonly vectorRows: readonly (() => string)[];
  /** The bound column references `names` stand for after the last step; null when one is computed. */
  boundRefs(names: readonly string[]): ColumnNode[] | null;
  /** Appends the row code pending in `gen`, then `lines`, to the body. */
  code(...lines: string[]): void;
}

/** The steps over `source`'s rows (`batches`) as loop code, or the reason they cannot run as one loop. */
export function compileSteps(steps: readonly PipelineStep[], source: PlanNode, batches: PipelineBatches): CompiledSteps | string {
  const bindings = new Map<ExprNode, BoundColumn>();
  const origins = new Map<ExprNode, ColumnOrigin>();
  const vectorRows: (() => string)[] = [() => '{i}'];
  const stepIndex = (step: PipelineStep) => steps.indexOf(step);
  const bind = (e: ColumnNode): BoundColumn => {
    const bound = bindings.get(e);
    if (bound === undefined) throw new ExecutionError('pipeline', `column '${e.name}' is not bound to a table`);
    return bound;
  };
  const gen = new LoopBuilder(bind, true);
  /** Each visible column name → an expression over bound column references (`own`: the table's own batch, where `batch` is laid out by key slot). */
  const tableColumns = (batch: Batch, node: PlanNode, row: string | null, mayMiss: boolean, own: Batch, vector: number) => {
    const env = new Map<string, ExprNode>();
    relationSchema(node, 'pipeline').fields.forEach((f, k) => {
      const ref = columnRef(f.name, { dtype: f.dtype, nullable: f.nullable || mayMiss });
      bindings.set(ref, { column: batch.columns[k], row, mayMiss });
      origins.set(ref, { column: own.columns[k], vector });
      env.set(f.name, ref);
    });
    return env;
  };
  let env = tableColumns(batches.source, source, null, false, batches.source, 0);
  const body: Statement[] = [];
  let joins = 0;
  const code = (...lines: string[]) => body.push(...[...gen.takeRowCode(), ...lines].map((text): Statement => ({ kind: 'code', text })));
  const guard = (condition: string) => body.push({ kind: 'guard', condition });
  const count = (step: PipelineStep) => body.push({ kind: 'count', step: stepIndex(step) });
  const boundRefs = (names: readonly string[]): ColumnNode[] | null => {
    const refs = names.map((n) => env.get(n));
    return refs.every((r): r is ColumnNode => r !== undefined && r.kind === 'column' && bindings.has(r)) ? refs : null;
  };

  for (const step of steps) {
    if (step.kind === 'project') {
      const outer = env;
      env = new Map(step.args.columns.map((c) => [c.name, substitute(c.expr, outer)]));
      continue;
    }
    if (step.kind === 'filter') {
      const truth = compilePredicate(substitute(step.args.predicate, env), gen, bind);
      if (truth === null) return `filter ${step.args.predicate.kind === 'call' ? step.args.predicate.fn : 'predicate'} outside the generated subset`;
      code();
      guard(truth.t);
      count(step);
      continue;
    }
    // A join: probe by the chain heads of the key's table rows.
    const { how, leftKeys, rightKeys } = step.args;
    if (how !== 'inner' && how !== 'left' && how !== 'semi' && how !== 'anti') return `${how} join`;
    const build = batches.builds[joins++];
    const keyRefs = boundRefs(leftKeys);
    if (keyRefs === null) return 'a join key is computed';
    const keyBound = keyRefs.map((r) => bindings.get(r)!);
    const table = keyBound[0];
    if (!keyBound.every((b) => b.row === table.row && b.mayMiss === table.mayMiss)) return 'join keys come from different tables';
    const rightSchema = relationSchema(step.inputs[1], 'pipeline');
    const rightKeyColumns = rightKeys.map((k) => build.columns[fieldIndex(rightSchema, k, 'join')]);
    const heads = joinHeads(
      keyBound.map((b) => b.column),
      rightKeyColumns,
      batches.arena,
    );
    const r = `r${joins}{r}`;
    let rows = build;
    if (heads.by !== 'row' && heads.next === null && (how === 'inner' || how === 'left')) {
      // Unique keys found by value or code: the build columns the loop reads are laid out
      // by key slot once, and the slot itself is the row, so the loop's reads of the
      // build side do not wait on the head lookup (which only says whether the slot holds a row).
      const slot = slotCode(heads, keyRefs[0], gen);
      code();
      if (how === 'inner') {
        // A key range every slot of which holds a row (a dense surrogate key) needs only the range check.
        const complete = heads.first.indexOf(-1) < 0;
        guard(complete ? slot.inRange : `${slot.inRange} && ${gen.input(heads.first)}[${slot.d}] >= 0`);
        code(`const ${r} = ${slot.d};`);
        vectorRows.push(() => `${gen.input(heads.first)}[${r}]`);
      } else {
        code(`const ${r} = ${slot.inRange} ? ${slot.d} : -1;`);
        vectorRows.push(() => `(${r} < 0 ? -1 : ${gen.input(heads.first)}[${r}])`);
      }
      rows = makeBatch(
        build.columns.map((c) => gatheredOnRead(c, heads.first, batches.arena)),
        heads.first.length,
      );
    } else {
      const head = headCode(heads, keyRefs, table, gen);
      code();
      if (how === 'semi' || how === 'anti') {
        guard(`${head} ${how === 'semi' ? '>=' : '<'} 0`);
        count(step);
        continue;
      }
      const next = heads.next === null ? null : gen.input(heads.next);
      if (next === null) {
        code(`const ${r} = ${head};`);
        if (how === 'inner') guard(`${r} >= 0`);
      } else if (how === 'inner') body.push({ kind: 'open', text: `for (let ${r} = ${head}; ${r} >= 0; ${r} = ${next}[${r}]) {` });
      else body.push({ kind: 'open', text: `for (let ${r} = ${head}, go${joins} = 1; go${joins} === 1; go${joins} = ${r} >= 0 && (${r} = ${next}[${r}]) >= 0 ? 1 : 0) {` });
      vectorRows.push(() => r);
    }
    count(step);
    const right = tableColumns(rows, step.inputs[1], r, how === 'left', build, vectorRows.length - 1);
    const leftSchema = relationSchema(step.inputs[0], 'pipeline');
    const outer = env;
    env = new Map();
    // Left columns (merged USING keys among them) keep their expressions; the rest are the build side's.
    for (const f of joinOutputFields(leftSchema, rightSchema, step.args)) env.set(f.name, outer.get(f.name) ?? right.get(f.name)!);
  }
  return { gen, body, env, bindings, origins, vectorRows, boundRefs, code };
}

/** Code of the first build row with the probe row's key (-1: none), by the kind of heads the build made. */
function headCode(heads: JoinHeads, keys: readonly ColumnNode[], table: BoundColumn, gen: LoopBuilder): string {
  if (heads.by === 'row') {
    const at = table.row ?? '{i}';
    const read = `${gen.input(heads.match)}[${at}]`;
    return table.mayMiss ? `(${at} < 0 ? -1 : ${read})` : read;
  }
  const { d, inRange } = slotCode(heads, keys[0], gen);
  return `(${inRange} ? ${gen.input(heads.first)}[${d}] : -1)`;
}

/** The probe row's slot in heads found by value or code (`d`), and the condition that it is one (a non-null key in range). */
function slotCode(heads: Extract<JoinHeads, { by: 'value' | 'code' }>, key: ColumnNode, gen: LoopBuilder): { d: string; inRange: string } {
  const k = gen.stored(key);
  const d = gen.temp(heads.by === 'value' ? `${k.value} - ${gen.input(heads.offset)}` : k.value);
  return { d, inRange: [...k.valid, `${d} >= 0`, `${d} < ${gen.input(heads.first.length)}`].join(' && ') };
}

/**
 * `col`'s rows `rows` (-1: null), gathered when its values are first read: a build
 * side laid out by key slot copies only the columns the loop reads.
 */
function gatheredOnRead(col: Column, rows: Int32Array, arena: Arena | undefined): Column {
  let gathered: Column | null = null;
  const get = () => (gathered ??= gatherColumn(col, rows, arena));
  return {
    dtype: col.dtype,
    length: rows.length,
    get values() {
      return get().values;
    },
    get validity() {
      return get().validity;
    },
    ...(col.dictionary === undefined ? {} : { dictionary: col.dictionary }),
  };
}

/** One statement of the loop body, per row of the source (in order). */
export type Statement =
  | { readonly kind: 'code'; readonly text: string }
  /** The row goes on only where `condition` holds (a filter, an inner or semi join's match, an anti join's miss). */
  | { readonly kind: 'guard'; readonly condition: string }
  /** A row came out of step `step` (explain analyze's rows). */
  | { readonly kind: 'count'; readonly step: number }
  /** Opens a loop over a build key's chain (closed after the sink). */
  | { readonly kind: 'open'; readonly text: string };

/** A pipeline's loop, compiled with its sink: what morsels.ts and materialize-run.ts run. */
export interface CompiledLoop {
  readonly params: readonly string[];
  readonly text: string;
  /** Source rows per iteration of the loop (unrolled, or one at a time). */
  readonly rowsPerIteration: number;
  readonly ctx: readonly unknown[];
  /** Rows of the source. */
  readonly rows: number;
  /** Steps before the sink. */
  readonly stepCount: number;
  /** Whether an integer value reached ±2^53 while the loop ran (the result may be inexact: the exact path decides). */
  overflowed(): boolean;
}

/** What a sink adds to the loop. */
export interface LoopSink {
  /** Statements before the loop. */
  readonly before: readonly string[];
  /** The lines for one output row; `sub` is code of its index among its source row's output rows. */
  row(sub: string): readonly string[];
  /** Whether `row` reads `sub` (else the loop does not count it). */
  readonly readsSub: boolean;
  /** Statements after the loop, the step counts written. */
  readonly after: readonly string[];
}

/** Rows per iteration of an unrolled loop. */
export const UNROLL = 4;
/**
 * Guards an unrolled loop may have: a row a guard drops still costs its reads there,
 * and four rows of a long body exhaust the registers (measured: a join then group-by
 * runs 1.4× faster unrolled, the four-step star query 1.35× slower).
 */
const UNROLL_MAX_GUARDS = 2;

/**
 * The loop's text. Without chains and with few guards, rows go UNROLL at a time: each row's reads and
 * conditions first (a failed guard clears the row's flag `ok_r`; the reads after it
 * are then of no row, harmless in JavaScript, and never used), then the rows' sink
 * lines in row order, so results are those of one row at a time while several rows'
 * random reads are in flight. Otherwise one row at a time, a guard being `continue` to
 * the next row or chain entry.
 */
export function loopText(compiled: CompiledSteps, sink: LoopSink, steps: readonly PipelineStep[]): { text: string; unrolled: boolean } {
  const { body } = compiled;
  const counted = steps.flatMap((step, k) => (step.kind === 'project' ? [] : [k]));
  // `{ok}`: whether the row is still on (range checks of values computed for a row a guard dropped must not fire).
  const fill = (line: string, r: string, i: string) => line.split('{ok}').join(r === '' ? 'true' : `ok${r}`).split('{r}').join(r).split('{i}').join(i);
  const opens = body.filter((b) => b.kind === 'open').length;
  const unrolled = opens === 0 && body.filter((b) => b.kind === 'guard').length <= UNROLL_MAX_GUARDS;
  let loop: string[];
  if (!unrolled) {
    const row = body.map((b) => {
      switch (b.kind) {
        case 'code':
        case 'open':
          return fill(b.text, '', 'i');
        case 'guard':
          return `if (!(${fill(b.condition, '', 'i')})) continue;`;
        case 'count':
          return `s${b.step}++;`;
      }
    });
    // Output rows of one source row are counted (`sub`) where the sink orders by them (groups first seen in the same source row).
    const last = [...sink.row('sub'), ...(sink.readsSub ? ['sub++;'] : [])].map((l) => fill(l, '', 'i'));
    loop = ['for (let i = start; i < end; i++) {', ...(sink.readsSub ? ['let sub = 0;'] : []), ...row, ...last, ...Array<string>(opens).fill('}'), '}'];
  } else {
    // A row's reads and conditions, with the row's suffix and index.
    const reads = (r: number, i: string) => [
      `let ok_${r} = true;`,
      ...body.map((b) => {
        switch (b.kind) {
          case 'guard':
            return `ok_${r} = ok_${r} && (${fill(b.condition, `_${r}`, i)});`;
          case 'count':
            return `s${b.step} += ok_${r} ? 1 : 0;`;
          default:
            return fill(b.text, `_${r}`, i);
        }
      }),
    ];
    const update = (r: number, i: string) => [`if (ok_${r}) {`, ...sink.row('0').map((l) => fill(l, `_${r}`, i)), '}'];
    const at = (r: number) => (r === 0 ? 'i' : `i + ${r}`);
    const block: string[] = [];
    for (let r = 0; r < UNROLL; r++) block.push(...reads(r, at(r)));
    for (let r = 0; r < UNROLL; r++) block.push(...update(r, at(r)));
    loop = ['let i = start;', `for (; i + ${UNROLL - 1} < end; i += ${UNROLL}) {`, ...block, '}', 'for (; i < end; i++) {', ...reads(0, 'i'), ...update(0, 'i'), '}'];
  }
  const { prelude } = compiled.gen.inputs;
  const text = ['"use strict";', ...prelude, ...counted.map((k) => `let s${k} = 0;`), ...sink.before, ...loop, ...counted.map((k) => `steps[${k}] += s${k};`), ...sink.after].join('\n');
  return { text, unrolled };
}

/** `e` with every column reference replaced by what it names in `env` (a projection's expressions inlined). */
export function substitute(e: ExprNode, env: ReadonlyMap<string, ExprNode>): ExprNode {
  if (e.kind === 'column') {
    const bound = env.get(e.name);
    if (bound === undefined) throw new ExecutionError('pipeline', `column '${e.name}' is not visible at this step`);
    return bound;
  }
  return mapChildren(e, (c) => substitute(c, env));
}
