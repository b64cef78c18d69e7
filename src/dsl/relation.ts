import type { Table } from 'apache-arrow';
import { PlanError, TypeMismatchError, UnknownColumnError } from '../errors.js';
import { type ExprNode, columnRef, conjunction, unary } from '../plan/expr.js';
import { type RelationNode, makeNode } from '../plan/node.js';
import type { JoinKind, NamedAggregate, SortKey } from '../plan/relational-operators.js';
import type { BaseOf, ColSpec, SchemaSpec } from '../types/dtype.js';
import { type RelationSchema, requireField } from '../types/schema.js';
import { type Agg, Expr, Sort } from './expr.js';
import { describeJsValue, requireAgg, requireCallback, requireExpr, requireNamedEntries, requirePredicate } from './checks.js';
import { Matrix } from './matrix.js';
import type { Feature } from '../plan/bridge-operators.js';
import type { MatrixDType } from '../plan/matrix-operators.js';
import { columnCategories } from '../plan/provenance.js';
import { SHOW_OPTIONS, type ShowOptions, show } from '../io/show.js';
import { ROWS_OPTIONS, RUN_OPTIONS, type RowsOptions, type RunOptions, type WriteResult, collectPlan, collectPlanRows, explainPlan, writePlan, type ExplainOptions } from './run.js';
import { CSV_WRITE_OPTIONS, type CsvWriteOptions, writeCsvFile } from '../io/write-csv.js';
import { writeArrowFile } from '../io/write-arrow.js';
import { PARQUET_WRITE_OPTIONS, type ParquetWriteOptions, writeParquetFile } from '../io/write-parquet.js';
import { EXPLAIN_OPTIONS } from '../explain/explain.js';
import { checkOptions } from '../options.js';
import type { ExpectationSpec } from '../plan/expectations.js';
import { type ValidateOptions, type Validated, validateRelation } from './validate.js';
import { type SqlCompileOptions, compileSql } from '../sql/compile.js';

/**
 * The typed pipeline builder. A `Relation<S>` is an immutable handle on a plan whose
 * output columns are described by the type-level schema S; every method returns a new
 * Relation over a bigger plan, and nothing runs until `collect()`.
 */

import type {
  Simplify,
  SpecOf,
  Names,
  Row,
  JoinResult,
  JoinCheck,
  MergedKeys,
  JoinOnCheck,
  SortSpec,
  FeatureInput,
  FeatureCols,
  MatrixColumnsSchema,
} from './relation-types.js';

export type { Row, JoinResult, FeatureInput } from './relation-types.js';

/** Property names that runtimes and test tools probe on any object; they are not column reads. */
const PASS_THROUGH_KEYS = new Set(['then', 'toJSON', 'constructor', 'asymmetricMatch', '$$typeof', 'nodeType', 'toString', 'valueOf']);

export class Relation<S extends SchemaSpec> {
  /** Type-level only: the schema of this relation. */
  declare readonly __schema: S;

  constructor(readonly plan: RelationNode) {}

  get schema(): RelationSchema {
    return this.plan.output.schema;
  }

  /**
   * The columns as expressions, for building expressions outside a callback. Reading
   * a column the relation does not have throws an UnknownColumnError (for JavaScript
   * callers; TypeScript rejects it at compile time).
   */
  get columns(): Row<S> {
    const row: Record<string, Expr<ColSpec>> = {};
    // defineProperty: assigning row['__proto__'] would set the prototype, not add the column.
    for (const f of this.schema.fields) Object.defineProperty(row, f.name, { value: new Expr(columnRef(f.name, f)), enumerable: true, writable: true, configurable: true });
    const names = this.schema.fields.map((f) => f.name);
    return new Proxy(row, {
      get(target, key, receiver) {
        // Own properties only: `r.hasOwnProperty` or `r.__proto__` is a column or an UnknownColumnError, never Object.prototype's member.
        if (typeof key === 'string' && !Object.hasOwn(target, key) && !PASS_THROUGH_KEYS.has(key)) throw new UnknownColumnError('column reference', key, names);
        return Reflect.get(target, key, receiver);
      },
    }) as Row<S>;
  }

