import { it } from 'vitest';
import { execute } from '../../../src/exec/execute.js';
import { totalRows } from '../../../src/data/batch.js';
import { generateCase } from './generate.js';
it('probe', async () => {
  let shown = 0;
  for (let seed = 1; seed <= 240 && shown < 12; seed++) {
    const c = generateCase(seed);
    if (c.shape !== 'append') continue;
    const r = (await execute(c.plan)).result;
    if (r.kind === 'relation' && totalRows(r.batches) === 0) { shown++; console.log(seed, '\n  ' + c.steps.join('\n  ')); }
  }
});
