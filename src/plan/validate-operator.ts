import { PlanError } from '../errors.js';
import { type Expectation, checkExpectations, expectationKey, expectationLabel } from './expectations.js';
import { type OperatorDefs, relationSchema } from './node.js';

/**
 * Validate: checks expectations on its input's rows in one pass and applies a policy to
 * the rows that fail (docs/validation.md). Its output has the input's columns; with
 * 'drop' or 'quarantine' it has fewer rows, like a filter. The report and quarantined
 * rows leave the run through ExecuteOptions.validations, keyed by `id`.
 *
 * The optimizer moves nothing through it: a filter or limit below it would change what
 * is validated and counted (predicate and limit pushdown stop at kinds they do not know),
 * and it needs all its input's columns (the quarantine keeps whole rows).
 */

export type ValidationPolicy = 'error' | 'warn' | 'drop' | 'quarantine';
export const VALIDATION_POLICIES: readonly ValidationPolicy[] = ['error', 'warn', 'drop', 'quarantine'];

export interface ValidateArgs {
  validate: {
    /** Identifies this validation step's report among a run's (one per `rel.validate(...)` call). */
    readonly id: string;
    readonly policy: ValidationPolicy;
    readonly expectations: readonly Expectation[];
  };
}

export const VALIDATE_OPERATORS: OperatorDefs<ValidateArgs> = {
  validate: {
    name: 'Validate',
    arity: 1,
    derive({ policy, expectations }, inputs) {
      const schema = relationSchema(inputs[0], 'validate');
      if (!VALIDATION_POLICIES.includes(policy)) throw new PlanError('validate', `unknown policy '${String(policy)}'; expected one of ${VALIDATION_POLICIES.join(', ')}`);
      if (expectations.length === 0) throw new PlanError('validate', 'expected at least one expectation');
      checkExpectations(expectations, schema);
      return { kind: 'relation', schema };
    },
    label: ({ policy, expectations }) => `policy=${policy}: ${expectations.map(expectationLabel).join(', ')}`,
    digest: ({ id, policy, expectations }) => [id, policy, expectations.map(expectationKey)],
  },
};
