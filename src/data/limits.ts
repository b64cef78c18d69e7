import { constants } from 'node:buffer';
import { AllocationLimitError } from '../errors.js';

/**
 * Hard limits of the JavaScript engine on one allocation. Whatever memory limit a run
 * has, no typed array is longer than `MAX_ARRAY_ELEMENTS` (2^32 elements on Node 20,
 * `buffer.constants.MAX_LENGTH`): asking for more throws an untyped RangeError ("Invalid
 * typed array length"). Operators whose output size follows from their inputs (a join's
 * row count, a matrix's rows × columns) check it with `checkArrayLength` before they
 * allocate, so the error is typed and names the operator.
 */
export const MAX_ARRAY_ELEMENTS: number = constants.MAX_LENGTH;

/** Throws an AllocationLimitError naming `operator` unless an array of `elements` elements can be allocated. */
export function checkArrayLength(operator: string, what: string, elements: number, bytesPerElement: number): void {
  if (!(Number.isSafeInteger(elements) && elements >= 0 && elements <= MAX_ARRAY_ELEMENTS)) {
    throw new AllocationLimitError(operator, what, elements, bytesPerElement, MAX_ARRAY_ELEMENTS);
  }
}
