import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
const run = async (s: string) => (await c.runAndReadAll(s)).getRowsJS();
await c.run(`CREATE TABLE l AS SELECT i AS k, i AS v FROM range(10) t(i)`);
await c.run(`CREATE TABLE r1 AS SELECT * FROM (VALUES (8, true)) t(k, b)`);
await c.run(`CREATE TABLE r2 AS SELECT i % 10 AS k FROM range(30) t(i)`);
const top = `SELECT * FROM l ORDER BY v LIMIT 5 OFFSET 1`;
const j = `SELECT q5.* FROM (SELECT t.*, r1.b FROM (${top}) t LEFT JOIN r1 ON t.k = r1.k) q5 LEFT JOIN r2 ON q5.k = r2.k`;
for (const [label, s] of [
  ['one filter', `SELECT count(*) FROM (${j}) WHERE b`],
  ['two filters', `SELECT count(*) FROM (SELECT * FROM (${j}) WHERE b) WHERE b`],
  ['two filters, no r2', `SELECT count(*) FROM (SELECT * FROM (SELECT t.*, r1.b FROM (${top}) t LEFT JOIN r1 ON t.k = r1.k) WHERE b) WHERE b`],
  ['one filter, no r2', `SELECT count(*) FROM (SELECT t.*, r1.b FROM (${top}) t LEFT JOIN r1 ON t.k = r1.k) WHERE b`],
  ['two filters, LIMIT without OFFSET', `SELECT count(*) FROM (SELECT * FROM (${j.replace(' OFFSET 1', '')}) WHERE b) WHERE b`],
] as const) console.log(label.padEnd(36), (await run(s))[0][0]);
