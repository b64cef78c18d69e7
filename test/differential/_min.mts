import { Relation } from '../../src/index.js';
import { genMixed } from './generate.js';
import { Duck } from './harness.js';
const c = genMixed(501944, 'x');
const duck = await Duck.open();
for (const t of c.tables) await duck.load(t);
const plan: any = c.q.rel.plan;
// Filter -> Filter -> Join left k1 -> [Join left k2,k1 -> [Limit, Scan R1], Project R2]
const j2 = plan.inputs[0].inputs[0];
const j1 = j2.inputs[0];
const lim = j1.inputs[0];
const sql = c.q.sql;
const limSql = sql.slice(sql.indexOf('(SELECT * FROM (SELECT "l_j"') + 1, sql.indexOf(') AS q2'));
for (const [name, node, s] of [['lim', lim, limSql]] as const) {
  const t = await new Relation<any>(node).collectRows({ optimize: false });
  const d = await duck.query(s);
  console.log(name, 'tessera', t.map((r) => Object.values(r).map(String).join(',')), '\nduck', d.rows.map((r) => r.join(',')));
}
const t1 = await new Relation<any>(j1).collectRows({ optimize: false });
console.log('j1 tessera', t1.map((r) => [r.k1, r.k2, r.r1_b]));
const t2 = await new Relation<any>(j2).collectRows({ optimize: false });
console.log('j2 tessera', t2.length, t2.slice(0, 3).map((r) => [r.k1, r.k2, r.r1_b]));
const tf = await new Relation<any>(plan.inputs[0]).collectRows({ optimize: false });
console.log('filter1 tessera', tf.length);
console.log(c.tables[1].columns);
duck.close();
