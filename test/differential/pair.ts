/**
 * Paired construction of a Tessera pipeline and the equivalent DuckDB SQL.
 *
 * Every helper here takes one decision (an operator, an operand, a literal) and applies
 * it twice: once through Tessera's public DSL, once as SQL text written from the
 * documented semantics (not from Tessera's plan), so that a mistake in the DSL, the
 * planner or an executor shows up as a difference with DuckDB.
 *
 * Semantic mapping (Tessera → DuckDB SQL):
 * - integer + - * widen to int64: operands are CAST to BIGINT (DuckDB would keep INTEGER);
 * - `/` is float division: both operands CAST to DOUBLE (x/0 = ±Infinity, 0/0 = NaN in both);
 * - `%` by zero is null: integer `%` is null in DuckDB too; for floats DuckDB gives NaN, so the
 *   SQL uses `a % NULLIF(b, 0)` (documented Tessera semantics, listed as an accepted difference);
 * - neg/abs of int32 give int64: CAST to BIGINT first;
 * - a plain JS number next to a numeric operand takes the operand's type when it is an
 *   integer and the operand an integer type, else float64 (src/dsl docs);
 * - cast is TRY_CAST; sorts name their null placement explicitly (Tessera: nulls last);
 * - semi/anti joins are EXISTS / NOT EXISTS (or DuckDB's SEMI JOIN), so null keys never match;
 * - right and full joins merge a USING key as COALESCE(left key, right key).
 */
import { DuckDBDateValue } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { type Agg, type Expr, type Relation, count, fromArrow, fromColumns, lit, readArrowFile, readCsv, readParquet, when } from '../../src/index.js';
import type { DType } from '../../src/index.js';

// ---------------------------------------------------------------- tables

export type BaseDType = 'int32' | 'int64' | 'float64' | 'string' | 'bool' | 'date';
/** A cell of a generated table; dates are days since 1970-01-01; int64 values are numbers within ±2^53 (Tessera's exact int64 range). */
export type Cell = number | string | boolean | null;

const MS_PER_DAY = 86_400_000;
export const dayToDate = (days: number) => new Date(days * MS_PER_DAY);
export const dayToIso = (days: number) => dayToDate(days).toISOString().slice(0, 10);

export interface ColDef {
  readonly name: string;
  readonly dtype: BaseDType;
  readonly nullable: boolean;
}

/** One generated input table, loaded identically into Tessera and DuckDB. */
export interface TableData {
  /** Logical name (L, R, ...), shown in failure reports. */
  readonly name: string;
  /** Table name in DuckDB: unique per case. */
  readonly sqlName: string;
  readonly cols: readonly ColDef[];
  /** Column-major values. */
  readonly columns: readonly (readonly Cell[])[];
  readonly length: number;
  /**
   * How Tessera reads it: plain columns (one batch), an Arrow table (several record
   * batches), or a file written from the DuckDB table (CSV, Parquet: DuckDB's COPY) or
   * from the Arrow table (Arrow IPC), read back with readCsv / readParquet / readArrowFile
   * and the declared schema (see TableFile: the harness writes the file when it runs the case).
   */
  readonly format: TableFormat;
  /** Record-batch sizes for the Arrow format (may contain empty batches). */
  readonly chunks: readonly number[];
  /** Arrow string encoding. */
  readonly stringEncoding: 'utf8' | 'dictionary';
  /** fromColumns: pass non-null int32/float64 columns as typed arrays (zero copy). */
  readonly typedArrays: boolean;
  /** Declared primary key (the generator only declares one over columns whose values are unique and non-null). */
  readonly primaryKey?: readonly string[];
}

export type TableFormat = 'columns' | 'arrow' | 'csv' | 'parquet' | 'ipc';
/** Formats read from a file: their columns are all declared nullable (DuckDB writes every Parquet column OPTIONAL). */
export const FILE_FORMATS: readonly TableFormat[] = ['csv', 'parquet', 'ipc'];
export const isFileFormat = (f: TableFormat): f is 'csv' | 'parquet' | 'ipc' => FILE_FORMATS.includes(f);

