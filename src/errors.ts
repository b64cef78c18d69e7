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

/** An options object with a key the call does not know (a misspelt option would otherwise be ignored). */
export class UnknownOptionError extends PlanError {
  constructor(
    operator: string,
    readonly option: string,
    known: readonly string[],
  ) {
    super(operator, `unknown option '${option}'; known options: ${known.map((k) => `'${k}'`).join(', ') || '(none)'}`);
  }
}

/** An expression or operator received a value of the wrong type. */
export class TypeMismatchError extends PlanError {}

/** Matrix operands whose shapes or dtypes do not fit together. */
export class ShapeError extends PlanError {}

/**
 * An operator or expression that SQL cannot compute exactly as Tessera does (src/sql/,
 * docs/sql.md): `operator` names it, `reason` says what SQL would compute differently.
 */
export class SqlUnsupportedError extends PlanError {
  constructor(
    operator: string,
    readonly reason: string,
  ) {
    super(operator, `cannot be compiled to SQL exactly: ${reason}`);
  }
}

/**
 * A plan or an expression nested deeper than Tessera allows (MAX_PLAN_DEPTH or
 * MAX_EXPRESSION_DEPTH, src/plan/limits.ts): raised while the plan is built, by the
 * operator or expression that would pass the limit, instead of a stack overflow later.
 */
export class DepthLimitError extends PlanError {
  constructor(
    operator: string,
    /** What is too deep. */
    readonly what: 'plan' | 'expression',
    /** How deep it would be. */
    readonly depth: number,
    /** The limit it passes. */
    readonly limit: number,
  ) {
    super(
      operator,
      what === 'plan'
        ? `the plan would be ${depth} operators deep, beyond the plan depth limit of ${limit} (MAX_PLAN_DEPTH); split the pipeline (collect an intermediate result and start a new one from it), or nest less (one filter with an AND of predicates, a balanced tree of unionAll)`
        : `the expression would be ${depth} levels deep, beyond the expression depth limit of ${limit} (MAX_EXPRESSION_DEPTH); nest less (a long sum or conjunction as a balanced tree), or compute part of it in an earlier step`,
    );
  }
}

/** A data source could not be read: malformed CSV row, not an Arrow or Parquet file, ... */
export class SourceError extends TesseraError {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
  }
}

/**
 * A null in a column declared non-null (the `schema` given to a file reader, the `types`
 * given to fromColumns), found in the data. `row` counts from 0 over the whole source;
 * `line` is the CSV line when the source is a CSV file.
 */
export class NullValueError extends SourceError {
  constructor(
    source: string,
    readonly column: string,
    readonly row: number,
    declared: string,
    readonly line?: number,
  ) {
    super(source, `column '${column}' is declared ${declared} (not nullable), but row ${row}${line === undefined ? '' : ` (line ${line})`} is null; declare it '${declared}?' (and \`dropNulls('${column}')\` to keep the rows that have a value)`);
  }
}

/**
 * A fitted-pipeline artefact (src/fit) that cannot be loaded: not JSON or missing
 * parts (`malformed`), another kind of document (`foreign`), or written by a newer
 * format version than this Tessera reads (`newer-version`).
 */
export class ArtefactError extends SourceError {
  constructor(
    source: string,
    readonly reason: 'malformed' | 'foreign' | 'newer-version',
    detail: string,
  ) {
    super(source, detail);
  }
}

/** A row given to a fitted pipeline lacks a column it reads, or holds a value of the wrong type there. */
export class InputRowError extends TypeMismatchError {
  constructor(
    operator: string,
    readonly column: string,
    detail: string,
  ) {
    super(operator, `column '${column}': ${detail}`);
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

/** A run that would hold more than its memory limit: raised before the allocation, naming the operator. */
export class MemoryLimitError extends ExecutionError {
  constructor(
    operator: string,
    readonly requestedBytes: number,
    readonly liveBytes: number,
    readonly limitBytes: number,
    detail = `needs ${megabytes(requestedBytes)} with ${megabytes(liveBytes)} already held, over the memory limit of ${megabytes(limitBytes)}; ` +
      'filter or project earlier, or raise collect({ memoryLimit })',
  ) {
    super(operator, detail);
  }
}

/**
 * An intermediate result longer than one JavaScript typed array can be (2^32 elements on
 * Node 20, whatever the memory limit): raised before the allocation, naming the operator,
 * what it was about to build, and its size. `requestedBytes` is the size it would have had,
 * `limitBytes` what the longest array of that element size holds.
 */
export class AllocationLimitError extends MemoryLimitError {
  constructor(
    operator: string,
    /** What the operator was about to allocate (e.g. "the join's output rows"). */
    readonly what: string,
    readonly elements: number,
    bytesPerElement: number,
    readonly maxElements: number,
  ) {
    super(
      operator,
      elements * bytesPerElement,
      0,
      maxElements * bytesPerElement,
      `${what} would need ${countText(elements)} elements (${megabytes(elements * bytesPerElement)}), more than one array holds ` +
        `(${countText(maxElements)} elements, this JavaScript engine's limit); filter or aggregate earlier, or use fewer columns, categories or buckets`,
    );
  }
}

/** Bytes as MB for error messages. */
function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;
}

function countText(n: number): string {
  return Number.isSafeInteger(n) ? n.toLocaleString('en-US') : String(n);
}
