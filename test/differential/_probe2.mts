import { fromColumns } from '../../src/index.js';
const t = fromColumns({ a: Int32Array.from([1, 2]), b: ['x', 'y'] });
const q = t.select((r) => ({ renamed: r.a, b: r.b }));
console.log(q.schema.fields, await q.collectRows());
const w = t.withColumn('copy', (r) => r.b);
console.log(w.schema.fields.map(f => f.name), await w.collectRows());
try { console.log((await w.collect()).toArray().map(r => r.toJSON())); } catch (e) { console.log('collect threw', (e as Error).message); }