export const SQL_TYPE: Record<DType, string> = {
  int32: 'INTEGER',
  int64: 'BIGINT',
  float64: 'DOUBLE',
  float32: 'FLOAT',
  bool: 'BOOLEAN',
  string: 'VARCHAR',
  date: 'DATE',
};

function arrowType(d: BaseDType, enc: 'utf8' | 'dictionary'): arrow.DataType {
  switch (d) {
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'float64':
      return new arrow.Float64();
    case 'bool':
      return new arrow.Bool();
    case 'date':
      return new arrow.DateDay();
    case 'string':
      return enc === 'utf8' ? new arrow.Utf8() : new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  }
}

/** The generated table as an Arrow table, in its record batches. */
export function arrowTable(t: TableData): arrow.Table {
  const schema = new arrow.Schema(t.cols.map((c) => new arrow.Field(c.name, arrowType(c.dtype, t.stringEncoding), c.nullable)));
  const batches: arrow.RecordBatch[] = [];
  let at = 0;
  for (const n of t.chunks) {
    const children = t.cols.map((c, j) => {
      const values = t.columns[j].slice(at, at + n).map((v) => (v === null ? v : c.dtype === 'date' ? dayToDate(v as number) : c.dtype === 'int64' ? BigInt(v as number) : v));
      return arrow.vectorFromArray(values as never[], arrowType(c.dtype, t.stringEncoding)).data[0];
    });
    batches.push(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children })));
    at += n;
  }
  return new arrow.Table(schema, batches);
}

/** Appends one cell to a DuckDB appender. */
export function appendCell(
  app: { appendNull(): void; appendInteger(v: number): void; appendBigInt(v: bigint): void; appendDouble(v: number): void; appendBoolean(v: boolean): void; appendVarchar(v: string): void; appendDate(v: DuckDBDateValue): void },
  dtype: BaseDType,
  v: Cell,
): void {
  if (v === null) app.appendNull();
  else if (dtype === 'int32') app.appendInteger(v as number);
  else if (dtype === 'int64') app.appendBigInt(BigInt(v as number));
  else if (dtype === 'float64') app.appendDouble(v as number);
  else if (dtype === 'bool') app.appendBoolean(v as boolean);
  else if (dtype === 'date') app.appendDate(new DuckDBDateValue(v as number));
  else app.appendVarchar(v as string);
}

/** The column types of a table, as a Tessera schema (`int32?` for a nullable column). */
export function schemaOf(t: TableData): Record<string, string> {
  return Object.fromEntries(t.cols.map((c) => [c.name, c.nullable ? `${c.dtype}?` : c.dtype]));
}

/**
 * The Tessera relation over a generated table. A file format reads `path` (the file the
 * harness wrote, see run.ts); without one, the plain columns stand in, with the same
 * schema, so that the pipeline can be built before the file exists.
 */
export function tesseraTable(t: TableData, path?: string): Relation<any> {
  const primaryKey = t.primaryKey ? [...t.primaryKey] : undefined;
  if (path !== undefined && isFileFormat(t.format)) {
    const options = { name: t.name, primaryKey, schema: schemaOf(t) as never };
    const rel = t.format === 'csv' ? readCsv(path, options) : t.format === 'parquet' ? readParquet(path, options) : readArrowFile(path, options);
    return rel as unknown as Relation<any>;
  }
  if (t.format === 'arrow') return fromArrow(arrowTable(t), { name: t.name, primaryKey }) as unknown as Relation<any>;
  const cols: Record<string, unknown> = {};
  const types: Record<string, string> = {};
  t.cols.forEach((c, j) => {
    const values = t.columns[j];
    const noNulls = values.every((v) => v !== null);
    if (t.typedArrays && !c.nullable && noNulls && c.dtype === 'int32') cols[c.name] = Int32Array.from(values as number[]);
    else if (t.typedArrays && !c.nullable && noNulls && c.dtype === 'float64') cols[c.name] = Float64Array.from(values as number[]);
    else if (c.dtype === 'date') cols[c.name] = values.map((v) => (v === null ? null : dayToDate(v as number)));
    else cols[c.name] = [...values];
    types[c.name] = c.nullable ? `${c.dtype}?` : c.dtype;
  });
  return fromColumns(cols as never, { name: t.name, types: types as never, primaryKey }) as unknown as Relation<any>;
}

