import { type Column, DictionaryBuilder, allocValues, makeColumn } from '../data/column.js';
import type { DType } from '../types/dtype.js';
import { MS_PER_DAY, daysToIsoDate } from '../types/date.js';
import { formatFloat } from '../types/float-text.js';
import { INT64_EXACT_LIMIT, bigintWithinInt64, integerTextWithinInt64 } from '../types/int64.js';

/**
 * Casts with TRY_CAST semantics: a value that does not fit the target (a string that
 * does not parse, a float outside int32) becomes null instead of failing the query.
 * Floats cast to integers round half to even and decimal strings half away from zero, as DuckDB does;
 * an integer result is never -0 (-0.4 and '-0' cast to 0, so 1.0 / that is +Infinity, as in DuckDB).
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

/** Floats round half to even when cast to integers (2.5 → 2), as DuckDB does for doubles. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Decimal text rounds half away from zero ('2.5' → 3), as DuckDB does for strings. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** `r` if it fits the integer dtype (int64: within ±2^53 inclusive, as sources read it), else null; -0 becomes 0 (integers have no -0, as in DuckDB). */
function toInteger(r: number, to: DType): number | null {
  if (to === 'int64') return Math.abs(r) > INT64_EXACT_LIMIT ? null : r + 0;
  return r < INT32_MIN || r > INT32_MAX ? null : r + 0;
}

function convertNumber(v: number, to: DType, round: (x: number) => number = roundHalfEven): number | null {
  switch (to) {
    case 'float64':
      return v;
    case 'float32':
      return Math.fround(v);
    case 'bool':
      return v !== 0 ? 1 : 0;
    case 'int32':
    case 'int64':
    case 'date':
      return Number.isFinite(v) ? toInteger(round(v), to) : null;
    case 'string':
      return null;
  }
}

const TRUE_TEXT = new Set(['true', 't', '1', 'yes', 'y']);
const FALSE_TEXT = new Set(['false', 'f', '0', 'no', 'n']);
/** Decimal numbers with optional '_' digit separators, as DuckDB reads them. */
const NUMBER_TEXT = /^[+-]?((\d+(_\d+)*)(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+)?$/;
/** Hexadecimal and binary integers ('0x1F', '0b101'), which DuckDB reads for integer targets only. */
const RADIX_TEXT = /^0([xX][0-9a-fA-F]+(_[0-9a-fA-F]+)*|[bB][01]+(_[01]+)*)$/;
const SPECIAL_NUMBERS: Record<string, number> = { inf: Infinity, infinity: Infinity, nan: NaN };

function parseDate(t: string): number | null {
  // Y-M-D (or Y/M/D); a time after the date is dropped, as DuckDB does when casting to DATE.
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(t);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 02-30 over to 03-01: such dates are invalid.
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? ms / MS_PER_DAY : null;
}

function parseString(s: string, to: DType): number | null {
  // Booleans are read exactly (DuckDB does not trim them); numbers and dates may be padded.
  if (to === 'bool') {
    const lower = s.toLowerCase();
    return TRUE_TEXT.has(lower) ? 1 : FALSE_TEXT.has(lower) ? 0 : null;
  }
  const t = s.trim();
  if (to === 'date') return parseDate(t);
  const lower = t.toLowerCase();
  const sign = lower.startsWith('-') ? -1 : 1;
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned in SPECIAL_NUMBERS) return convertNumber(sign * SPECIAL_NUMBERS[unsigned], to);
  // DuckDB allows leading but not trailing blanks around hexadecimal and binary text.
  const radix = s.trimStart();
  if (RADIX_TEXT.test(radix)) {
    if (to !== 'int32' && to !== 'int64') return null;
    const digits = radix.slice(2).replaceAll('_', '');
    const value = BigInt(`0${radix[1]}${digits}`);
    return to === 'int64' && !bigintWithinInt64(value) ? null : toInteger(Number(value), to);
  }
  if (RADIX_TEXT.test(t)) return null;
  if (!NUMBER_TEXT.test(t)) return null;
  const digits = t.replaceAll('_', '');
  const v = Number(digits);
  // Text beyond ±2^53 can read as exactly ±2^53 ('9007199254740993'): decide on the digits.
  if (to === 'int64' && Math.abs(v) === INT64_EXACT_LIMIT && !integerTextWithinInt64(digits, v)) return null;
  return convertNumber(v, to, roundHalfAway);
}

function formatValue(dtype: DType, v: number): string {
  switch (dtype) {
    case 'bool':
      return v ? 'true' : 'false';
    case 'date':
      return daysToIsoDate(v);
    case 'float64':
    case 'float32':
      return formatFloat(v);
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
