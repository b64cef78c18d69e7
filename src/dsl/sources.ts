import type * as arrow from 'apache-arrow';
import { SourceError } from '../errors.js';
import { type OptionKeys, checkOptions } from '../options.js';
import { type ParquetSourceOptions, arrowTableSource, columnsSource, csvSource, ipcSource, parquetSource } from '../io/index.js';
import { withNonNullColumns } from '../io/non-null.js';
import { type DuckDBConnectionLike, duckdbSource } from '../io/duckdb.js';
import { makeNode, type RelationNode } from '../plan/node.js';
import type { TableSource } from '../plan/source.js';
import { type ColSpec, type DType, type SchemaSpec, formatColumnType, parseColSpec } from '../types/dtype.js';
import { Relation } from './relation.js';

/**
 * Entry points of a pipeline. Sources whose column types TypeScript can see (plain
 * columns, Arrow tables) give typed relations; files give a relation typed by the
 * `schema` the caller declares (checked against the file when it is opened), or an
 * untyped relation that accepts any column name.
 */

export interface SourceOptions {
  /** Human-readable name shown by explain. */
  name?: string;
  /** Columns that uniquely identify a row (rules such as factorized joins rely on it). */
  primaryKey?: string[];
}

const SOURCE_OPTIONS: OptionKeys<SourceOptions> = { name: true, primaryKey: true };
/** The options of sources that take a declared schema (files, Arrow tables, DuckDB results). */
const SCHEMA_SOURCE_OPTIONS: OptionKeys<SourceOptions & { schema?: unknown }> = { ...SOURCE_OPTIONS, schema: true };

/**
 * ColSpec of a plain column given to `fromColumns`, as src/io/columns.ts reads it:
 * Int8/Int16/Int32, Uint8/Uint8Clamped/Uint16 arrays are int32; Uint32, BigInt64 and
 * BigUint64 arrays are int64 (Uint32 values do not all fit int32; int64 holds values within
 * ±2^53, a larger bigint is a SourceError); a JavaScript array by its values (numbers are
 * float64, bigints int64), nullable when its element type admits null or undefined.
 */
type SpecOfInput<V> = V extends Float64Array
  ? 'float64'
  : V extends Float32Array
    ? 'float32'
    : V extends Uint32Array | BigInt64Array | BigUint64Array
      ? 'int64'
      : V extends Int32Array | Int16Array | Int8Array | Uint8Array | Uint8ClampedArray | Uint16Array
        ? 'int32'
        : V extends ArrayLike<infer T>
          ? NullableIf<BaseSpec<Exclude<T, null | undefined>>, null extends T ? true : undefined extends T ? true : false>
          : never;
type BaseSpec<T> = [T] extends [number] ? 'float64' : [T] extends [bigint] ? 'int64' : [T] extends [string] ? 'string' : [T] extends [boolean] ? 'bool' : [T] extends [Date] ? 'date' : never;
type NullableIf<D extends DType, N extends boolean> = N extends true ? `${D}?` : D;

export type ColumnInput =
  | ArrayLike<number | string | boolean | Date | null | undefined>
  | ArrayLike<bigint | null | undefined>
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;
type ColumnsSchema<C, T> = { [K in keyof C]: K extends keyof T ? (T[K] extends ColSpec ? T[K] : never) : SpecOfInput<C[K]> } & {};

/** A scan of the whole source, or of the declared columns only (so the relation has exactly its type's columns). */
function scanOf<S extends SchemaSpec>(source: TableSource, declared?: SchemaSpec): Relation<S> {
  const checked = declared ? withDeclaredSchema(source, declared) : source;
  const columns = declared ? Object.keys(declared) : null;
  return new Relation<S>(makeNode('scan', { source: checked, columns }, []) as RelationNode);
}

/**
 * A relation over plain columns: typed arrays are used without copying (an array in
 * ordinary memory is copied into shared memory once, when a pipeline first reads it on
 * several threads; pass arrays over a SharedArrayBuffer to avoid even that copy).
 */
export function fromColumns<C extends Record<string, ColumnInput>, T extends { [K in keyof C]?: ColSpec } = {}>(
  columns: C,
  options: SourceOptions & { types?: T } = {},
): Relation<ColumnsSchema<C, T>> {
  checkOptions('fromColumns', options, { ...SOURCE_OPTIONS, types: true });
  return scanOf(columnsSource(columns, options as never));
}