/** `CREATE TABLE` for DuckDB (rows are added with an appender). */
export function createTableSql(t: TableData): string {
  return `CREATE TABLE ${ident(t.sqlName)} (${t.cols.map((c) => `${ident(c.name)} ${SQL_TYPE[c.dtype]}`).join(', ')})`;
}

// ---------------------------------------------------------------- SQL text

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function sqlNumber(v: number): string {
  if (Number.isNaN(v)) return `'NaN'`;
  if (v === Infinity) return `'Infinity'`;
  if (v === -Infinity) return `'-Infinity'`;
  return String(v);
}

/** A typed SQL literal. */
export function sqlLiteral(v: Cell, dtype: DType): string {
  if (v === null) return `CAST(NULL AS ${SQL_TYPE[dtype]})`;
  if (dtype === 'string') return sqlString(String(v));
  if (dtype === 'bool') return v ? 'TRUE' : 'FALSE';
  if (dtype === 'date') return `CAST('${dayToIso(v as number)}' AS DATE)`;
  return `CAST(${sqlNumber(v as number)} AS ${SQL_TYPE[dtype]})`;
}

// ---------------------------------------------------------------- expressions

/** One expression, as Tessera builds it and as SQL text. */
export interface GE {
  readonly e: Expr<any>;
  readonly sql: string;
}

export type DTypeOf = DType;
export const dtypeOf = (g: GE): DType => g.e.node.type.dtype;
export const nullableOf = (g: GE): boolean => g.e.node.type.nullable;
const isInt = (d: DType) => d === 'int32' || d === 'int64';
const isFloat = (d: DType) => d === 'float64' || d === 'float32';
export const isNum = (d: DType) => isInt(d) || isFloat(d);

/** A JS value given directly to a DSL method. */
export type JsOperand = number | string | boolean | null;

/** The documented type of a plain JS operand next to an operand of dtype `like`. */
export function jsOperandDType(v: JsOperand, like: DType): DType {
  if (v === null) return like;
  if (typeof v === 'number') return isNum(like) ? (Number.isInteger(v) && !isFloat(like) ? like : 'float64') : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

type Operand = GE | JsOperand;
const isGE = (o: Operand): o is GE => o !== null && typeof o === 'object';

function operandSql(o: Operand, like: DType): { sql: string; dtype: DType } {
  if (isGE(o)) return { sql: o.sql, dtype: dtypeOf(o) };
  const d = jsOperandDType(o, like);
  return { sql: sqlLiteral(o, d), dtype: d };
}

const operandE = (o: Operand): any => (isGE(o) ? o.e : o);

export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'mod';
export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
const CMP_SQL: Record<CmpOp, string> = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };
const ARITH_SQL: Record<ArithOp, string> = { add: '+', sub: '-', mul: '*', div: '/', mod: '%' };

const asBigint = (s: string) => `CAST(${s} AS BIGINT)`;
const asDouble = (s: string) => `CAST(${s} AS DOUBLE)`;

