import type { Table } from 'apache-arrow';
import type { Batch } from '../data/batch.js';
import { ExecutionError } from '../errors.js';
import { execute } from '../exec/execute.js';
import { batchesToArrow } from '../io/arrow.js';
import { makeSource } from '../io/columns.js';
import { type RelationNode, makeNode } from '../plan/node.js';
import type { ValidationPolicy } from '../plan/validate-operator.js';
import type { SchemaSpec } from '../types/dtype.js';
import type { RelationSchema } from '../types/schema.js';
import { RUN_OPTIONS, type RunOptions, executeOptions, planToRun } from './run.js';
import { type OptionKeys, checkOptions } from '../options.js';
import { Relation } from './relation.js';
import { type ExpectationSpec, resolveExpectations } from '../plan/expectations.js';
import type { ValidationOutcome, ValidationReport, ValidationSink } from '../exec/validation-report.js';

/**
 * The DSL side of validation: `rel.validate(expectations, { policy })` puts a Validate
 * node over the relation's plan and returns a `Validated`, whose `relation` goes on into
 * the pipeline and whose `collect()` runs it and hands back the report and the
 * quarantined rows next to the kept ones (docs/validation.md).
 */

export interface ValidateOptions {
  /** What failing rows do (default 'error'): see docs/validation.md. */
  readonly policy?: ValidationPolicy;
}

const VALIDATE_OPTIONS: OptionKeys<ValidateOptions> = { policy: true };

/** Columns the quarantine adds to the input's: which constraints the row failed, and where it was. */
export type QuarantineColumns = { readonly failed_constraints: 'string'; readonly input_row: 'int64' };

export interface ValidationResult<S extends SchemaSpec> {
  /** The rows the policy kept. */
  readonly table: Table;
  readonly report: ValidationReport;
  /** Policy 'quarantine': the failing rows as a relation to go on with (null under other policies). */
  readonly quarantine: Relation<S & QuarantineColumns> | null;
  readonly quarantineTable: Table | null;
}

let nextValidation = 0;

/** Builds the Validate node over `relation` (Relation.validate calls this). */
export function validateRelation<S extends SchemaSpec>(relation: Relation<S>, specs: readonly ExpectationSpec[], options: ValidateOptions): Validated<S> {
  checkOptions('validate', options, VALIDATE_OPTIONS);
  nextValidation += 1;
  const id = `validation#${nextValidation}`;
  const expectations = resolveExpectations(specs, relation.columns);
  const plan = makeNode('validate', { id, policy: options.policy ?? 'error', expectations }, [relation.plan]) as RelationNode;
  return new Validated(new Relation<S>(plan), id);
}

export class Validated<S extends SchemaSpec> {
  constructor(
    /** The validated rows, as a relation the pipeline goes on from. */
    readonly relation: Relation<S>,
    /** This step's id in a run's validation outcomes. */
    readonly id: string,
  ) {}

  /** The plan text, with the Validate step and its expectations. */
  explain(options?: Parameters<Relation<S>['explain']>[0] & { analyze?: false }): string {
    return this.relation.explain(options);
  }

  /** Runs the validation; the kept rows, the report, and the quarantined rows under 'quarantine'. Policy 'error' throws a ValidationError. */
  async collect(options: RunOptions = {}): Promise<ValidationResult<S>> {
    checkOptions('collect', options, RUN_OPTIONS);
    const { table, validations } = await collectValidated(this.relation, options);
    const outcome = validations.get(this.id);
    if (!outcome) throw new ExecutionError('validate', `the run left no report for ${this.id}`);
    const q = outcome.quarantine;
    return {
      table,
      report: outcome.report,
      quarantine: q ? (batchesRelation(q.schema, q.batches) as unknown as Relation<S & QuarantineColumns>) : null,
      quarantineTable: q ? batchesToArrow(q.schema, q.batches) : null,
    };
  }
}

/**
 * Runs any relation whose plan holds validation steps (a pipeline that goes on after
 * `validate(...).relation`), and returns each step's outcome by its id next to the result.
 */
// Any schema: only the plan is read.
export async function collectValidated(relation: Relation<any>, options: RunOptions = {}): Promise<{ table: Table; validations: ReadonlyMap<string, ValidationOutcome> }> {
  const validations: ValidationSink = new Map();
  const { result } = await execute(planToRun(relation.plan, options), { ...executeOptions(options), validations });
  if (result.kind !== 'relation') throw new ExecutionError('collect', 'expected a relation result');
  return { table: batchesToArrow(relation.plan.output.schema, result.batches), validations };
}

/** A relation scanning batches already in memory (the quarantine). */
function batchesRelation(schema: RelationSchema, batches: readonly Batch[]): Relation<SchemaSpec> {
  const source = makeSource({
    prefix: 'quarantine',
    name: 'quarantine',
    fields: schema.fields,
    batchLengths: batches.map((b) => b.length),
    loadColumns: (names) =>
      names.map((name) => {
        const c = schema.fields.findIndex((f) => f.name === name);
        return batches.map((b) => b.columns[c]);
      }),
  });
  return new Relation(makeNode('scan', { source, columns: null }, []) as RelationNode);
}
