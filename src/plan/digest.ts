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
 *
 * An EncodedDigest stands for the value whose encoding it holds.
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
  | EncodedDigest
  | readonly DigestValue[]
  | { readonly [key: string]: DigestValue };

/** A digest already in canonical form (a whole plan's), embedded as it is. */
export class NestedDigest {
  constructor(readonly text: string) {}
}

/**
 * A value already encoded: `text` must be encodeDigest's text of some value, and is
 * written in its place as it is (so the encoding stays injective). Lets a part that is
 * encoded once and remembered (an expression's key, src/plan/expr.ts) be reused in
 * the encodings of everything that holds it, instead of being encoded again.
 */
export class EncodedDigest {
  constructor(readonly text: string) {}
}

/** -0 apart from 0 (String(-0) is "0"); NaN and ±Infinity by name. */
function numberToken(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * The canonical text of a value (see the module comment for the grammar). Written
 * into one list of pieces joined once, without recursion: an expression thousands of
 * levels deep (src/plan/limits.ts) encodes in time proportional to its size.
 */
export function encodeDigest(value: DigestValue): string {
  const out: string[] = [];
  // Work items: a value to encode, or a piece of text to write as it is.
  const work: (DigestValue | Piece)[] = [value];
  while (work.length > 0) {
    const item = work.pop()!;
    if (item instanceof Piece) out.push(item.text);
    else encodeOne(item, out, work);
  }
  return concatenate(out);
}

/**
 * The pieces as one string: short runs joined, long pieces (texts encoded before) added
 * with `+`, which V8 represents without copying them, so that a digest holding a long
 * encoded part costs time and memory for its own pieces only.
 */
function concatenate(pieces: readonly string[]): string {
  let text = '';
  let start = 0;
  for (let i = 0; i < pieces.length; i++) {
    if (pieces[i].length < 256) continue;
    text = text + pieces.slice(start, i).join('') + pieces[i];
    start = i + 1;
  }
  return start === 0 ? pieces.join('') : text + pieces.slice(start).join('');
}

/** Literal text among the work items of encodeDigest. */
class Piece {
  constructor(readonly text: string) {}
}
const OPEN_LIST = new Piece('[');
const CLOSE_LIST = new Piece(']');
const CLOSE_RECORD = new Piece('}');
const COMMA = new Piece(',');

/** Writes a scalar's text to `out`, or pushes a list's or record's parts onto `work` (last part first). */
function encodeOne(value: DigestValue, out: string[], work: (DigestValue | Piece)[]): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(numberToken(value));
      return;
    case 'bigint':
      out.push(`${value}n`);
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'undefined':
      out.push('undefined');
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`cannot digest a ${typeof value}`);
  }
  if (value === null) return void out.push('null');
  if (value instanceof NestedDigest) return void out.push('<', value.text, '>');
  if (value instanceof EncodedDigest) return void out.push(value.text);
  if (value instanceof Date) return void out.push(`Date(${numberToken(value.getTime())})`);
  if (Array.isArray(value)) {
    const items = value as readonly DigestValue[];
    out.push(OPEN_LIST.text);
    work.push(CLOSE_LIST);
    for (let i = items.length - 1; i >= 0; i--) {
      work.push(items[i]);
      if (i > 0) work.push(COMMA);
    }
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    // A class instance (a source, a matrix) has no canonical text: its identity is an id the caller must pass.
    throw new TypeError(`cannot digest an instance of ${(value as object).constructor?.name ?? 'an unknown class'}`);
  }
  const record = value as { readonly [key: string]: DigestValue };
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  out.push('{');
  work.push(CLOSE_RECORD);
  for (let i = keys.length - 1; i >= 0; i--) {
    work.push(record[keys[i]]);
    work.push(new Piece(`${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:`));
  }
}