/** Paired expression constructors. */
export const X = {
  col(q: Q, name: string): GE {
    const e = q.rel.columns[name];
    if (!e) throw new Error(`generator bug: no column ${name}`);
    return { e, sql: ident(name) };
  },
  lit(v: Cell, dtype: DType): GE {
    const value = dtype === 'date' && v !== null ? dayToDate(v as number) : v;
    return { e: lit(value as never, dtype), sql: sqlLiteral(v, dtype) };
  },
  arith(op: ArithOp, a: GE, b: Operand): GE {
    const l = { sql: a.sql, dtype: dtypeOf(a) };
    const r = operandSql(b, l.dtype);
    let sql: string;
    if (op === 'div') sql = `(${asDouble(l.sql)} / ${asDouble(r.sql)})`;
    else if (op === 'mod') {
      if (l.dtype === 'int32' && r.dtype === 'int32') sql = `(${l.sql} % ${r.sql})`;
      else if (isInt(l.dtype) && isInt(r.dtype)) sql = `(${asBigint(l.sql)} % ${asBigint(r.sql)})`;
      else sql = `(${asDouble(l.sql)} % NULLIF(${asDouble(r.sql)}, 0))`;
    } else if (isInt(l.dtype) && isInt(r.dtype)) sql = `(${asBigint(l.sql)} ${ARITH_SQL[op]} ${asBigint(r.sql)})`;
    else sql = `(${l.sql} ${ARITH_SQL[op]} ${r.sql})`;
    return { e: (a.e as any)[op](operandE(b)), sql };
  },
  neg(a: GE): GE {
    const s = isInt(dtypeOf(a)) ? asBigint(a.sql) : a.sql;
    return { e: (a.e as any).neg(), sql: `(-(${s}))` };
  },
  abs(a: GE): GE {
    const s = isInt(dtypeOf(a)) ? asBigint(a.sql) : a.sql;
    return { e: (a.e as any).abs(), sql: `abs(${s})` };
  },
  cmp(op: CmpOp, a: GE, b: Operand): GE {
    const r = operandSql(b, dtypeOf(a));
    return { e: (a.e as any)[op](operandE(b)), sql: `(${a.sql} ${CMP_SQL[op]} ${r.sql})` };
  },
  and(a: GE, b: GE | boolean): GE {
    const r = operandSql(b, 'bool');
    return { e: (a.e as any).and(operandE(b)), sql: `(${a.sql} AND ${r.sql})` };
  },
  or(a: GE, b: GE | boolean): GE {
    const r = operandSql(b, 'bool');
    return { e: (a.e as any).or(operandE(b)), sql: `(${a.sql} OR ${r.sql})` };
  },
  not(a: GE): GE {
    return { e: (a.e as any).not(), sql: `(NOT ${a.sql})` };
  },
  isNull(a: GE): GE {
    return { e: a.e.isNull(), sql: `(${a.sql} IS NULL)` };
  },
  isNotNull(a: GE): GE {
    return { e: a.e.isNotNull(), sql: `(${a.sql} IS NOT NULL)` };
  },
  coalesce(a: GE, ...others: Operand[]): GE {
    const like = dtypeOf(a);
    return { e: (a.e as any).coalesce(...others.map(operandE)), sql: `COALESCE(${[a.sql, ...others.map((o) => operandSql(o, like).sql)].join(', ')})` };
  },
  cast(a: GE, to: DType): GE {
    // DuckDB prints the NaN of 0/0 (sign bit set) as '-nan', Tessera every NaN as 'nan' (see
    // compare.ts): spelled 'nan' here, so that the text also sorts and compares alike (fuzz seed 20729).
    if (to === 'string' && isFloat(dtypeOf(a))) return { e: a.e.cast(to), sql: `(CASE WHEN isnan(${a.sql}) THEN 'nan' ELSE TRY_CAST(${a.sql} AS VARCHAR) END)` };
    return { e: a.e.cast(to), sql: `TRY_CAST(${a.sql} AS ${SQL_TYPE[to]})` };
  },
  /** CASE WHEN; branch values and `otherwise` are expressions (JS values typed after the first branch). */
  caseWhen(branches: readonly [GE, Operand][], otherwise: Operand): GE {
    const like = isGE(branches[0][1]) ? dtypeOf(branches[0][1]) : jsOperandDType(branches[0][1], 'float64');
    let w: any = when(branches[0][0].e as any, operandE(branches[0][1]));
    for (const [c, v] of branches.slice(1)) w = w.when(c.e, operandE(v));
    const sql = `(CASE ${branches.map(([c, v]) => `WHEN ${c.sql} THEN ${operandSql(v, like).sql}`).join(' ')} ELSE ${operandSql(otherwise, like).sql} END)`;
    return { e: w.otherwise(operandE(otherwise)), sql };
  },
};

// ---------------------------------------------------------------- aggregates

export interface GA {
  readonly agg: Agg<any>;
  readonly sql: string;
}

