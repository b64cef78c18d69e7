import { type Batch, makeBatch, totalRows } from '../../data/batch.js';
import { type Column, cellValue, columnFromValues, concatColumns, nullCount } from '../../data/column.js';
import { evaluate } from '../expression.js';
import { gatherBatch, resolverFor } from './relational.js';
import type { OperatorRun } from '../run-context.js';
import { groupRows } from '../../kernels/relational/index.js';
import { columnsOf } from '../../plan/expr.js';
import { type Node, relationSchema } from '../../plan/node.js';
import type { RelationSchema } from '../../types/schema.js';
import { fieldIndex } from '../../types/schema.js';
import { daysToIsoDate } from '../../types/date.js';
import { type Expectation, constraintColumn, constraintName, expectedText, isRowLevel } from '../../plan/expectations.js';
import { FIRST_FAILING_ROWS, type ExpectationResult, type ValidationOutcome, type ValidationReport, type ValidationSink, ValidationError, valueText } from '../validation-report.js';

/**
 * Runs a Validate node (src/plan/validate-operator.ts) over its input batches, as they
 * come from the operator below (a scan's batches are read in place: nothing is copied
 * before the check). Uniqueness keys are hashed first, column at a time, with the
 * group-by kernel; custom predicates are evaluated per batch by the expression
 * evaluator; then one loop over the rows runs every row-level expectation on each row,
 * counting failures and flagging the rows that fail any (and, for the quarantine, which
 * ones, in a bit mask). The policy then keeps, drops or quarantines the flagged rows.
 */

/** Tests one row of the current batch: true when it fails. */
type RowTest = (i: number) => boolean;

interface Tally {
  failing: number;
  readonly first: number[];
  firstValue?: unknown;
}

export function runValidate(node: Node<'validate'>, input: readonly Batch[], run: OperatorRun, sink?: ValidationSink): Batch[] {
  const schema = relationSchema(node.inputs[0], 'validate');
  const { expectations, policy, id } = node.args;
  const n = totalRows(input);
  const words = Math.ceil(expectations.length / 32);
  const quarantine = policy === 'quarantine';
  const uniques = expectations.filter((e) => e.kind === 'unique').length;
  run.reserve(n * ((quarantine ? words * 4 : 0) + 1 + uniques));
  // `bad[i]`: row i failed some row-level expectation; for the quarantine's list, bit e of
  // row i's word(s) in `failed`: it failed expectation e.
  const bad = new Uint8Array(n);
  const failed = quarantine ? new Uint32Array(n * words) : null;
  const tallies: Tally[] = expectations.map(() => ({ failing: 0, first: [] }));
  const repeats = expectations.map((e) => (e.kind === 'unique' ? repeatedKeys(e.columns, schema, input, n) : null));
  const observed = expectations.map(() => new Observed());

  const resolve = resolverFor(schema, 'validate');
  let offset = 0;
  for (const batch of input) {
    run.checkCancelled();
    const tests: { e: number; test: RowTest; value: (i: number) => unknown }[] = [];
    expectations.forEach((x, e) => {
      if (!isRowLevel(x)) return;
      const t = rowTest(x, batch, resolve, repeats[e], offset, observed[e]);
      tests.push({ e, ...t });
    });
    for (let i = 0; i < batch.length; i++) {
      const row = offset + i;
      for (let t = 0; t < tests.length; t++) {
        const { e, test, value } = tests[t];
        if (!test(i)) continue;
        bad[row] = 1;
        if (failed !== null) failed[row * words + (e >>> 5)] |= 1 << (e & 31);
        const tally = tallies[e];
        if (tally.failing === 0) tally.firstValue = value(i);
        if (tally.first.length < FIRST_FAILING_ROWS) tally.first.push(row);
        tally.failing++;
      }
    }
    offset += batch.length;
  }

  const results = expectations.map((x, e) => result(x, schema, input, n, tallies[e], observed[e]));
  const removes = policy === 'drop' || policy === 'quarantine';
  let removed = 0;
  if (removes) for (let i = 0; i < n; i++) removed += bad[i];
  const report: ValidationReport = {
    policy,
    inputRows: n,
    keptRows: n - removed,
    droppedRows: policy === 'drop' ? removed : 0,
    quarantinedRows: policy === 'quarantine' ? removed : 0,
    passed: results.every((r) => r.status === 'pass'),
    results,
  };
  if (policy === 'error') {
    const first = results.find((r) => r.status === 'fail');
    if (first) throw new ValidationError(first, report);
  }
  const outcome: ValidationOutcome = { report, quarantine: failed !== null ? quarantineOf(schema, input, failed, bad, words, expectations) : null };
  if (sink !== undefined) sink.set(id, outcome);
  else if (!report.passed) unheardReport(id, report);
  if (!removes || removed === 0) return [...input];
  return keptBatches(input, bad);
}

