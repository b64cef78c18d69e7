import { mulberry32 } from '../../src/data/random.js';
import { fromColumns } from '../../src/index.js';

/**
 * Generated rows for the validation tests, as a Tessera relation and as the same rows in
 * SQL for DuckDB (the oracle for every count). Every checked column has nulls; `age` has
 * NaNs; `id` repeats; `city` and `code` hold values outside what the checks allow.
 */

export interface Rows {
  rn: number[];
  id: (number | null)[];
  age: (number | null)[];
  city: (string | null)[];
  code: (string | null)[];
  a: (number | null)[];
  b: (number | null)[];
  day: (Date | null)[];
}

export const CITIES = ['Paris', 'Lyon', 'Nice', 'Lille'];
export const ALLOWED_CITIES = ['Paris', 'Lyon', 'Nice'];
export const CODE_PATTERN = '^[A-Z]{2}-[0-9]{3}$';

export function generateRows(n: number, seed: number): Rows {
  const rnd = mulberry32(seed);
  const maybe = <T>(p: number, v: () => T): T | null => (rnd() < p ? null : v());
  const rows: Rows = { rn: [], id: [], age: [], city: [], code: [], a: [], b: [], day: [] };
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (let i = 0; i < n; i++) {
    rows.rn.push(i);
    rows.id.push(maybe(0.05, () => Math.floor(rnd() * n * 0.8)));
    rows.age.push(maybe(0.04, () => (rnd() < 0.02 ? NaN : Math.round(rnd() * 140 - 10))));
    rows.city.push(maybe(0.05, () => CITIES[Math.floor(rnd() * CITIES.length)]));
    rows.code.push(
      maybe(0.03, () => {
        const two = letters[Math.floor(rnd() * 26)] + (rnd() < 0.05 ? letters[Math.floor(rnd() * 26)].toLowerCase() : letters[Math.floor(rnd() * 26)]);
        return `${two}-${String(Math.floor(rnd() * (rnd() < 0.05 ? 10000 : 1000))).padStart(3, '0')}`;
      }),
    );
    rows.a.push(maybe(0.05, () => Math.round(rnd() * 100)));
    rows.b.push(maybe(0.05, () => Math.round(rnd() * 100 + 10)));
    rows.day.push(maybe(0.05, () => new Date(Date.UTC(2020, 0, 1) + Math.floor(rnd() * 366) * 86_400_000)));
  }
  return rows;
}

export function relationOf(rows: Rows) {
  return fromColumns(
    { rn: Int32Array.from(rows.rn), id: rows.id, age: rows.age, city: rows.city, code: rows.code, a: rows.a, b: rows.b, day: rows.day },
    { types: { id: 'int32?', age: 'float64?', city: 'string?', code: 'string?', a: 'float64?', b: 'float64?', day: 'date?' } },
  );
}

const num = (v: number | null, type: string) => (v === null ? 'NULL' : Number.isNaN(v) ? `'NaN'::${type}` : `${v}::${type}`);
const str = (v: string | null) => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);
const date = (v: Date | null) => (v === null ? 'NULL' : `DATE '${v.toISOString().slice(0, 10)}'`);

/** The rows as a DuckDB table expression `t`, for `WITH t AS (...) SELECT ...`. */
export function sqlTable(rows: Rows): string {
  if (rows.rn.length === 0) {
    return 'SELECT * FROM (VALUES (0::INTEGER, NULL::INTEGER, NULL::DOUBLE, NULL::VARCHAR, NULL::VARCHAR, NULL::DOUBLE, NULL::DOUBLE, NULL::DATE)) v(rn, id, age, city, code, a, b, day) WHERE false';
  }
  const values = rows.rn.map(
    (rn, i) =>
      `(${rn}::INTEGER, ${num(rows.id[i], 'INTEGER')}, ${num(rows.age[i], 'DOUBLE')}, ${str(rows.city[i])}, ${str(rows.code[i])}, ${num(rows.a[i], 'DOUBLE')}, ${num(rows.b[i], 'DOUBLE')}, ${date(rows.day[i])})`,
  );
  return `SELECT * FROM (VALUES ${values.join(',\n')}) v(rn, id, age, city, code, a, b, day)`;
}