export const A = {
  countStar(): GA {
    return { agg: count(), sql: 'count(*)' };
  },
  /** count(x): the method now and then, the free function `count(x)` otherwise. */
  count(a: GE, asFunction = false): GA {
    return { agg: asFunction ? count(a.e) : a.e.count(), sql: `count(${a.sql})` };
  },
  /** stddev/variance (sample) and their population forms, as DuckDB's stddev_samp, var_samp, stddev_pop, var_pop. */
  deviation(fn: 'stddev' | 'variance' | 'stddevPop' | 'variancePop', a: GE): GA {
    const sql = { stddev: 'stddev_samp', variance: 'var_samp', stddevPop: 'stddev_pop', variancePop: 'var_pop' }[fn];
    return { agg: (a.e as any)[fn](), sql: `${sql}(${a.sql})` };
  },
  countDistinct(a: GE): GA {
    return { agg: a.e.countDistinct(), sql: `count(DISTINCT ${a.sql})` };
  },
  sum(a: GE): GA {
    return { agg: (a.e as any).sum(), sql: `sum(${a.sql})` };
  },
  mean(a: GE): GA {
    return { agg: (a.e as any).mean(), sql: `avg(${a.sql})` };
  },
  min(a: GE): GA {
    return { agg: a.e.min(), sql: `min(${a.sql})` };
  },
  max(a: GE): GA {
    return { agg: a.e.max(), sql: `max(${a.sql})` };
  },
};

// ---------------------------------------------------------------- pipelines

/** How a result may be compared: as a multiset, as a sequence, or a multiset whose key columns come in order. */
export type Order = { readonly kind: 'none' } | { readonly kind: 'total' } | { readonly kind: 'keys'; readonly columns: readonly string[] };

/** A pipeline: the Tessera relation and the SQL query that should return the same rows. */
export interface Q {
  readonly rel: Relation<any>;
  readonly sql: string;
  readonly order: Order;
  /** Set when the last operators are a sort and limits, so that a further limit composes in SQL. */
  readonly sorted?: { readonly inner: string; readonly orderBy: string; readonly limit: number | null; readonly offset: number; readonly total: boolean };
  /** Operator trail, for failure reports. */
  readonly ops: readonly string[];
  /** The table a scan reads (a leaf). */
  readonly table?: TableData;
  /**
   * How an operator was applied: its inputs, and the same operator (same expressions, same
   * choices) over other inputs. Rebuilding the tree with some inputs replaced gives the
   * round trips through files and the minimizer (see rebuild); a replacement that does
   * not fit (a column gone, another type) throws while building, as the DSL checks it.
   */
  readonly step?: { readonly inputs: readonly Q[]; readonly redo: (inputs: readonly Q[]) => Q };
}

/**
 * The pipeline `q` with `replace` applied to each subpipeline (inputs first; a subpipeline
 * it maps to itself, or to undefined, is kept and its ancestors rebuilt over the new
 * inputs). A subpipeline shared by two parents (a self join) is rebuilt once.
 */
export function rebuild(q: Q, replace: (q: Q) => Q | undefined): Q {
  const memo = new Map<Q, Q>();
  /** Replacements: their inputs are rebuilt in turn, but they are not replaced again. */
  const placed = new Set<Q>();
  const go = (n: Q): Q => {
    const hit = memo.get(n);
    if (hit) return hit;
    const r = placed.has(n) ? undefined : replace(n);
    let out: Q;
    if (r !== undefined && r !== n) {
      placed.add(r);
      out = go(r);
    }
    else if (n.step) {
      const inputs = n.step.inputs.map(go);
      out = inputs.every((x, i) => x === n.step!.inputs[i]) ? n : n.step.redo(inputs);
    } else out = n;
    memo.set(n, out);
    return out;
  };
  return go(q);
}

/** Every subpipeline of `q` (each once), inputs before the pipelines that read them. */
export function subpipelines(q: Q, out: Q[] = [], seen = new Set<Q>()): Q[] {
  if (seen.has(q)) return out;
  seen.add(q);
  for (const c of q.step?.inputs ?? []) subpipelines(c, out, seen);
  out.push(q);
  return out;
}

/** The tables `q` scans. */
export function tablesOf(q: Q): TableData[] {
  return [...new Set(subpipelines(q).flatMap((n) => (n.table ? [n.table] : [])))];
}