  private next<T extends SchemaSpec>(plan: RelationNode): Relation<T> {
    return new Relation<T>(plan);
  }

  /** Rows where `predicate` is true (rows where it is null are dropped, as in SQL). */
  filter(predicate: (r: Row<S>) => Expr<'bool' | 'bool?'>): Relation<S> {
    const build = requireCallback<(r: Row<S>) => unknown>(predicate, 'filter', 'r => r.price.gt(10)');
    return this.next(makeNode('filter', { predicate: requirePredicate(build(this.columns), 'filter').node }, [this.plan]) as RelationNode);
  }

  /**
   * Rows where every named column is non-null; TypeScript types those columns non-null
   * from here on (e.g. before using them as numeric matrix features). The plan's schema
   * keeps them nullable, as any filter does: rewrites may move the filter, and the
   * executor checks actual values where nulls matter.
   */
  dropNulls<K extends Names<S>>(...columns: K[]): Relation<Simplify<{ [N in keyof S]: N extends K ? BaseOf<S[N]> : S[N] }>> {
    if (columns.length === 0) throw new PlanError('dropNulls', 'expected at least one column');
    const predicate = conjunction(columns.map((c) => unary('isNotNull', this.columnNode(c, 'dropNulls'))));
    return this.next(makeNode('filter', { predicate }, [this.plan]) as RelationNode);
  }

  /** Keeps the named columns, or computes new ones: `select(r => ({ total: r.price.mul(r.qty) }))`. */
  select<K extends Names<S>>(...columns: K[]): Relation<Simplify<Pick<S, K>>>;
  select<O extends Record<string, Expr<any>>>(build: (r: Row<S>) => O): Relation<{ [N in keyof O]: SpecOf<O[N]> }>;
  select(...args: unknown[]): Relation<any> {
    const columns =
      typeof args[0] === 'function'
        ? requireNamedEntries((args[0] as (r: Row<S>) => unknown)(this.columns), 'select', 'r => ({ total: r.price.mul(r.qty) })').map(([name, e]) => ({ name, expr: requireExpr(e, 'select', name).node }))
        : args.map((name) => {
            if (typeof name !== 'string') throw new TypeMismatchError('select', `expected column names or one function of the row (r => ({ total: r.price.mul(r.qty) })), got ${describeJsValue(name)}`);
            return { name, expr: this.columnNode(name, 'select') };
          });
    return this.next(makeNode('project', { columns }, [this.plan]) as RelationNode);
  }

  /** Adds (or replaces) one computed column. */
  withColumn<N extends string, C extends ColSpec>(name: N, build: (r: Row<S>) => Expr<C>): Relation<Simplify<Omit<S, N> & { [K in N]: C }>> {
    const expr = requireExpr(requireCallback<(r: Row<S>) => unknown>(build, 'withColumn', 'r => r.price.mul(r.qty)')(this.columns), 'withColumn', name).node;
    const kept = this.schema.fields.filter((f) => f.name !== name).map((f) => ({ name: f.name, expr: columnRef(f.name, f) }));
    return this.next(makeNode('project', { columns: [...kept, { name, expr }] }, [this.plan]) as RelationNode);
  }

  /**
   * Equi-join on columns named the same on both sides (merged into one output column).
   * `how`: 'inner' (default), 'left' (right columns become nullable), 'right' (left columns
   * become nullable; a key holds the right key where no left row matched), 'full' (both),
   * 'semi', 'anti'. Null keys never match; an outer join keeps their rows unmatched.
   */
  join<R extends SchemaSpec, K extends Names<S> & Names<R>, How extends JoinKind = 'inner'>(
    right: Relation<R>,
    on: K | readonly K[],
    how?: How,
    ...check: JoinCheck<S, R, K>
  ): Relation<JoinResult<S, R, K, How>> {
    void check;
    const keys = typeof on === 'string' ? [on] : [...on];
    return this.next(makeNode('join', { how: how ?? 'inner', leftKeys: keys, rightKeys: keys }, [this.plan, right.plan]) as RelationNode);
  }

