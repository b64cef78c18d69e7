import { type Batch, concatBatches } from '../../data/batch.js';
import { cellValue, composeIndices } from '../../data/column.js';
import { ExecutionError } from '../../errors.js';
import type { CsrMatrix } from '../../kernels/matrix/csr.js';
import { keyMatrix } from '../../kernels/matrix/keyed.js';
import { joinIndices } from '../../kernels/relational/index.js';
import { type Node, relationSchema } from '../../plan/node.js';
import { fieldIndex } from '../../types/schema.js';
import type { OperatorRun } from '../run-context.js';

/**
 * KeyMap: looks every row's key up in the dimension (the join kernel's key-indexed or
 * hash path, as a left join so each row stays in place) and stores the dimension row
 * per row as K. The plan relies on the dimension key being unique (declared or proved
 * from statistics); a repeated key that a row actually meets is an error, since the
 * join this K stands for would have repeated that row.
 */
export function runKeyMap(node: Node<'keyMap'>, factIn: readonly Batch[], dimIn: readonly Batch[], run: OperatorRun): CsrMatrix {
  const factSchema = relationSchema(node.inputs[0], node.kind);
  const dimSchema = relationSchema(node.inputs[1], node.kind);
  const fact = concatBatches(factSchema, factIn);
  const dim = concatBatches(dimSchema, dimIn);
  const { factKeys, dimKeys } = node.args;
  const dimRows = node.output.kind === 'matrix' ? node.output.cols : 0;
  if (dim.length !== dimRows) {
    throw new ExecutionError('keyMap', `the plan was built for a dimension of ${dimRows} rows, but it has ${dim.length} (the source changed after the plan was built)`);
  }
  run.reserve(fact.length * 16);
  const fk = factKeys.map((k) => fact.columns[fieldIndex(factSchema, k, 'keyMap')]);
  const dk = dimKeys.map((k) => dim.columns[fieldIndex(dimSchema, k, 'keyMap')]);
  const matches = joinIndices(fk, dk, 'left', { keyIndexed: true, operator: run.operator, beforeOutput: (rows) => run.reserve(rows * 8) });
  run.ran(matches.rightByKey !== null ? 'key-indexed: dimension rows looked up by key value' : 'hash build and probe');
  if (matches.length !== fact.length) {
    const left = matches.left!;
    let i = 1;
    while (i < left.length && left[i] !== left[i - 1]) i++;
    const value = factKeys.map((_, c) => String(cellValue(fk[c], left[i]))).join(', ');
    throw new ExecutionError('keyMap', `dimension key [${dimKeys.join(', ')}] is not unique: (${value}) appears more than once, but the plan relies on it being a key`);
  }
  const dimRowOf = matches.rightByKey !== null ? composeIndices(matches.rightByKey.table, matches.rightByKey.keys) : matches.right!;
  return keyMatrix(dimRowOf, dimRows);
}