export const fieldsOf = (q: Q) => q.rel.schema.fields;
export const namesOf = (q: Q) => q.rel.schema.fields.map((f) => f.name);

export interface SortKeySpec {
  readonly key: GE;
  readonly desc: boolean;
  /** undefined: the DSL default (nulls last), written without options. */
  readonly nullsFirst?: boolean;
  /** Column keys may be passed by name (`orderBy('a', 'b')`) when every key is an ascending column. */
  readonly column?: string;
  /** An ascending key with default nulls given as a bare expression instead of `.asc()`. */
  readonly bare?: boolean;
}

export type JoinKind = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti';
const JOIN_SQL: Record<'inner' | 'left' | 'right' | 'full', string> = { inner: 'INNER', left: 'LEFT', right: 'RIGHT', full: 'FULL OUTER' };

/** Builds pipelines with unique SQL aliases. */
export class Builder {
  private n = 0;

  alias(): string {
    return `q${this.n++}`;
  }

  /** A scan of `t` (of its file at `path`, for a file format: see tesseraTable). */
  scan(t: TableData, path?: string): Q {
    const cols = t.cols.map((c) => ident(c.name)).join(', ');
    const how = isFileFormat(t.format) ? ` (${t.format}${path === undefined ? ', not written yet' : ''})` : '';
    return { rel: tesseraTable(t, path), sql: `SELECT ${cols} FROM ${ident(t.sqlName)}`, order: { kind: 'none' }, ops: [`scan ${t.name}${how}`], table: t };
  }

  filter(q: Q, pred: GE): Q {
    return {
      rel: q.rel.filter(() => pred.e as any),
      sql: `SELECT * FROM (${q.sql}) AS ${this.alias()} WHERE ${pred.sql}`,
      order: { kind: 'none' },
      ops: [...q.ops, `filter ${pred.sql}`],
      step: { inputs: [q], redo: ([i]) => this.filter(i, pred) },
    };
  }

  /**
   * Projection: each entry is a name and an expression; an entry whose expression is the
   * column of the same name is a passthrough. `byName` uses `select('a', 'b')`.
   */
  select(q: Q, cols: readonly { name: string; g: GE }[], byName = false): Q {
    const rel = byName ? q.rel.select(...(cols.map((c) => c.name) as never[])) : q.rel.select(() => Object.fromEntries(cols.map((c) => [c.name, c.g.e])) as never);
    const list = cols.map((c) => (c.g.sql === ident(c.name) ? c.g.sql : `${c.g.sql} AS ${ident(c.name)}`)).join(', ');
    return {
      rel: rel as Relation<any>,
      sql: `SELECT ${list} FROM (${q.sql}) AS ${this.alias()}`,
      order: { kind: 'none' },
      ops: [...q.ops, `select ${cols.map((c) => c.name).join(',')}`],
      step: { inputs: [q], redo: ([i]) => this.select(i, cols, byName) },
    };
  }

  /** withColumn: replaces (moving it last) or appends a column. */
  withColumn(q: Q, name: string, g: GE): Q {
    const kept = namesOf(q).filter((n) => n !== name).map(ident);
    return {
      rel: q.rel.withColumn(name, () => g.e as any) as Relation<any>,
      sql: `SELECT ${[...kept, `${g.sql} AS ${ident(name)}`].join(', ')} FROM (${q.sql}) AS ${this.alias()}`,
      order: { kind: 'none' },
      ops: [...q.ops, `withColumn ${name}`],
      step: { inputs: [q], redo: ([i]) => this.withColumn(i, name, g) },
    };
  }