/**
 * A run that no one asked for this step's report (a plain `collect()` of a pipeline that
 * goes on from a Validated's relation): failures are never lost silently, so they go
 * out as a process warning (code TESSERA_VALIDATION) naming the failed expectations and
 * the rows the policy removed. `Validated.collect()` hands back the whole report.
 */
function unheardReport(id: string, report: ValidationReport): void {
  const failedList = report.results
    .filter((r) => r.status === 'fail')
    .map((r) => `${r.constraint}${r.column === null ? '' : ` on ${r.column}`} (${r.level === 'row' ? `${r.failingRows} failing row${r.failingRows === 1 ? '' : 's'}` : r.observed})`);
  const removed = report.droppedRows > 0 ? `; ${report.droppedRows} rows dropped` : report.quarantinedRows > 0 ? `; ${report.quarantinedRows} rows quarantined (the quarantine is only kept by Validated.collect())` : '';
  process.emitWarning(`${id} (policy '${report.policy}'): ${failedList.join(', ')} failed${removed}; collect the Validated for the full report`, { code: 'TESSERA_VALIDATION' });
}

/** Accumulates what a result reports beyond its failures (the range seen, unseen categories). */
class Observed {
  min = Infinity;
  max = -Infinity;
  readonly unseen: unknown[] = [];
}

function rowTest(x: Expectation, batch: Batch, resolve: (name: string) => number, repeated: Uint8Array | null, offset: number, seen: Observed): { test: RowTest; value: (i: number) => unknown } {
  const col = (name: string) => batch.columns[resolve(name)];
  switch (x.kind) {
    case 'not_null': {
      const c = col(x.column);
      const valid = c.validity;
      return { test: valid === null ? () => false : (i) => valid[i] === 0, value: () => null };
    }
    case 'unique': {
      const keys = x.columns.map(col);
      return { test: (i) => repeated![offset + i] === 1, value: (i) => (keys.length === 1 ? cellValue(keys[0], i) : keys.map((k) => cellValue(k, i))) };
    }
    case 'range': {
      const c = col(x.column);
      const v = c.values;
      const valid = c.validity;
      const lo = x.min ?? -Infinity;
      const hi = x.max ?? Infinity;
      const bounded = x.max !== null;
      // As SQL compares floats (DuckDB): NaN is above every number, so it fails a max and passes a min.
      const test: RowTest = (i) => {
        if (valid !== null && valid[i] === 0) return false;
        const y = v[i];
        if (y !== y) return bounded;
        if (y < seen.min) seen.min = y;
        if (y > seen.max) seen.max = y;
        return y < lo || y > hi;
      };
      return { test, value: (i) => cellValue(c, i) };
    }
    case 'one_of': {
      const c = col(x.column);
      const allowed = allowedCodes(c, x.values);
      const v = c.values;
      const valid = c.validity;
      const test: RowTest = (i) => {
        if ((valid !== null && valid[i] === 0) || allowed(v[i])) return false;
        if (seen.unseen.length < FIRST_FAILING_ROWS) {
          const value = cellValue(c, i);
          if (!seen.unseen.some((u) => Object.is(u, value))) seen.unseen.push(value);
        }
        return true;
      };
      return { test, value: (i) => cellValue(c, i) };
    }
    case 'pattern': {
      const c = col(x.column);
      const re = new RegExp(x.source, x.flags);
      // Once per dictionary entry, not per row.
      const matches = Uint8Array.from(c.dictionary ?? [], (s) => (re.test(s) ? 1 : 0));
      const v = c.values;
      const valid = c.validity;
      return { test: (i) => (valid === null || valid[i] === 1) && matches[v[i]] === 0, value: (i) => cellValue(c, i) };
    }
    case 'predicate': {
      const p = evaluate(x.predicate, batch, resolve);
      const v = p.values;
      const valid = p.validity;
      const read = [...columnsOf(x.predicate)].map((name) => ({ name, column: col(name) }));
      return {
        test: (i) => v[i] === 0 && (valid === null || valid[i] === 1),
        value: (i) => Object.fromEntries(read.map((r) => [r.name, cellValue(r.column, i)])),
      };
    }
    default:
      throw new Error(`unreachable: ${x.kind} is dataset-level`);
  }
}

