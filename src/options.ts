import { PlanError, UnknownOptionError } from './errors.js';

/**
 * Options objects are checked for keys the call does not know: `collect({ worker: 2 })`
 * would otherwise run with the default, and the misspelling go unnoticed. Each options
 * type has a table of its keys next to it, typed `OptionKeys<T>`, so that the compiler
 * rejects a table that misses a key of T or names one T lacks.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/** Throws an UnknownOptionError naming the first key of `options` that `known` lacks (and a PlanError for a non-object). */
export function checkOptions<T extends object>(operator: string, options: T | undefined, known: OptionKeys<T>): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new PlanError(operator, `expected an options object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  for (const key of Object.keys(options)) if (!Object.hasOwn(known, key)) throw new UnknownOptionError(operator, key, Object.keys(known));
}
