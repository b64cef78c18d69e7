import { DuckDBInstance } from '@duckdb/node-api';
import { fromColumns } from '../../src/index.js';
const strs = ['1', ' 3', '2.5', '-3.5', '1e3', '', 'abc', 'true', 'TRUE', 't', 'yes', 'no', 'nan', 'inf', 'Infinity', '+4', '0x10', '1_000', '.5', '5.', ' 7 ', '-0', '2147483648', '1e400'];
const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
const t = fromColumns({ s: strs });
for (const [to, sqlT] of [['int32', 'INTEGER'], ['int64', 'BIGINT'], ['float64', 'DOUBLE'], ['bool', 'BOOLEAN']] as const) {
  const rows = await t.select((r) => ({ v: r.s.cast(to) })).collectRows();
  const d = (await c.runAndReadAll(`SELECT TRY_CAST(s AS ${sqlT}) FROM (VALUES ${strs.map((s) => `('${s}')`).join(',')}) t(s)`)).getRowsJS().map((r) => r[0]);
  strs.forEach((s, i) => { const a = rows[i].v; const b = typeof d[i] === 'bigint' ? Number(d[i]) : d[i]; if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) console.log(to, JSON.stringify(s), 'tessera', a, 'duckdb', b); });
}