/** Whether a stored value (a string's code, a number, a bool's 0/1) is one of `values`. */
function allowedCodes(c: Column, values: readonly (string | number | boolean)[]): (v: number) => boolean {
  if (c.dtype === 'string') {
    const set = new Set(values as readonly string[]);
    const ok = Uint8Array.from(c.dictionary ?? [], (s) => (set.has(s) ? 1 : 0));
    return (code) => ok[code] === 1;
  }
  if (c.dtype === 'bool') {
    const t = values.includes(true);
    const f = values.includes(false);
    return (b) => (b === 1 ? t : f);
  }
  // A float32 column holds float32 values: compare with the allowed values rounded alike.
  const set = new Set((values as readonly number[]).map((v) => (c.dtype === 'float32' ? Math.fround(v) : v)));
  return (y) => set.has(y);
}

/** Per input row, 1 when its key appeared in an earlier row (keys with a null part are never repeats, as in SQL UNIQUE). */
function repeatedKeys(columns: readonly string[], schema: RelationSchema, input: readonly Batch[], n: number): Uint8Array {
  const keys = columns.map((name) => {
    const c = fieldIndex(schema, name, 'validate');
    return concatColumns(
      schema.fields[c].dtype,
      input.map((b) => b.columns[c]),
    );
  });
  const out = new Uint8Array(n);
  if (n === 0) return out;
  const { groupIds, firstRow } = groupRows(keys, n);
  for (let i = 0; i < n; i++) {
    if (firstRow[groupIds[i]] === i) continue;
    if (keys.some((k) => k.validity !== null && k.validity[i] === 0)) continue;
    out[i] = 1;
  }
  return out;
}

function result(x: Expectation, schema: RelationSchema, input: readonly Batch[], n: number, tally: Tally, seen: Observed): ExpectationResult {
  const column = constraintColumn(x);
  const dtype = x.kind === 'range' ? schema.fields[fieldIndex(schema, x.column, 'validate')].dtype : undefined;
  const base = { constraint: constraintName(x), column, expected: expectedText(x, dtype) };
  if (x.kind === 'row_count') {
    const ok = (x.min === null || n >= x.min) && (x.max === null || n <= x.max);
    return { ...base, level: 'dataset', status: ok ? 'pass' : 'fail', observed: `${n} rows`, failingRows: 0, firstFailingRows: [] };
  }
  if (x.kind === 'null_fraction') {
    const c = fieldIndex(schema, x.column, 'validate');
    let nulls = 0;
    for (const b of input) nulls += nullCount(b.columns[c]);
    const fraction = n === 0 ? 0 : nulls / n;
    return { ...base, level: 'dataset', status: fraction <= x.max ? 'pass' : 'fail', observed: `${fraction} (${nulls} nulls of ${n} rows)`, failingRows: 0, firstFailingRows: [] };
  }
  const status = tally.failing === 0 ? 'pass' : 'fail';
  const failures = { failingRows: tally.failing, firstFailingRows: tally.first, ...(tally.failing > 0 ? { firstFailingValue: tally.firstValue } : {}) };
  return { ...base, level: 'row', status, observed: observedText(x, n, tally, seen, dtype), ...failures };
}