  /**
   * Equi-join. `keys` names columns present on both sides (USING semantics: the right key is
   * dropped), or `{ left, right }` for joinOn (both kept). `semiSql` picks the SQL spelling.
   */
  join(left: Q, right: Q, how: JoinKind, keys: readonly string[] | { left: readonly string[]; right: readonly string[] }, semiSql: 'exists' | 'keyword' = 'exists'): Q {
    const named = Array.isArray(keys);
    const lk = named ? (keys as readonly string[]) : (keys as { left: readonly string[] }).left;
    const rk = named ? (keys as readonly string[]) : (keys as { right: readonly string[] }).right;
    // The schemas are only known at run time: the typed join's compile-time checks do not apply.
    const untyped = left.rel as unknown as { join(r: unknown, on: unknown, how: JoinKind): Relation<any> };
    const rel = named ? untyped.join(right.rel, lk.length === 1 ? lk[0] : lk, how) : left.rel.joinOn(right.rel, { left: lk as never, right: rk as never }, how);
    const la = this.alias();
    const ra = this.alias();
    const on = lk.map((k, i) => `${la}.${ident(k)} = ${ra}.${ident(rk[i])}`).join(' AND ');
    let sql: string;
    if (how === 'semi' || how === 'anti') {
      if (semiSql === 'keyword' && how === 'semi') sql = `SELECT ${la}.* FROM (${left.sql}) AS ${la} SEMI JOIN (${right.sql}) AS ${ra} ON ${on}`;
      else sql = `SELECT ${la}.* FROM (${left.sql}) AS ${la} WHERE ${how === 'anti' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM (${right.sql}) AS ${ra} WHERE ${on})`;
    } else {
      const merged = new Set(named ? rk : rk.filter((k, i) => lk[i] === k));
      const rightCols = namesOf(right).filter((n) => !merged.has(n)).map((n) => `${ra}.${ident(n)}`);
      // USING semantics of an outer join that keeps right rows: a merged key is the right key where no left row matched.
      const leftCols = how === 'right' || how === 'full' ? namesOf(left).map((n) => (merged.has(n) ? `COALESCE(${la}.${ident(n)}, ${ra}.${ident(n)}) AS ${ident(n)}` : `${la}.${ident(n)}`)) : [`${la}.*`];
      sql = `SELECT ${[...leftCols, ...rightCols].join(', ')} FROM (${left.sql}) AS ${la} ${JOIN_SQL[how]} JOIN (${right.sql}) AS ${ra} ON ${on}`;
    }
    const label = lk.map((k, i) => (k === rk[i] ? k : `${k}=${rk[i]}`)).join(',');
    return {
      rel: rel as Relation<any>,
      sql,
      order: { kind: 'none' },
      ops: [...left.ops, `${how} join on ${label} with (${right.ops.join(' → ')})`],
      step: { inputs: [left, right], redo: ([l, r]) => this.join(l, r, how, keys, semiSql) },
    };
  }

  /** Group-by (keys may be empty: a global aggregate, spelled `aggregate()` when `global`). */
  aggregate(q: Q, keys: readonly string[], aggs: readonly { name: string; a: GA }[], global = false): Q {
    const build = () => Object.fromEntries(aggs.map((x) => [x.name, x.a.agg]));
    const rel = keys.length === 0 && global ? q.rel.aggregate(build as never) : q.rel.groupBy(...(keys as never[])).agg(build as never);
    const list = [...keys.map(ident), ...aggs.map((x) => `${x.a.sql} AS ${ident(x.name)}`)].join(', ');
    const groupBy = keys.length > 0 ? ` GROUP BY ${keys.map(ident).join(', ')}` : '';
    return {
      rel: rel as Relation<any>,
      sql: `SELECT ${list} FROM (${q.sql}) AS ${this.alias()}${groupBy}`,
      order: { kind: 'none' },
      ops: [...q.ops, `groupBy [${keys.join(',')}] ${aggs.map((x) => `${x.name}=${x.a.sql}`).join(', ')}`],
      step: { inputs: [q], redo: ([i]) => this.aggregate(i, keys, aggs, global) },
    };
  }