type ArrowSpec<T extends arrow.DataType> = T extends arrow.Float64
  ? 'float64'
  : T extends arrow.Float32
    ? 'float32'
    : T extends arrow.Int64 | arrow.Uint32 | arrow.Uint64
      ? 'int64'
      : T extends arrow.Int
        ? 'int32'
        : T extends arrow.Bool
          ? 'bool'
          : T extends arrow.Utf8 | arrow.LargeUtf8 | arrow.Dictionary
            ? 'string'
            : T extends arrow.Date_
              ? 'date'
              : DType;
/** Arrow's TypeScript types do not say which columns are nullable, so all are typed nullable unless a schema is declared. */
type ArrowSchemaSpec<T extends arrow.TypeMap> = { [K in keyof T & string]: `${ArrowSpec<T[K]>}?` };

/** A relation over an Arrow table, read in place (zero-copy). */
export function fromArrow<T extends arrow.TypeMap, S extends SchemaSpec = ArrowSchemaSpec<T>>(
  table: arrow.Table<T>,
  options: SourceOptions & { schema?: S } = {},
): Relation<S> {
  checkOptions('fromArrow', options, SCHEMA_SOURCE_OPTIONS);
  return scanOf(arrowTableSource(table, options), options.schema);
}

/** A relation over a CSV file (schema declared, or inferred from the file). */
export function readCsv<S extends SchemaSpec = SchemaSpec>(
  path: string,
  options: SourceOptions & { schema?: S; delimiter?: string; header?: boolean; nullValues?: string[] } = {},
): Relation<S> {
  checkOptions('readCsv', options, { ...SCHEMA_SOURCE_OPTIONS, delimiter: true, header: true, nullValues: true });
  return scanOf(csvSource(path, options));
}

/** A relation over an Arrow IPC (Feather v2) file or stream. */
export function readArrowFile<S extends SchemaSpec = SchemaSpec>(path: string, options: SourceOptions & { schema?: S } = {}): Relation<S> {
  checkOptions('readArrowFile', options, SCHEMA_SOURCE_OPTIONS);
  return scanOf(ipcSource(path, options), options.schema);
}

/** A relation over a Parquet file; only the columns the plan reads are decoded. */
export function readParquet<S extends SchemaSpec = SchemaSpec>(path: string, options: SourceOptions & Pick<ParquetSourceOptions, 'binaryAs'> & { schema?: S } = {}): Relation<S> {
  checkOptions('readParquet', options, { ...SCHEMA_SOURCE_OPTIONS, binaryAs: true });
  return scanOf(parquetSource(path, options), options.schema);
}

/**
 * A relation over the result of a DuckDB query, run at once on the caller's connection
 * (a `DuckDBConnection` of @duckdb/node-api, which Tessera does not import). DuckDB's
 * BOOLEAN, integer types, FLOAT, DOUBLE, VARCHAR, ENUM and DATE map to Tessera's types
 * (see src/io/duckdb.ts); any other type is a SourceError naming the column: CAST it in
 * the query. Declare `schema` to type the relation, as for files.
 */
export async function fromDuckDB<S extends SchemaSpec = SchemaSpec>(connection: DuckDBConnectionLike, sql: string, options: SourceOptions & { schema?: S } = {}): Promise<Relation<S>> {
  checkOptions('fromDuckDB', options, SCHEMA_SOURCE_OPTIONS);
  return scanOf(await duckdbSource(connection, sql, options), options.schema);
}

/**
 * A declared schema must name columns the source has, with the same dtype. A column
 * declared non-null that the source flags nullable is checked in the data when it is
 * loaded (a null there is a NullValueError naming the row), not refused by its flag.
 */
function withDeclaredSchema(source: TableSource, declared: SchemaSpec): TableSource {
  const nonNull: string[] = [];
  for (const [name, spec] of Object.entries(declared)) {
    const want = parseColSpec(spec, { operator: `${source.name} (schema)`, column: name });
    const have = source.schema.fields.find((f) => f.name === name);
    if (!have) throw new SourceError(source.name, `declared column '${name}' is not in the source`);
    if (have.dtype !== want.dtype) {
      throw new SourceError(source.name, `column '${name}' is ${formatColumnType(have)} in the source, but the schema declares ${spec}`);
    }
    if (have.nullable && !want.nullable) nonNull.push(name);
  }
  return nonNull.length > 0 ? withNonNullColumns(source, nonNull) : source;
}
