/**
 * Typed errors. Every error Tessera raises on bad input is one of these, and its
 * message names the operator, the column (or line) and what was expected.
 */

/** Registered globally, so every copy of Tessera loaded in a process shares it. */
const BRAND = Symbol.for('tessera.error');

/**
 * The base of every error Tessera raises.
 *
 * `instanceof TesseraError` also holds for errors thrown by another copy of Tessera in
 * the same process (a pipeline module that `tessera explain` loads through tsx gets its
 * own instances of these classes): the constructor sets a brand under a `Symbol.for`
 * key, and the base class's `Symbol.hasInstance` checks it. Only the base class uses the
 * brand: the method is inherited by every subclass, where it falls back to the ordinary
 * prototype-chain test, so `x instanceof SourceError` keeps meaning exactly that (a name
 * comparison would confuse unrelated classes that happen to share a name). Code that
 * must tell subclasses apart across copies reads `error.name`, which the constructor
 * sets to the concrete class name.
 */
export class TesseraError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === TesseraError && typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}

/** A plan could not be built: unknown column, wrong type, bad argument. */
export class PlanError extends TesseraError {
  constructor(
    readonly operator: string,
    detail: string,
  ) {
    super(`${operator}: ${detail}`);
  }
}

/** A column name that the input of an operator does not have. */
export class UnknownColumnError extends PlanError {
  constructor(
    operator: string,
    readonly column: string,
    available: readonly string[],
  ) {
    super(operator, `unknown column '${column}'; available columns: ${available.map((c) => `'${c}'`).join(', ') || '(none)'}`);
  }
}

/** An expression or operator received a value of the wrong type. */
export class TypeMismatchError extends PlanError {}

/** Matrix operands whose shapes or dtypes do not fit together. */
export class ShapeError extends PlanError {}

/** A data source could not be read: malformed CSV row, not an Arrow or Parquet file, ... */
export class SourceError extends TesseraError {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
  }
}

/** Something failed while a plan was running (e.g. a singular system in a solve). */
export class ExecutionError extends TesseraError {
  constructor(
    readonly operator: string,
    detail: string,
  ) {
    super(`${operator}: ${detail}`);
  }
}

/**
 * An integer result beyond the range of its type, raised instead of wrapping or
 * rounding it (as DuckDB raises "Overflow in multiplication of INT64"). Tessera's int64
 * holds integers within ±2^53, the range a float64 holds exactly. `expression` is the
 * expression or aggregate whose value overflowed.
 */
export class OverflowError extends ExecutionError {
  constructor(
    operator: string,
    readonly expression: string,
    detail: string,
  ) {
    super(operator, `${expression}: ${detail}`);
  }
}