  /**
   * Equi-join on differently named keys: `joinOn(stores, { left: ['store_id'], right: ['id'] })`.
   * A left and a right key at the same position with the same name are merged into one
   * output column, as `join` does (USING semantics); every other right column is kept, so a
   * right column named like a left column that is not its merged key does not compile (and
   * is a PlanError at plan build). Key lists written as array literals are typed as tuples
   * and paired by position; for lists typed as plain arrays the pairing is approximated by
   * treating a right key as merged when its name is a left key's.
   */
  joinOn<R extends SchemaSpec, const LK extends readonly Names<S>[], const RK extends readonly Names<R>[], How extends JoinKind = 'inner'>(
    right: Relation<R>,
    on: { left: LK; right: RK },
    how?: How,
    ...check: JoinOnCheck<S, R, LK, RK, How>
  ): Relation<JoinResult<S, R, MergedKeys<LK, RK>, How>> {
    void check;
    return this.next(makeNode('join', { how: how ?? 'inner', leftKeys: [...on.left], rightKeys: [...on.right] }, [this.plan, right.plan]) as RelationNode);
  }

  groupBy<K extends Names<S>>(...keys: K[]): GroupedRelation<S, K> {
    return new GroupedRelation(this, keys);
  }

  /** Aggregates over all rows (one output row, also for an empty input). */
  aggregate<A extends Record<string, Agg<any>>>(build: (r: Row<S>) => A): Relation<{ [N in keyof A]: SpecOf<A[N]> }> {
    return new GroupedRelation<S, never>(this, []).agg(build) as Relation<{ [N in keyof A]: SpecOf<A[N]> }>;
  }

  /** Sorts by keys; a bare expression sorts ascending; nulls sort last unless asked otherwise. */
  orderBy(keys: (r: Row<S>) => SortSpec | readonly SortSpec[]): Relation<S>;
  orderBy(...columns: Names<S>[]): Relation<S>;
  orderBy(...args: unknown[]): Relation<S> {
    const specs: SortSpec[] =
      typeof args[0] === 'function' ? [(args[0] as (r: Row<S>) => SortSpec | SortSpec[])(this.columns)].flat() : (args as string[]).map((n) => new Expr(this.columnNode(n, 'orderBy')));
    const keys: SortKey[] = specs.map((s) => (s instanceof Sort ? s.key : { expr: s.node, descending: false, nullsFirst: false }));
    return this.next(makeNode('sort', { keys }, [this.plan]) as RelationNode);
  }

  limit(limit: number, offset = 0): Relation<S> {
    return this.next(makeNode('limit', { limit, offset }, [this.plan]) as RelationNode);
  }

  offset(offset: number): Relation<S> {
    return this.next(makeNode('limit', { limit: null, offset }, [this.plan]) as RelationNode);
  }

  distinct(): Relation<S> {
    return this.next(makeNode('distinct', {}, [this.plan]) as RelationNode);
  }

  /** All rows of both relations (same column names and types, in the same order): SQL's UNION ALL. */
  unionAll(other: Relation<S>): Relation<S> {
    return this.next(makeNode('union', {}, [this.plan, other.plan]) as RelationNode);
  }

  /** The distinct rows of both relations, as SQL's UNION (nulls equal each other): `unionAll(other).distinct()`. */
  union(other: Relation<S>): Relation<S> {
    return this.unionAll(other).distinct();
  }

  /**
   * Checks expectations on every row in one pass (`checks.notNull('id')`, `checks.range(...)`,
   * ...; docs/validation.md) and applies `policy` to failing rows: 'error' (default) throws
   * a ValidationError, 'warn' keeps them, 'drop' removes them, 'quarantine' moves them
   * aside. `.relation` goes on into the pipeline; `.collect()` returns the kept rows, the
   * report and the quarantine.
   */
  validate(expectations: readonly ExpectationSpec[], options: ValidateOptions = {}): Validated<S> {
    return validateRelation(this, expectations, options);
  }