  /** Sort; the comparison mode follows from the keys (total when every column is a key). */
  sort(q: Q, keys: readonly SortKeySpec[]): Q {
    const byName = keys.every((k) => k.column !== undefined && !k.desc && k.nullsFirst === undefined && k.bare);
    const rel = byName
      ? q.rel.orderBy(...(keys.map((k) => k.column!) as never[]))
      : q.rel.orderBy(() =>
          keys.map((k) => {
            if (!k.desc && k.nullsFirst === undefined && k.bare) return k.key.e; // a bare expression sorts ascending
            const opts = k.nullsFirst === undefined ? undefined : { nulls: k.nullsFirst ? ('first' as const) : ('last' as const) };
            return k.desc ? k.key.e.desc(opts) : k.key.e.asc(opts);
          }),
        );
    const orderBy = keys.map((k) => `${k.key.sql} ${k.desc ? 'DESC' : 'ASC'} ${k.nullsFirst ? 'NULLS FIRST' : 'NULLS LAST'}`).join(', ');
    const columnKeys = keys.filter((k) => k.column !== undefined).map((k) => k.column!);
    const total = namesOf(q).every((n) => columnKeys.includes(n));
    const order: Order = total ? { kind: 'total' } : columnKeys.length === keys.length ? { kind: 'keys', columns: columnKeys } : { kind: 'none' };
    return {
      rel: rel as Relation<any>,
      sql: `SELECT * FROM (${q.sql}) AS ${this.alias()} ORDER BY ${orderBy}`,
      order,
      sorted: { inner: q.sql, orderBy, limit: null, offset: 0, total },
      ops: [...q.ops, `orderBy ${orderBy}`],
      step: { inputs: [q], redo: ([i]) => this.sort(i, keys) },
    };
  }

  /**
   * limit/offset. Only meaningful after a total sort (any other input has no defined
   * first rows); `force` allows it elsewhere for limits whose result does not depend on
   * the order (limit 0, an offset past the end).
   */
  limit(q: Q, limit: number | null, offset: number, style: 'limit' | 'offset' = 'limit', force = false): Q {
    if (!force && !(q.sorted?.total ?? false)) throw new Error('generator bug: limit without a total order');
    const rel = style === 'offset' && limit === null ? q.rel.offset(offset) : q.rel.limit(limit as number, offset);
    const s = q.sorted;
    let sql: string;
    let sorted: Q['sorted'];
    if (s) {
      // Compose with the limit already applied after the sort: one ORDER BY ... LIMIT in SQL.
      const newOffset = s.offset + offset;
      const rest = s.limit === null ? null : Math.max(s.limit - offset, 0);
      const newLimit = rest === null ? limit : limit === null ? rest : Math.min(rest, limit);
      sql = `SELECT * FROM (${s.inner}) AS ${this.alias()} ORDER BY ${s.orderBy}${newLimit === null ? '' : ` LIMIT ${newLimit}`}${newOffset ? ` OFFSET ${newOffset}` : ''}`;
      sorted = { ...s, limit: newLimit, offset: newOffset };
    } else {
      sql = `SELECT * FROM (${q.sql}) AS ${this.alias()}${limit === null ? '' : ` LIMIT ${limit}`}${offset ? ` OFFSET ${offset}` : ''}`;
    }
    return {
      rel,
      sql,
      order: q.order,
      sorted,
      ops: [...q.ops, style === 'offset' && limit === null ? `offset ${offset}` : `limit ${limit} offset ${offset}`],
      step: { inputs: [q], redo: ([i]) => this.limit(i, limit, offset, style, force) },
    };
  }

  distinct(q: Q): Q {
    return {
      rel: q.rel.distinct(),
      sql: `SELECT DISTINCT * FROM (${q.sql}) AS ${this.alias()}`,
      order: { kind: 'none' },
      ops: [...q.ops, 'distinct'],
      step: { inputs: [q], redo: ([i]) => this.distinct(i) },
    };
  }

  /** UNION ALL, or with `distinct` UNION (`union`: the distinct rows of both). */
  union(a: Q, b: Q, distinct = false): Q {
    return {
      rel: distinct ? a.rel.union(b.rel) : a.rel.unionAll(b.rel),
      sql: `SELECT * FROM ((${a.sql}) UNION${distinct ? '' : ' ALL'} (${b.sql})) AS ${this.alias()}`,
      order: { kind: 'none' },
      ops: [...a.ops, `${distinct ? 'union' : 'unionAll'} (${b.ops.join(' → ')})`],
      step: { inputs: [a, b], redo: ([x, y]) => this.union(x, y, distinct) },
    };
  }
}
