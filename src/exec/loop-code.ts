import type { Batch } from '../data/batch.js';
import type { Column } from '../data/column.js';
import type { ExprNode } from '../plan/expr.js';
import type { DType } from '../types/dtype.js';
import type { ColumnResolver } from './expression.js';

/**
 * Pieces shared by Tessera's generated loops (the fused aggregate, fused-loop.ts, and
 * pipelines, src/exec/pipeline/): whether code generation is allowed, the cache of
 * compiled functions, the names of input kinds, and small code templates.
 */

/** Whether this process may compile code from strings (not under --disallow-code-generation-from-strings). */
export const CODE_GENERATION = (() => {
  try {
    return new Function('return true')() === true;
  } catch {
    return false;
  }
})();

const FUNCTION_CACHE = new Map<string, Function>();
const FUNCTION_CACHE_LIMIT = 512;

/**
 * The function with these parameters and body, compiled once per text: the text names
 * the typed-array kind of every input, so each compiled loop stays monomorphic.
 */
export function compiledFunction<F extends Function>(params: readonly string[], body: string): F {
  const key = `${params.join(',')}\n${body}`;
  let fn = FUNCTION_CACHE.get(key);
  if (fn === undefined) {
    if (FUNCTION_CACHE.size >= FUNCTION_CACHE_LIMIT) FUNCTION_CACHE.clear();
    fn = new Function(...params, body);
    FUNCTION_CACHE.set(key, fn);
  }
  return fn as F;
}

/** The built-in typed arrays, with their names written here (a constructor's `name` property can be redefined). */
const TYPED_ARRAY_KINDS: readonly (readonly [Function, string])[] = [
  [Float64Array, 'Float64Array'],
  [Float32Array, 'Float32Array'],
  [Int32Array, 'Int32Array'],
  [Uint32Array, 'Uint32Array'],
  [Int16Array, 'Int16Array'],
  [Uint16Array, 'Uint16Array'],
  [Int8Array, 'Int8Array'],
  [Uint8Array, 'Uint8Array'],
  [Uint8ClampedArray, 'Uint8ClampedArray'],
  [BigInt64Array, 'BigInt64Array'],
  [BigUint64Array, 'BigUint64Array'],
];

/**
 * The kind of a loop input as it appears in the generated text (and so in the loop
 * cache's key: one compiled loop per combination of input kinds keeps each monomorphic).
 * Only strings from this file: a typed array is named by the built-in it is (a subclass
 * as "<built-in> subclass"), anything else by `typeof`.
 */
export function inputKind(x: unknown): string {
  if (ArrayBuffer.isView(x)) {
    const proto = Object.getPrototypeOf(x) as object | null;
    for (const [ctor, name] of TYPED_ARRAY_KINDS) {
      if (proto === ctor.prototype) return name;
      if (x instanceof ctor) return `${name} subclass`;
    }
    return 'other view';
  }
  return typeof x;
}

/** The built-in typed-array constructor `x` is an instance of (never a subclass's own constructor), or null. */
export function builtinTypedArray(x: ArrayBufferView): (new (buffer: ArrayBufferLike) => ArrayBufferView) | null {
  for (const [ctor] of TYPED_ARRAY_KINDS) if (x instanceof ctor) return ctor as new (buffer: ArrayBufferLike) => ArrayBufferView;
  return null;
}

/** Code converting a computed number to what a column of `dtype` would store. */
export function stored(dtype: DType, code: string): string {
  switch (dtype) {
    case 'int32':
      return `(${code}) | 0`;
    case 'float32':
      return `Math.fround(${code})`;
    default:
      return code;
  }
}

/** `statement` under the conjunction of `conditions` (none: unconditional). */
export function guarded(conditions: readonly string[], statement: string): string {
  return conditions.length === 0 ? statement : `if (${conditions.join(' && ')}) { ${statement} }`;
}

/** A compiled expression: its value (code of a number) and the conditions under which it is not null. */
export interface Compiled {
  readonly value: string;
  readonly dtype: DType;
  readonly valid: readonly string[];
}

/**
 * Where the loop reads a column: `column` at row `row` (code; null: the loop's row `{i}`),
 * where `mayMiss` says the row may be -1 (an unmatched outer join: the value is null).
 */
export interface BoundColumn {
  readonly column: Column;
  readonly row: string | null;
  readonly mayMiss: boolean;
}

/** How a loop finds the column a column reference names. */
export type ColumnBinder = (e: Extract<ExprNode, { kind: 'column' }>) => BoundColumn;

/** Column references bound to a batch's columns, read at the loop's row. */
export function batchBinder(batch: Batch, resolve: ColumnResolver): ColumnBinder {
  return (e) => ({ column: batch.columns[resolve(e.name)], row: null, mayMiss: false });
}

/** How partial accumulators of one lane combine (morsels of a pipeline, src/exec/pipeline/). */
export type LaneMerge = 'add' | 'min' | 'max';
