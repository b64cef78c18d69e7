import { genMixed } from './generate.js';
import { Duck } from './harness.js';
const duck = await Duck.open();
for (const [gen, base] of [[genMixed, 500000]] as const) {
for (let i = 0; i < 40; i++) {
  const c = gen(base + i, 'x');
  for (const t of c.tables) await duck.load(t);
  const r = await duck.query(c.q.sql);
  for (const t of c.tables) await duck.drop(t);
  if (r.rows.length === 0) console.log(base + i, c.tables.map(t => `${t.name}:${t.length}`).join(' '), '|', c.q.ops.join(' → ').slice(0, 400));
}}
duck.close();
