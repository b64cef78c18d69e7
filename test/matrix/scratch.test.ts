import { test } from 'vitest';
import { fromColumns, linearRegression } from '../../src/index.js';
test('x', async () => {
  const rel = fromColumns({ id: Int32Array.from([1,2,3]), x: [1, 2, 3], city: ['a', 'b', 'a'], y: [0, 1, 1] });
  try {
  const X = rel.toMatrix(['x', { onehot: 'city' }], { intercept: true });
  console.log(X.columnNames);
  } catch (e) { console.log(String(e)); }
  const X = rel.toMatrix(['x', { onehot: 'city', categories: ['a','b'] }], { intercept: true });
  const y = rel.toMatrix(['y']);
  const beta = linearRegression(X, y, { ridge: 1 });
  console.log(await beta.collect());
  console.log(X.matmul(beta).explain());
  const scored = rel.withMatrixColumns(X.matmul(beta), ['prediction']); console.log(await scored.collectRows());
});
