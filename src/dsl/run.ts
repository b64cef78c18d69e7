import type { Table } from 'apache-arrow';
import type { Batch } from '../data/batch.js';
import { cellValue } from '../data/column.js';
import { ExecutionError, MemoryLimitError } from '../errors.js';
import { EXECUTE_OPTIONS, type ExecuteOptions, type LoopReport, type NodeResult, execute } from '../exec/execute.js';
import { toDense } from '../exec/operators/matrix.js';
import { defaultMemoryLimit } from '../exec/run-context.js';
import { type ExplainOptions, explain, explainSync } from '../explain/explain.js';
import { batchesToArrow } from '../io/arrow.js';
import type { FloatArray } from '../kernels/matrix/dense.js';
import type { MatrixNode, PlanNode, RelationNode } from '../plan/node.js';
import type { RelationSchema } from '../types/schema.js';
import { type OptimizeOptions, optimize } from '../optimizer/index.js';
import type { OptionKeys } from '../options.js';

/**
 * How a pipeline runs: with the optimizer (default), without it, or with some rules
 * off; on which device and provider; within how much memory; until when.
 */
export interface RunOptions extends ExecuteOptions {
  /** false runs the plan as built; an object switches single rules off (`{ disabled: ['r7-matrix-chain'] }`). */
  readonly optimize?: boolean | OptimizeOptions;
  /**
   * true materializes every join a matrix is built over, as a table, before encoding it:
   * no factorized plans (R14 off) and no join → blocks (R10). For comparisons.
   */
  readonly materializeJoins?: boolean;
}

export const RUN_OPTIONS: OptionKeys<RunOptions> = { ...EXECUTE_OPTIONS, optimize: true, materializeJoins: true };

/**
 * Optimized plans by the plan as built and the optimizer's options: plans are immutable
 * and their sources too, so a pipeline collected again (a served model, a benchmark
 * round) runs the plan chosen the first time instead of planning again, as a prepared
 * statement does. Weak: the entry goes with the plan.
 */
const optimizedPlans = new WeakMap<PlanNode, Map<string, PlanNode>>();

/** The plan that actually runs under `options`. */
export function planToRun<P extends PlanNode>(plan: P, options: RunOptions = {}): P {
  if (options.optimize === false) return plan;
  const chosen = options.optimize === true || options.optimize === undefined ? {} : options.optimize;
  const disabled = [...(chosen.disabled ?? []), ...(options.materializeJoins ? ['r14-factorize-joins'] : [])].sort();
  const key = JSON.stringify({ ...chosen, disabled });
  let cached = optimizedPlans.get(plan);
  if (!cached) optimizedPlans.set(plan, (cached = new Map()));
  let optimized = cached.get(key);
  if (!optimized) {
    optimized = optimize(plan, { ...chosen, disabled }).plan;
    cached.set(key, optimized);
  }
  return optimized as P;
}

/** Executor options implied by run options (join → blocks off when joins are materialized). */
export function executeOptions(options: RunOptions): ExecuteOptions {
  return options.materializeJoins ? { ...options, joinBlocks: false } : options;
}

/** A collected matrix: row-major values with the names of its columns. */
export interface MatrixResultValue {
  readonly rows: number;
  readonly cols: number;
  readonly data: FloatArray;
  readonly columnNames: readonly string[];
  /** Element (i, j). */
  get(i: number, j: number): number;
  /**
   * How the plan's loops ran (iterative learners: steps taken, whether they stopped on
   * their tolerance), one report per run of a loop; empty for a plan without loops.
   */
  readonly loops: readonly LoopReport[];
}

async function relationBatches(plan: RelationNode, options: RunOptions): Promise<readonly Batch[]> {
  return batchesOf((await execute(planToRun(plan, options), executeOptions(options))).result);
}

function batchesOf(r: NodeResult): readonly Batch[] {
  if (r.kind !== 'relation') throw new ExecutionError('collect', 'expected a relation result');
  return r.batches;
}

