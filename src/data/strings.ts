/**
 * Orders strings by Unicode code point, as DuckDB (byte order of UTF-8), Arrow and
 * Python do. JavaScript's `<` and the default `Array.prototype.sort` compare UTF-16
 * code units instead, which puts a character above U+FFFF (a surrogate pair, 0xD800..
 * 0xDFFF) before one in U+E000..U+FFFF (e.g. '😀' < '～'). Only the first differing
 * code unit matters: below 0xD800 both orders agree; at or above it, surrogates are
 * moved above 0xFFFF (and U+E000..U+FFFF down into their place), the fix-up ICU uses
 * for code point order. Lone surrogates (not valid text) still get a consistent order.
 * Returns a negative number, 0 (the same string) or a positive number.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? codePointWeight(x) - codePointWeight(y) : x - y;
  }
  return a.length - b.length;
}

/** A code unit at or above 0xD800, shifted so that surrogates sort after U+E000..U+FFFF. */
function codePointWeight(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