  /**
   * The chosen columns as a matrix, one row per relation row. One-hot categories are
   * taken from the source when not given, so the column count is fixed while planning.
   */
  toMatrix<const F extends readonly FeatureInput<S>[], I extends boolean = false>(
    features: F,
    options: { intercept?: I; dtype?: MatrixDType } = {},
  ): Matrix<number, FeatureCols<F, I>> {
    const resolved = features.map((f) => this.feature(f as FeatureInput<SchemaSpec>));
    return new Matrix(makeNode('toMatrix', { features: resolved, intercept: options.intercept === true, dtype: options.dtype ?? 'float64' }, [this.plan]) as never);
  }

  private feature(f: FeatureInput<SchemaSpec>): Feature {
    if (typeof f === 'string') return { column: f, encoding: 'numeric' };
    if ('standardize' in f) return { column: f.standardize, encoding: 'standardize' };
    if ('hash' in f) return { column: f.hash, encoding: 'hash', buckets: f.buckets };
    const categories = f.categories ?? columnCategories(this.plan, f.onehot);
    if (!categories) {
      throw new PlanError('toMatrix', `cannot tell the categories of column '${f.onehot}' while planning (it is computed, or its source cannot list them); pass { onehot: '${f.onehot}', categories: [...] }`);
    }
    return { column: f.onehot, encoding: 'onehot', categories: withoutBaseline(f, categories) };
  }

  /** Appends a matrix computed row by row from this relation (e.g. predictions) as float64 columns. */
  withMatrixColumns<const N extends readonly string[]>(m: Matrix<number, number>, names: N): Relation<Simplify<S & MatrixColumnsSchema<N>>> {
    return this.next(makeNode('appendColumns', { names: [...names] }, [this.plan, m.plan]) as RelationNode);
  }

  /**
   * EXPLAIN: the plan as built, the optimized plan with estimated rows/shape and cost
   * per operator, and the rules that fired. `{ verbose: true }` adds output types and
   * the plan after every rule; `{ analyze: true }` runs the plan and adds actual rows,
   * times and bytes (and then returns a Promise); `format: 'json' | 'dot' | 'html'` for tools,
   * graphs and a page to open in a browser.
   */
  explain(options?: ExplainOptions & { analyze?: false }): string;
  explain(options: ExplainOptions & { analyze: true }): Promise<string>;
  explain(options?: ExplainOptions): string | Promise<string>;
  explain(options: ExplainOptions = {}): string | Promise<string> {
    checkOptions('explain', options, EXPLAIN_OPTIONS);
    return explainPlan(this.plan, options);
  }

  /**
   * The pipeline as one DuckDB SQL query (docs/sql.md): scans read the table named after
   * their source unless `table` names another. A SqlUnsupportedError names an operator or
   * expression SQL cannot compute exactly as Tessera does.
   */
  toSQL(options?: SqlCompileOptions): string {
    return compileSql(this.plan, options);
  }

  /** Optimizes and runs the pipeline; returns its result as an Arrow table. */
  async collect(options?: RunOptions): Promise<Table> {
    checkOptions('collect', options, RUN_OPTIONS);
    return collectPlan(this.plan, options);
  }

  /**
   * Runs the pipeline and writes its result as a Parquet file (nullable columns OPTIONAL,
   * the others REQUIRED; strings UTF8, dates DATE), one row group at a time.
   */
  async writeParquet(path: string, options?: RunOptions & ParquetWriteOptions): Promise<WriteResult> {
    checkOptions('writeParquet', options, { ...RUN_OPTIONS, ...PARQUET_WRITE_OPTIONS });
    return writePlan(this.plan, path, (p, schema, batches) => writeParquetFile(p, schema, batches, options), options);
  }

