import { genFilterProject, genJoin, genAggregate, genSortEtc, genMixed } from './generate.js';
import { Duck } from './harness.js';
const duck = await Duck.open();
const fams = [['fp', genFilterProject, 100000, 80], ['join', genJoin, 200000, 120], ['agg', genAggregate, 300000, 90], ['sort', genSortEtc, 400000, 80], ['mixed', genMixed, 500000, 150]] as const;
for (const [name, gen, base, n] of fams) {
  const sizes: number[] = []; const orders: Record<string, number> = {}; let nullCells = 0, cells = 0; const ops: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const c = gen(base + i, 'x');
    for (const t of c.tables) await duck.load(t);
    const r = await duck.query(c.q.sql);
    for (const t of c.tables) await duck.drop(t);
    sizes.push(r.rows.length);
    orders[c.q.order.kind] = (orders[c.q.order.kind] ?? 0) + 1;
    for (const row of r.rows) for (const v of row) { cells++; if (v === null) nullCells++; }
    for (const o of c.q.ops) { const k = o.split(' ')[0] + (o.includes(' join') ? ' ' + o.split(' ')[0] : ''); ops[o.split(' ')[0]] = (ops[o.split(' ')[0]] ?? 0) + 1; }
  }
  sizes.sort((a, b) => a - b);
  console.log(name, 'empty', sizes.filter(s => s === 0).length, '/', n, 'median', sizes[n >> 1], 'max', sizes[n - 1], 'orders', JSON.stringify(orders), 'null%', (100 * nullCells / Math.max(cells, 1)).toFixed(1), JSON.stringify(ops));
}
duck.close();
