/**
 * Canonical, injective text of plan arguments: the one encoding every operator's
 * `digest` goes through, so that plan digests compare equal exactly when plans are
 * structurally equal (common-subexpression elimination and every memo keyed by a
 * digest rely on it). Operators describe their arguments as values — strings,
 * numbers, lists, records — and never join names or literals into text themselves:
 * a column list ['a,b'] and ['a', 'b'], a column named `(a + 1)` and the expression
 * a + 1, or a string literal holding a separator would otherwise read alike.
 *
 * Every encoding is self-delimiting (a reader can tell where it ends without looking
 * past it), so lists and records of encodings stay injective:
 *
 *   string     JSON text, "…" (quotes, backslashes and control characters escaped)
 *   number     -0, NaN, Infinity, -Infinity, or the shortest text that reads back as
 *              the number (String), so -0 and 0 stay apart and NaN equals NaN
 *   bigint     digits and `n` (1n is not 1)
 *   boolean    true, false; null, undefined as themselves
 *   Date       Date(<ms since epoch>) (an invalid Date is Date(NaN))
 *   list       [e1,e2,…]
 *   record     {"key":e,…} in key order; keys whose value is undefined are left out,
 *              as an optional argument that is absent
 *   nested     <plan digest>, for a plan inside arguments (a loop body)
 */

export type DigestValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Date
  | NestedDigest
  | readonly DigestValue[]
  | { readonly [key: string]: DigestValue };

/** A digest already in canonical form (a whole plan's), embedded as it is. */
export class NestedDigest {
  constructor(readonly text: string) {}
}

/** -0 apart from 0 (String(-0) is "0"); NaN and ±Infinity by name. */
function numberToken(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** The canonical text of a value (see the module comment for the grammar). */
export function encodeDigest(value: DigestValue): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberToken(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      throw new TypeError(`cannot digest a ${typeof value}`);
  }
  if (value === null) return 'null';
  if (value instanceof NestedDigest) return `<${value.text}>`;
  if (value instanceof Date) return `Date(${numberToken(value.getTime())})`;
  if (Array.isArray(value)) return `[${(value as readonly DigestValue[]).map(encodeDigest).join(',')}]`;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    // A class instance (a source, a matrix) has no canonical text: its identity is an id the caller must pass.
    throw new TypeError(`cannot digest an instance of ${(value as object).constructor?.name ?? 'an unknown class'}`);
  }
  const record = value as { readonly [key: string]: DigestValue };
  const parts = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${encodeDigest(record[k])}`);
  return `{${parts.join(',')}}`;
}
