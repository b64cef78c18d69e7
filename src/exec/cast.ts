import { type Column, DictionaryBuilder, allocValues, makeColumn } from '../data/column.js';
import type { DType } from '../types/dtype.js';

/**
 * Casts with TRY_CAST semantics: a value that does not fit the target (a string that
 * does not parse, a float outside int32) becomes null instead of failing the query.
 * Floats cast to integers round half away from zero, as DuckDB does.
 */
export function castColumn(c: Column, to: DType): Column {
  if (c.dtype === to) return c;
  const n = c.length;
  const out = allocValues(to, n);
  const validity = c.validity ? c.validity.slice() : new Uint8Array(n).fill(1);
  const invalid = (i: number) => {
    validity[i] = 0;
  };
  if (to === 'string') return toStringColumn(c);
  if (c.dtype === 'string') {
    const dict = c.dictionary ?? [];
    const parsed = dict.map((s) => parseString(s, to));
    for (let i = 0; i < n; i++) {
      if (validity[i] === 0) continue;
      const v = parsed[c.values[i]];
      if (v === null) invalid(i);
      else out[i] = v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (validity[i] === 0) continue;
      const v = convertNumber(c.values[i], to);
      if (v === null) invalid(i);
      else out[i] = v;
    }
  }
  return makeColumn(to, out, validity.every((v) => v === 1) ? null : validity);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function convertNumber(v: number, to: DType): number | null {
  switch (to) {
    case 'float64':
      return v;
    case 'float32':
      return Math.fround(v);
    case 'bool':
      return v !== 0 ? 1 : 0;
    case 'int32':
    case 'date': {
      if (!Number.isFinite(v)) return null;
      const r = roundHalfAway(v);
      return r < INT32_MIN || r > INT32_MAX ? null : r;
    }
    case 'int64': {
      if (!Number.isFinite(v)) return null;
      const r = roundHalfAway(v);
      return Math.abs(r) > Number.MAX_SAFE_INTEGER ? null : r;
    }
    case 'string':
      return null;
  }
}

function parseString(s: string, to: DType): number | null {
  const t = s.trim();
  if (to === 'bool') {
    const l = t.toLowerCase();
    return l === 'true' || l === 't' || l === '1' ? 1 : l === 'false' || l === 'f' || l === '0' ? 0 : null;
  }
  if (to === 'date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) return null;
    const ms = Date.parse(`${t}T00:00:00Z`);
    return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== t ? null : ms / 86_400_000; // Date.parse rolls 02-30 over to 03-01
  }
  if (t === '') return null;
  const v = Number(t);
  if (Number.isNaN(v) && t.toLowerCase() !== 'nan') return null;
  return convertNumber(v, to);
}

function formatValue(dtype: DType, v: number): string {
  switch (dtype) {
    case 'bool':
      return v ? 'true' : 'false';
    case 'date':
      return new Date(v * 86_400_000).toISOString().slice(0, 10);
    default:
      return String(v);
  }
}

function toStringColumn(c: Column): Column {
  const dict = new DictionaryBuilder();
  const codes = new Int32Array(c.length);
  for (let i = 0; i < c.length; i++) {
    if (c.validity && c.validity[i] === 0) continue;
    codes[i] = dict.code(formatValue(c.dtype, c.values[i]));
  }
  return makeColumn('string', codes, c.validity, dict.values);
}
