import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
const run = async (s: string) => (await c.runAndReadAll(s)).getRowsJS();
await c.run(`CREATE TABLE l(k1 INTEGER, k2 VARCHAR, d DATE)`);
await c.run(`INSERT INTO l VALUES (8, NULL, DATE '1870-01-01'), (4, '2.5', DATE '2023-12-16')`);
await c.run(`CREATE TABLE r1(b BOOLEAN, k1 INTEGER, k2 VARCHAR)`);
await c.run(`INSERT INTO r1 VALUES (true, 4, '2.5')`);
await c.run(`CREATE TABLE r2(k1 INTEGER, x INTEGER)`);
const top = `SELECT * FROM l ORDER BY d LIMIT 5 OFFSET 1`;
const j = `SELECT q5.*, r2.x FROM (SELECT t.*, r1.b FROM (${top}) t LEFT JOIN r1 ON t.k2 = r1.k2 AND t.k1 = r1.k1) q5 LEFT JOIN r2 ON q5.k1 = r2.k1`;
for (const [label, s] of [
  ['top-N', top],
  ['join', j],
  ['one WHERE b', `SELECT * FROM (${j}) WHERE b`],
  ['WHERE b twice (nested)', `SELECT * FROM (SELECT * FROM (${j}) WHERE b) WHERE b`],
  ['WHERE b twice, one key', `SELECT * FROM (SELECT * FROM (${j.replace('t.k2 = r1.k2 AND ', '')}) WHERE b) WHERE b`],
  ['WHERE b twice, no OFFSET', `SELECT * FROM (SELECT * FROM (${j.replace(' OFFSET 1', '')}) WHERE b) WHERE b`],
] as const) console.log(label.padEnd(28), JSON.stringify(await run(s)));
console.log((await run('SELECT version()'))[0]);