  /** Runs the pipeline and writes its result as CSV (a null is an unquoted empty field by default; see src/io/write-csv.ts). */
  async writeCsv(path: string, options?: RunOptions & CsvWriteOptions): Promise<WriteResult> {
    checkOptions('writeCsv', options, { ...RUN_OPTIONS, ...CSV_WRITE_OPTIONS });
    return writePlan(this.plan, path, (p, schema, batches) => writeCsvFile(p, schema, batches, options), options);
  }

  /** Runs the pipeline and writes its result as an Arrow IPC file (Feather v2), one record batch at a time. */
  async writeArrow(path: string, options?: RunOptions): Promise<WriteResult> {
    checkOptions('writeArrow', options, RUN_OPTIONS);
    return writePlan(this.plan, path, writeArrowFile, options);
  }

  /**
   * Optimizes and runs the pipeline; returns its rows as plain objects (for small results).
   * int64 columns (counts, int64 sources) are numbers here, exact since Tessera's int64
   * holds integers within ±2^53; `{ int64: 'bigint' }` gives bigints, as the Arrow table
   * of `collect()` does (Arrow's JavaScript library reads Int64 as bigint).
   */
  async collectRows(options?: RowsOptions): Promise<Record<string, unknown>[]> {
    checkOptions('collectRows', options, ROWS_OPTIONS);
    return collectPlanRows(this.plan, options);
  }

  /** Runs the pipeline and prints its result as a box of columns, types and rows (see `formatTable`). */
  async show(options?: RunOptions & ShowOptions): Promise<void> {
    checkOptions('show', options, { ...RUN_OPTIONS, ...SHOW_OPTIONS });
    show(await collectPlan(this.plan, options), options);
  }

  private columnNode(name: string, operator: string): ExprNode {
    const f = requireField(this.schema, name, operator);
    return columnRef(f.name, f);
  }
}

export class GroupedRelation<S extends SchemaSpec, K extends Names<S>> {
  constructor(
    private readonly input: Relation<S>,
    private readonly keys: readonly K[],
  ) {
    for (const k of keys) requireField(input.schema, k, 'groupBy');
  }

  /** One row per group: the keys, then each named aggregate. */
  agg<A extends Record<string, Agg<any>>>(build: (r: Row<S>) => A): Relation<Simplify<Pick<S, K> & { [N in keyof A]: SpecOf<A[N]> }>> {
    const method = this.keys.length === 0 ? 'aggregate' : 'agg';
    const entries = requireNamedEntries(requireCallback<(r: Row<S>) => unknown>(build, method, 'r => ({ total: r.price.sum() })')(this.input.columns), method, 'r => ({ total: r.price.sum() })');
    const aggregates: NamedAggregate[] = entries.map(([name, a]) => ({ name, aggregate: requireAgg(a, method, name).expr }));
    if (aggregates.length === 0 && this.keys.length === 0) throw new PlanError('aggregate', 'expected at least one group key or aggregate');
    return new Relation(makeNode('aggregate', { groupBy: [...this.keys], aggregates }, [this.input.plan]) as RelationNode);
  }
}

/** The one-hot categories less the baseline `dropFirst` or `reference` names, if any. */
function withoutBaseline(f: { readonly onehot: string; readonly dropFirst?: boolean; readonly reference?: string }, categories: readonly string[]): readonly string[] {
  if (f.dropFirst && f.reference !== undefined) throw new PlanError('toMatrix', `onehot '${f.onehot}': pass dropFirst or reference, not both`);
  if (f.reference !== undefined) {
    const at = categories.indexOf(f.reference);
    if (at < 0) throw new PlanError('toMatrix', `onehot '${f.onehot}': the reference category '${f.reference}' is not one of its categories (${categories.slice(0, 10).map((c) => `'${c}'`).join(', ')}${categories.length > 10 ? ', …' : ''})`);
    return categories.filter((_, i) => i !== at);
  }
  return f.dropFirst ? categories.slice(1) : categories;
}