/** How `collectRows()` gives values: int64 columns as numbers (default, exact within ±2^53) or as bigints, like the Arrow table of `collect()`. */
export interface RowsOptions extends RunOptions {
  readonly int64?: 'number' | 'bigint';
}

export const ROWS_OPTIONS: OptionKeys<RowsOptions> = { ...RUN_OPTIONS, int64: true };

/** What a writer wrote. */
export interface WriteResult {
  readonly path: string;
  readonly rows: number;
}

/** Runs a relational plan and hands its batches to `write` (a file writer of src/io), which returns the rows it wrote. */
export async function writePlan(
  plan: RelationNode,
  path: string,
  write: (path: string, schema: RelationSchema, batches: readonly Batch[]) => number | Promise<number>,
  options: RunOptions = {},
): Promise<WriteResult> {
  const rows = await write(path, plan.output.schema, await relationBatches(plan, options));
  return { path, rows };
}

/** Runs a relational plan to an Arrow table. */
export async function collectPlan(plan: RelationNode, options: RunOptions = {}): Promise<Table> {
  return batchesToArrow(plan.output.schema, await relationBatches(plan, options));
}

/**
 * Runs a relational plan to plain row objects, one own enumerable property per column
 * whatever its name. Rows are ordinary objects (they print and compare as such), so a
 * column named like an Object.prototype member (`toString`, `constructor`) is an own
 * property that shadows it, and `__proto__`, whose assignment would set the prototype
 * instead (dropping the column), is defined as an own property.
 */
export async function collectPlanRows(plan: RelationNode, options: RowsOptions = {}): Promise<Record<string, unknown>[]> {
  const batches = await relationBatches(plan, options);
  const names = plan.output.schema.fields.map((f) => f.name);
  const asBigInt = plan.output.schema.fields.map((f) => options.int64 === 'bigint' && f.dtype === 'int64');
  const rows: Record<string, unknown>[] = [];
  for (const batch of batches) {
    for (let i = 0; i < batch.length; i++) {
      const row: Record<string, unknown> = {};
      names.forEach((n, c) => {
        const cell = cellValue(batch.columns[c], i);
        const value = asBigInt[c] && cell !== null ? BigInt(cell as number) : cell;
        if (n === '__proto__') Object.defineProperty(row, n, { value, enumerable: true, writable: true, configurable: true });
        else row[n] = value;
      });
      rows.push(row);
    }
  }
  return rows;
}

/** Runs a matrix plan to a dense matrix. */
export async function collectMatrix(plan: MatrixNode, options: RunOptions = {}): Promise<MatrixResultValue> {
  const { result, loops } = await execute(planToRun(plan, options), executeOptions(options));
  if (result.kind !== 'matrix') throw new ExecutionError('collect', 'expected a matrix result');
  // A sparse result (one-hot, hash) is densified here, outside the run: within the run's memory limit too.
  const limit = options.memoryLimit ?? defaultMemoryLimit();
  const m = toDense(result.value, {
    operator: 'collect',
    reserve: (bytes) => {
      if (!(bytes <= limit)) throw new MemoryLimitError('collect', bytes, 0, limit);
    },
  });
  return {
    rows: m.rows,
    cols: m.cols,
    data: m.data,
    columnNames: plan.output.columnNames,
    get: (i, j) => m.data[i * m.cols + j],
    loops,
  };
}

/**
 * EXPLAIN for a pipeline's plan: as built, optimized (with estimates), and the rules
 * that fired. Synchronous unless `analyze` asks to run the plan.
 */
export function explainPlan(plan: PlanNode, options?: ExplainOptions & { analyze?: false }): string;
export function explainPlan(plan: PlanNode, options: ExplainOptions & { analyze: true }): Promise<string>;
export function explainPlan(plan: PlanNode, options?: ExplainOptions): string | Promise<string>;
export function explainPlan(plan: PlanNode, options: ExplainOptions = {}): string | Promise<string> {
  return options.analyze ? explain(plan, options) : explainSync(plan, options);
}

export type { ExplainOptions } from '../explain/explain.js';
