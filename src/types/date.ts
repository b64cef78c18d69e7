/**
 * Dates are held as whole days since 1970-01-01 (UTC), as Arrow's DateDay is; these are
 * the conversions every layer shares.
 */
export const MS_PER_DAY = 86_400_000;

/** The day of a JavaScript Date (its UTC calendar day). */
export function dateToDays(d: Date): number {
  return Math.floor(d.getTime() / MS_PER_DAY);
}

/** A day as a Date at UTC midnight. */
export function daysToDate(days: number): Date {
  return new Date(days * MS_PER_DAY);
}

/** A day as YYYY-MM-DD. */
export function daysToIsoDate(days: number): string {
  return daysToDate(days).toISOString().slice(0, 10);
}
