/**
 * Column data types, at run time and at the type level.
 *
 * At the type level a column is described by a `ColSpec`: its dtype name, with a
 * trailing `?` when it may hold nulls (`'float64'`, `'string?'`). A relation's
 * schema is a record of ColSpecs, so the TypeScript compiler checks column names
 * and types of a whole pipeline.
 */

import { PlanError } from '../errors.js';

export const DTYPES = ['float64', 'float32', 'int32', 'int64', 'bool', 'string', 'date'] as const;
export type DType = (typeof DTYPES)[number];
export type NumericDType = 'float64' | 'float32' | 'int32' | 'int64';
export type OrderedDType = NumericDType | 'string' | 'date' | 'bool';

/** Type-level column description: dtype, plus `?` when nullable. */
export type ColSpec = DType | `${DType}?`;
/** Type-level schema: column name → ColSpec. */
export type SchemaSpec = { readonly [name: string]: ColSpec };

export type BaseOf<C extends ColSpec> = C extends `${infer D extends DType}?` ? D : C;
export type IsNullable<C extends ColSpec> = C extends `${string}?` ? true : false;
export type AsNullable<C extends ColSpec> = C extends `${DType}?` ? C : C extends DType ? `${C}?` : never;
export type WithNullability<D extends DType, N extends boolean> = N extends true ? `${D}?` : D;
/** Nullable when either input is. */
export type EitherNullable<A extends ColSpec, B extends ColSpec> = IsNullable<A> extends true ? true : IsNullable<B>;

/** The JavaScript value of one non-null cell of a dtype. */
export type JsValueOf<D extends DType> = D extends NumericDType
  ? number
  : D extends 'bool'
    ? boolean
    : D extends 'string'
      ? string
      : D extends 'date'
        ? Date
        : never;

/** Run-time column type. */
export interface ColumnType {
  readonly dtype: DType;
  readonly nullable: boolean;
}

export function isNumeric(d: DType): d is NumericDType {
  return d === 'float64' || d === 'float32' || d === 'int32' || d === 'int64';
}

export function isInteger(d: DType): boolean {
  return d === 'int32' || d === 'int64';
}

/** Where a ColSpec was written, for the error a bad one raises. */
export interface ColSpecContext {
  /** The operator or source that declared it, e.g. `orders (types)`. */
  readonly operator: string;
  /** The column it declares. */
  readonly column?: string;
}

/**
 * The run-time column type a ColSpec names. A bad spec (possible from untyped code or
 * a cast) raises a PlanError naming the operator and the column of `context`.
 */
export function parseColSpec(spec: string, context?: ColSpecContext): ColumnType {
  const nullable = typeof spec === 'string' && spec.endsWith('?');
  const dtype = (nullable ? spec.slice(0, -1) : spec) as DType;
  if (typeof spec !== 'string' || !(DTYPES as readonly string[]).includes(dtype)) {
    const what = typeof spec === 'string' ? `'${spec}'` : `${String(spec)} (a ${typeof spec}, not a string)`;
    const where = context?.column !== undefined ? `column '${context.column}': ` : '';
    throw new PlanError(context?.operator ?? 'schema', `${where}unknown column type ${what}; expected one of ${DTYPES.join(', ')} (with '?' when nullable)`);
  }
  return { dtype, nullable };
}

export function formatColumnType(t: ColumnType): string {
  return t.nullable ? `${t.dtype}?` : t.dtype;
}

/**
 * The dtype of arithmetic on two numeric dtypes. Integer arithmetic widens to int64
 * (held exactly up to 2^53) so that int32 sums and products never wrap silently.
 */
export function arithmeticResult(a: NumericDType, b: NumericDType, op: string): NumericDType {
  if (op === 'div') return a === 'float32' && b === 'float32' ? 'float32' : 'float64';
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return a === b ? 'float32' : 'float64';
  if (op === 'mod') return a === 'int32' && b === 'int32' ? 'int32' : 'int64';
  return 'int64';
}

/** The common dtype two values can be compared or unified in, or undefined. */
export function commonDType(a: DType, b: DType): DType | undefined {
  if (a === b) return a;
  if (isNumeric(a) && isNumeric(b)) {
    if (a === 'float64' || b === 'float64' || a === 'float32' || b === 'float32') return 'float64';
    return 'int64';
  }
  return undefined;
}
