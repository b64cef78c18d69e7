import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
async function q(sql: string) { try { const r = await c.runAndReadAll(sql); console.log(sql, '=>', JSON.stringify(r.getRowsJS(), (k, v) => typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), r.columnTypes().map(String).join(',')); } catch (e) { console.log(sql, 'ERR', (e as Error).message); } }
await q("select 1/0, 0/0, 1.0::double/0.0::double, 0.0::double/0.0::double, -1.0::double/0.0");
await q("select 5 % 0, 5.5::double % 0.0::double, -7 % 3, -7.5::double % 2.0::double");
await q("select try_cast(2.5::double as integer), try_cast(-2.5::double as integer), try_cast(3.5::double as integer), try_cast(0.5::double as bigint)");
await q("select try_cast('2.5' as integer), try_cast(' 3' as integer), try_cast('1e3' as integer), try_cast('' as integer), try_cast('0x10' as integer), try_cast('+4' as integer), try_cast(' 3 ' as double)");
await q("select try_cast('t' as boolean), try_cast('yes' as boolean), try_cast('1' as boolean), try_cast('TRUE' as boolean), try_cast('0' as boolean), try_cast('no' as boolean), try_cast('' as boolean), try_cast('2' as boolean)");
await q("select try_cast(2.0::double as varchar), try_cast(0.1::double as varchar), try_cast(1e20::double as varchar), try_cast(-0.25::double as varchar), try_cast(true as varchar), try_cast(1.5::double as boolean), try_cast(0.0::double as boolean), try_cast(1e300::double as integer)");
await q("select 'nan'::double > 3, 'nan'::double = 'nan'::double, 'inf'::double > 'nan'::double");
await q("select try_cast('Infinity' as double), try_cast('inf' as double), try_cast('nan' as double), try_cast('NaN' as integer), try_cast('1_000' as integer), try_cast('.5' as double), try_cast('5.' as double)");
await q("select abs(-3::integer), -(3::integer), typeof(abs(-3::integer)), typeof(coalesce(1::integer, 2::bigint)), typeof(1::integer % 2::integer)");
await q("select min(x), max(x), typeof(min(x)) from (values (true), (false), (null)) t(x)");
await q("select try_cast('3.7' as integer), try_cast('-3.5' as integer), try_cast('2147483648' as integer), try_cast('1e400' as double)");
await q("select try_cast(0.5::double as integer), try_cast(1.5::double as integer), try_cast(-0.5::double as integer)");
