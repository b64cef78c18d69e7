/** The text of a float, shared by casts to string and the CSV writer. */

/** Shortest round-trip text of a float, with '.0' on whole numbers and exponents past 1e16, as DuckDB prints doubles. */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (Object.is(v, -0)) return '-0.0';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mantissa, exponent] = v.toExponential().split('e');
    const e = Number(exponent);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const text = String(v);
  return Number.isInteger(v) ? `${text}.0` : text;
}
