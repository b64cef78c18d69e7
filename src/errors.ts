/**
 * Typed errors. Every error Tessera raises on bad input is one of these, and its
 * message names the operator, the column (or line) and what was expected.
 */

export class TesseraError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
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
