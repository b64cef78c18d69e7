import { genMixed } from './generate.js';
import { Duck } from './harness.js';
const c = genMixed(501944, 'x');
const duck = await Duck.open();
for (const t of c.tables) await duck.load(t);
const conn: any = (duck as any).conn;
const sql = c.q.sql;
const limSql = sql.slice(sql.indexOf('(SELECT * FROM (SELECT "l_j"') + 1, sql.indexOf(') AS q2'));
const names = ['d_mixed_501944_L', 'd_mixed_501944_R1', 'd_mixed_501944_R2'];
for (const n of names) await conn.run(`CREATE TABLE "${n}_all" AS SELECT row_number() OVER () AS rid, * FROM "${n}"`);
const keep: Record<string, Set<number>> = {};
for (const n of names) keep[n] = new Set(((await duck.query(`SELECT rid FROM "${n}_all"`)).rows.map((r) => r[0] as number)));
async function rebuild() {
  for (const n of names) {
    await conn.run(`DROP TABLE "${n}"`);
    const ids = [...keep[n]];
    await conn.run(`CREATE TABLE "${n}" AS SELECT * EXCLUDE (rid) FROM "${n}_all" WHERE rid IN (${ids.length ? ids.join(',') : -1})`);
  }
}
async function bad(): Promise<boolean> {
  await rebuild();
  const full = (await duck.query(sql)).rows.length;
  await conn.run('DROP TABLE IF EXISTS lim5');
  await conn.run(`CREATE TABLE lim5 AS ${limSql}`);
  const mat = (await duck.query(sql.replace(`(${limSql}) AS q2`, 'lim5 AS q2'))).rows.length;
  return full !== mat;
}
console.log('initially bad:', await bad());
for (const n of names) {
  let chunk = Math.ceil(keep[n].size / 2);
  while (chunk >= 1) {
    let changed = false;
    const ids = [...keep[n]];
    for (let i = 0; i < ids.length; i += chunk) {
      const removed = ids.slice(i, i + chunk);
      removed.forEach((r) => keep[n].delete(r));
      if (await bad()) changed = true;
      else removed.forEach((r) => keep[n].add(r));
    }
    if (!changed) chunk = Math.floor(chunk / 2);
  }
}
await bad();
for (const n of names) console.log(n, keep[n].size, JSON.stringify((await duck.query(`SELECT * FROM "${n}"`)).rows));
console.log('full', (await duck.query(sql)).rows.length, 'materialized', (await duck.query(sql.replace(`(${limSql}) AS q2`, 'lim5 AS q2'))).rows.length);
console.log(limSql);
// Now reduce ORDER BY keys and the filters.
const ob = limSql.slice(limSql.indexOf('ORDER BY ') + 9, limSql.indexOf(' LIMIT'));
let keys = ob.split(', ');
const variant = (ks: string[]) => sql.replace(ob, ks.join(', '));
async function wrong(s2: string) { const lim2 = s2.slice(s2.indexOf('(SELECT * FROM (SELECT "l_j"') + 1, s2.indexOf(') AS q2')); await conn.run('DROP TABLE IF EXISTS lim6'); await conn.run(`CREATE TABLE lim6 AS ${lim2}`); return (await duck.query(s2)).rows.length !== (await duck.query(s2.replace(`(${lim2}) AS q2`, 'lim6 AS q2'))).rows.length; }
for (let i = keys.length - 1; i >= 0; i--) { const k2 = keys.filter((_, j) => j !== i); if (k2.length && await wrong(variant(k2))) keys = k2; }
const finalSql = variant(keys);
console.log('keys', keys, 'still wrong', await wrong(finalSql));
console.log(finalSql);
duck.close();
