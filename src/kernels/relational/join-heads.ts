import type { Column } from '../../data/column.js';
import { dictionaryCodes, isDense, isIntegerKey, joinKeyColumns, valueRange } from './hash.js';
import { hasChains, probeChains } from './hash-join.js';

/**
 * The build side of a join, for a probe that walks it itself (a pipeline,
 * src/exec/pipeline/) instead of asking for the join's row pairs: where the chain of
 * build rows with a probe row's key starts (-1: none; a null key never matches), and
 * `next[j]`, the build row after j with j's key (-1 at a chain's end), or null when no
 * build key repeats. Three ways to find the head:
 * - `value`: one integer key whose build values span a dense range: `first[key - offset]`;
 * - `code`: one string key: `first[code]` by the probe column's dictionary code;
 * - `row`: anything else, probed for every probe row up front: `match[row]`.
 */
export type JoinHeads =
  | { readonly by: 'value'; readonly first: Int32Array; readonly offset: number; readonly next: Int32Array | null }
  | { readonly by: 'code'; readonly first: Int32Array; readonly next: Int32Array | null }
  | { readonly by: 'row'; readonly match: Int32Array; readonly next: Int32Array | null };

export function joinHeads(probeKeys: readonly Column[], buildKeys: readonly Column[]): JoinHeads {
  const nr = buildKeys[0].length;
  if (probeKeys.length === 1) {
    const [p, b] = [probeKeys[0], buildKeys[0]];
    if (p.dtype === 'string' && b.dtype === 'string') {
      const codes = new Map<string, number>();
      const buildCodes = dictionaryCodes(b.dictionary ?? [], codes);
      const distinct = codes.size;
      const probeCodes = dictionaryCodes(p.dictionary ?? [], codes);
      const bv = b.values;
      const { first, next } = chainsByValue(nr, distinct, (j) => (b.validity !== null && b.validity[j] === 0 ? -1 : buildCodes[bv[j]]));
      return { by: 'code', first: Int32Array.from(probeCodes, (c) => (c < distinct ? first[c] : -1)), next };
    }
    if (p.dtype !== 'string' && b.dtype !== 'string' && isIntegerKey(p.dtype) && isIntegerKey(b.dtype)) {
      const [min, max] = valueRange(b, nr);
      const range = Math.max(max - min + 1, 0);
      if (isDense(range, nr)) {
        const bv = b.values;
        const { first, next } = chainsByValue(nr, range, (j) => (b.validity !== null && b.validity[j] === 0 ? -1 : bv[j] - min));
        return { by: 'value', first, offset: min, next };
      }
    }
  }
  const [lk, rk] = joinKeyColumns(probeKeys, buildKeys);
  const integer = lk.length === 1 && isIntegerKey(probeKeys[0].dtype) && isIntegerKey(buildKeys[0].dtype);
  const { match, next } = probeChains(lk, rk, probeKeys[0].length, nr, integer);
  return { by: 'row', match, next: hasChains(next) ? next : null };
}

/** Chains of build rows by slot (`slotOf(j)` in [0, slots), -1: the row has a null key), in row order. */
function chainsByValue(rows: number, slots: number, slotOf: (j: number) => number): { first: Int32Array; next: Int32Array | null } {
  const first = new Int32Array(slots).fill(-1);
  const next = new Int32Array(rows).fill(-1);
  let repeats = false;
  // Walking backwards, each row is prepended to its slot's chain.
  for (let j = rows - 1; j >= 0; j--) {
    const d = slotOf(j);
    if (d < 0) continue;
    if (first[d] >= 0) repeats = true;
    next[j] = first[d];
    first[d] = j;
  }
  return { first, next: repeats ? next : null };
}
