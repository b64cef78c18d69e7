import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
const run = async (s: string) => (await c.runAndReadAll(s)).getRowsJS();
await c.run(`CREATE TABLE L(l_j INTEGER, k1 INTEGER, l_s VARCHAR, l_d DATE, k2 VARCHAR, l_i INTEGER, l_f DOUBLE, l_b BOOLEAN);
INSERT INTO L VALUES (-20, 8, NULL, DATE '1870-01-01', NULL, 6, NULL, NULL), (-12, 4, NULL, DATE '2023-12-16', '2.5', 14, -1.75, NULL);
CREATE TABLE R1(r1_b BOOLEAN, k1 INTEGER, k2 VARCHAR);
INSERT INTO R1 VALUES (true, 4, '2.5');
CREATE TABLE R2(k1 INTEGER, r2_b BOOLEAN);`);
const top = `SELECT * FROM L ORDER BY l_d ASC NULLS FIRST, l_s DESC NULLS FIRST, l_f ASC NULLS FIRST, l_b ASC NULLS LAST, l_i DESC NULLS FIRST, k2 ASC NULLS LAST, k1 ASC NULLS FIRST, l_j DESC NULLS LAST LIMIT 5 OFFSET 1`;
const j = `SELECT q5.*, R2.r2_b FROM (SELECT t.*, R1.r1_b FROM (${top}) t LEFT JOIN R1 ON t.k2 = R1.k2 AND t.k1 = R1.k1) q5 LEFT JOIN R2 ON q5.k1 = R2.k1`;
console.log('top-N:', JSON.stringify(await run(top)));
console.log('WHERE r1_b once:  ', (await run(`SELECT count(*) FROM (${j}) WHERE r1_b`))[0][0]);
console.log('WHERE r1_b twice: ', (await run(`SELECT count(*) FROM (SELECT * FROM (${j}) WHERE r1_b) WHERE r1_b`))[0][0]);
console.log('twice, ORDER BY l_d only: ', (await run(`SELECT count(*) FROM (SELECT * FROM (${j.replace(/ORDER BY .* LIMIT/, 'ORDER BY l_d ASC NULLS FIRST LIMIT')}) WHERE r1_b) WHERE r1_b`))[0][0]);
const v = async (label: string, top2: string, noR2 = false) => {
  const j2 = noR2 ? `SELECT t.*, R1.r1_b FROM (${top2}) t LEFT JOIN R1 ON t.k2 = R1.k2 AND t.k1 = R1.k1` : `SELECT q5.*, R2.r2_b FROM (SELECT t.*, R1.r1_b FROM (${top2}) t LEFT JOIN R1 ON t.k2 = R1.k2 AND t.k1 = R1.k1) q5 LEFT JOIN R2 ON q5.k1 = R2.k1`;
  console.log(label.padEnd(40), (await run(`SELECT count(*) FROM (${j2}) WHERE r1_b`))[0][0]);
};
await v('ORDER BY l_d', `SELECT * FROM L ORDER BY l_d LIMIT 5 OFFSET 1`);
await v('ORDER BY l_d, no R2', `SELECT * FROM L ORDER BY l_d LIMIT 5 OFFSET 1`, true);
await v('full ORDER BY, no R2', top, true);
await v('ORDER BY l_d, l_s', `SELECT * FROM L ORDER BY l_d, l_s LIMIT 5 OFFSET 1`);
await v('ORDER BY l_d DESC NULLS LAST? (k1 DESC)', `SELECT * FROM L ORDER BY k1 DESC LIMIT 5 OFFSET 1`);
await v('ORDER BY l_d LIMIT 1 OFFSET 1', `SELECT * FROM L ORDER BY l_d LIMIT 1 OFFSET 1`);
await v('no OFFSET (ORDER BY l_d DESC LIMIT 1)', `SELECT * FROM L ORDER BY l_d DESC LIMIT 1`);
await c.run('PRAGMA disable_optimizer');
console.log('optimizer off, once:', (await run(`SELECT count(*) FROM (${j}) WHERE r1_b`))[0][0]);
await c.run('PRAGMA enable_optimizer');
console.log('optimizer on again, once:', (await run(`SELECT count(*) FROM (${j}) WHERE r1_b`))[0][0]);
const counts: Record<string, number> = {};
for (let i = 0; i < 40; i++) { const r = String((await run(`SELECT count(*) FROM (${j}) WHERE r1_b`))[0][0]); counts[r] = (counts[r] ?? 0) + 1; }
console.log('40 runs of the same query:', counts);
await c.run('SET threads = 1');
const counts1: Record<string, number> = {};
for (let i = 0; i < 40; i++) { const r = String((await run(`SELECT count(*) FROM (${j}) WHERE r1_b`))[0][0]); counts1[r] = (counts1[r] ?? 0) + 1; }
console.log('threads=1, 40 runs:', counts1);
await c.run('RESET threads');
await c.run('PRAGMA disable_optimizer');
const counts2: Record<string, number> = {};
for (let i = 0; i < 40; i++) { const r = String((await run(`SELECT count(*) FROM (${j}) WHERE r1_b`))[0][0]); counts2[r] = (counts2[r] ?? 0) + 1; }
console.log('optimizer off, 40 runs:', counts2);
