import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
async function q(sql: string) { try { const r = await c.runAndReadAll(sql); console.log(sql, '=>', JSON.stringify(r.getRowsJS(), (k, v) => typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), r.columnTypes().map(String).join(',')); } catch (e) { console.log(sql, 'ERR', (e as Error).message); } }
await q("select 'inf'::double % 3.0::double, 3.0::double % 'inf'::double, -(0.0::double) * 1, 1.0::double / -(0.0::double)");
await q("select x from (values (1),(null),(2)) t(x) order by x desc");
await q("select count(distinct x), min(s), max(s) from (values (null::double, 'b'), (-0.0, 'a'), (0.0, 'é'), ('nan'::double, 'Z')) t(x, s)");
await q("select * from (values (1),(null)) a(k) where not exists (select 1 from (values (1),(null)) b(k) where a.k = b.k)");
await q("select * from (values (1),(null)) a(k) anti join (values (1),(null)) b(k) on a.k = b.k");
await q("select sum(x), avg(x) from (select 1::integer x where false)");
await q("select typeof(coalesce(1::integer, 2.5::double)), typeof(case when true then 1::integer else 2::bigint end)");
const t = new arrow.Table({ a: arrow.vectorFromArray([1, null, 3], new arrow.Int32()), s: arrow.vectorFromArray(['x', null, 'y'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())) });
console.log(t.batches.length, t.schema.fields.map(String));
const schema = new arrow.Schema([new arrow.Field('a', new arrow.Int32(), true), new arrow.Field('s', new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), true)]);
const mk = (a: (number|null)[], s: (string|null)[]) => new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: a.length, nullCount: 0, children: [arrow.vectorFromArray(a, new arrow.Int32()).data[0], arrow.vectorFromArray(s, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())).data[0]] }));
const t2 = new arrow.Table(schema, [mk([1, null], ['q', null]), mk([], []), mk([5], ['z'])]);
console.log(t2.numRows, t2.batches.length, t2.toArray().map(r => r.toJSON()));