function observedText(x: Expectation, n: number, tally: Tally, seen: Observed, dtype: string | undefined): string {
  switch (x.kind) {
    case 'not_null':
      return `${tally.failing} null${tally.failing === 1 ? '' : 's'} of ${n} rows`;
    case 'unique':
      return `${tally.failing} of ${n} rows repeat an earlier row's key`;
    case 'range': {
      if (seen.min > seen.max) return 'no values';
      const show = (v: number) => (dtype === 'date' ? daysToIsoDate(v) : String(v));
      return `min ${show(seen.min)}, max ${show(seen.max)}`;
    }
    case 'one_of':
      return tally.failing === 0 ? 'all values allowed' : `${tally.failing} row${tally.failing === 1 ? '' : 's'} outside, e.g. ${seen.unseen.map(valueText).join(', ')}`;
    case 'pattern':
      return `${tally.failing} of ${n} rows do not match`;
    case 'predicate':
      return `false in ${tally.failing} of ${n} rows`;
    default:
      return '';
  }
}

/** The positions in `batch` (its first row is input row `offset`) of the rows whose `bad` flag is `flag`. */
function rowsWhere(batch: Batch, offset: number, bad: Uint8Array, flag: 0 | 1): Int32Array {
  let count = 0;
  for (let i = 0; i < batch.length; i++) count += bad[offset + i] === flag ? 1 : 0;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < batch.length; i++) if (bad[offset + i] === flag) out[k++] = i;
  return out;
}

function keptBatches(input: readonly Batch[], bad: Uint8Array): Batch[] {
  const out: Batch[] = [];
  let offset = 0;
  for (const batch of input) {
    const rows = rowsWhere(batch, offset, bad, 0);
    if (rows.length === batch.length) out.push(batch);
    else if (rows.length > 0) out.push(gatherBatch(batch, rows));
    offset += batch.length;
  }
  return out;
}

/** The schema of quarantined rows: the input's columns, the constraints each row failed, and its position in the input. */
export function quarantineSchema(schema: RelationSchema): RelationSchema {
  return { fields: [...schema.fields, { name: 'failed_constraints', dtype: 'string', nullable: false }, { name: 'input_row', dtype: 'int64', nullable: false }] };
}

/** `constraint(column)` as the quarantine lists it. */
function constraintRef(x: Expectation): string {
  const column = x.kind === 'predicate' ? null : constraintColumn(x);
  return column === null ? constraintName(x) : `${constraintName(x)}(${column})`;
}

function quarantineOf(schema: RelationSchema, input: readonly Batch[], failed: Uint32Array, bad: Uint8Array, words: number, expectations: readonly Expectation[]) {
  const refs = expectations.map(constraintRef);
  const batches: Batch[] = [];
  let offset = 0;
  for (const batch of input) {
    const rows = rowsWhere(batch, offset, bad, 1);
    if (rows.length > 0) {
      const which = Array.from(rows, (i) => {
        const names: string[] = [];
        for (let e = 0; e < expectations.length; e++) if ((failed[(offset + i) * words + (e >>> 5)] & (1 << (e & 31))) !== 0) names.push(refs[e]);
        return names.join('; ');
      });
      const at = Float64Array.from(rows, (i) => offset + i);
      batches.push(makeBatch([...gatherBatch(batch, rows).columns, columnFromValues('string', which), columnFromValues('int64', at)], rows.length));
    }
    offset += batch.length;
  }
  return { schema: quarantineSchema(schema), batches };
}
