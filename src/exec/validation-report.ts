import { ExecutionError } from '../errors.js';
import type { Batch } from '../data/batch.js';
import type { ValidationPolicy } from '../plan/validate-operator.js';
import type { RelationSchema } from '../types/schema.js';

/**
 * What a validation step found (docs/validation.md): one result per expectation, in the
 * order they were declared, and the row accounting of the policy. Plain data: it prints,
 * serializes to JSON and compares.
 */

/** How many failing row positions a result keeps. */
export const FIRST_FAILING_ROWS = 5;

export interface ExpectationResult {
  /** The expectation's kind (`not_null`, `range`, …) or a custom predicate's name. */
  readonly constraint: string;
  /** The column(s) it is about; null for the row count. */
  readonly column: string | null;
  /** What it asks for, in words. */
  readonly expected: string;
  /** Row-level expectations blame single rows; dataset-level ones (row count, null fraction) the whole input. */
  readonly level: 'row' | 'dataset';
  readonly status: 'pass' | 'fail';
  /** What was seen: `3 nulls of 100 rows`, `min 0, max 150`, `1000 rows`. */
  readonly observed: string;
  /** Rows that fail it (row-level only; 0 for dataset-level expectations). */
  readonly failingRows: number;
  /** The first failing rows, as 0-based positions in the validated input (at most FIRST_FAILING_ROWS). */
  readonly firstFailingRows: readonly number[];
  /**
   * The first failing row's value: the cell, the key (an array for several columns), or
   * for a custom predicate the columns it reads as an object; undefined when none failed.
   */
  readonly firstFailingValue?: unknown;
}

export interface ValidationReport {
  readonly policy: ValidationPolicy;
  readonly inputRows: number;
  /** Rows in the validated output. inputRows = keptRows + droppedRows + quarantinedRows, always. */
  readonly keptRows: number;
  readonly droppedRows: number;
  readonly quarantinedRows: number;
  /** Every expectation passed. */
  readonly passed: boolean;
  readonly results: readonly ExpectationResult[];
}

/** What one validation step leaves for its caller: the report, and the quarantined rows under 'quarantine'. */
export interface ValidationOutcome {
  readonly report: ValidationReport;
  /** The failing rows with `failed_constraints` and `input_row` appended (policy 'quarantine' only). */
  readonly quarantine: { readonly schema: RelationSchema; readonly batches: readonly Batch[] } | null;
}

/** Where a run leaves the outcome of each validation step it ran, by the step's id. */
export type ValidationSink = Map<string, ValidationOutcome>;

/** A value as error messages and reports print it. */
export function valueText(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return `'${v}'`;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (Array.isArray(v)) return `(${v.map(valueText).join(', ')})`;
  if (typeof v === 'object') return `{${Object.entries(v as object).map(([k, x]) => `${k}: ${valueText(x)}`).join(', ')}}`;
  return String(v);
}

/**
 * Policy 'error': an expectation failed. Names the constraint, the column, the first
 * failing row (0-based, in the validated input) and its value; `report` holds the rest.
 */
export class ValidationError extends ExecutionError {
  readonly constraint: string;
  readonly column: string | null;
  /** The first failing row, or null for a dataset-level expectation. */
  readonly row: number | null;
  readonly value: unknown;

  constructor(
    readonly result: ExpectationResult,
    readonly report: ValidationReport,
  ) {
    const on = result.column === null ? '' : ` on ${result.column.includes(',') ? 'columns' : 'column'} '${result.column}'`;
    const row = result.level === 'row' ? result.firstFailingRows[0] : null;
    const where = row === null ? `observed ${result.observed}` : `row ${row} has ${valueText(result.firstFailingValue)} (${result.failingRows} failing row${result.failingRows === 1 ? '' : 's'} in all)`;
    super('validate', `expectation ${result.constraint}${on} failed: ${where}; expected ${result.expected}`);
    this.constraint = result.constraint;
    this.column = result.column;
    this.row = row;
    this.value = result.firstFailingValue;
  }
}

/** The report as a text table, for logs and the console. */
export function formatReport(report: ValidationReport): string {
  const header = ['constraint', 'column', 'status', 'observed', 'failing rows', 'first failing rows', 'expected'];
  const rows = report.results.map((r) => [r.constraint, r.column ?? '', r.status, r.observed, r.level === 'row' ? String(r.failingRows) : '(dataset)', r.firstFailingRows.join(', '), r.expected]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((x, c) => x.padEnd(widths[c])).join('  ').trimEnd();
  const removed = report.policy === 'drop' ? `, ${report.droppedRows} dropped` : report.policy === 'quarantine' ? `, ${report.quarantinedRows} quarantined` : '';
  return [
    `validation (policy ${report.policy}): ${report.inputRows} input rows, ${report.keptRows} kept${removed}; ${report.passed ? 'all expectations passed' : `${report.results.filter((r) => r.status === 'fail').length} failed`}`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}
