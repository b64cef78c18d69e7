/**
 * int64 in Tessera: values are JavaScript numbers, so an int64 column holds the
 * integers within ±2^53, every one of which a float64 represents exactly. The range is
 * inclusive: ±2^53 itself is exact when it is read (a source value, a literal, a cast
 * of the float 2^53). A computed result of exactly ±2^53 may be 2^53 + 1 rounded, which
 * is why arithmetic treats it as a possible overflow and recomputes it exactly.
 */
export const INT64_EXACT_LIMIT = 2 ** 53;

/** Whether `v` is an integer int64 holds exactly: |v| ≤ 2^53. */
export function isExactInt64(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) <= INT64_EXACT_LIMIT;
}

/** Whether a BigInt value is within int64's exact range. */
export function bigintWithinInt64(b: bigint): boolean {
  return b <= LIMIT && b >= -LIMIT;
}
const LIMIT = BigInt(INT64_EXACT_LIMIT);

/**
 * Whether integer text `s`, which Number() reads as `v`, is within ±2^53 and so `v` is
 * exact: '9007199254740993' also reads as 2^53, so the boundary is decided on the digits.
 */
export function integerTextWithinInt64(s: string, v: number): boolean {
  const a = Math.abs(v);
  if (a !== INT64_EXACT_LIMIT) return a < INT64_EXACT_LIMIT;
  return /^[+-]?\d+$/.test(s) && bigintWithinInt64(BigInt(s));
}
