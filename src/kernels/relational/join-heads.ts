import type { Arena } from '../../data/buffer-pool.js';
import type { Column } from '../../data/column.js';
import { allocInt32Array } from '../../data/column-memory.js';
import { dictionaryCodes, isDense, isIntegerKey, joinKeyColumns, valueRange } from './hash.js';
import { chainsByValue, hasChains, probeChains } from './hash-join.js';

/**
 * The build side of a join, for a probe that walks it itself (a pipeline,
 * src/exec/pipeline/) instead of asking for the join's row pairs: where the chain of
 * build rows with a probe row's key starts (-1: none; a null key never matches), and
 * `next[j]`, the build row after j with j's key (-1 at a chain's end), or null when no
 * build key repeats. Three ways to find the head:
 * - `value`: one integer key whose build values span a dense range: `first[key - offset]`;
 * - `code`: one string key: `first[code]` by the probe column's dictionary code;
 * - `row`: anything else, probed for every probe row up front: `match[row]`.
 * Its large arrays come from `arena` when given (src/data/column-memory.ts).
 */
export type JoinHeads =
  | { readonly by: 'value'; readonly first: Int32Array; readonly offset: number; readonly next: Int32Array | null }
  | { readonly by: 'code'; readonly first: Int32Array; readonly next: Int32Array | null }
  | { readonly by: 'row'; readonly match: Int32Array; readonly next: Int32Array | null };

export function joinHeads(probeKeys: readonly Column[], buildKeys: readonly Column[], arena?: Arena): JoinHeads {
  const nr = buildKeys[0].length;
  if (probeKeys.length === 1) {
    const [p, b] = [probeKeys[0], buildKeys[0]];
    if (p.dtype === 'string' && b.dtype === 'string') {
      // Build codes in one code space with the probe dictionary's, then heads by probe code.
      const codes = new Map<string, number>();
      const buildCodes = dictionaryCodes(b.dictionary ?? [], codes);
      const distinct = codes.size;
      const probeCodes = dictionaryCodes(p.dictionary ?? [], codes);
      // A code under a null may be out of range; chainsByValue skips null rows.
      const build = { values: Int32Array.from(b.values, (c) => buildCodes[c] ?? 0), validity: b.validity };
      const next = allocInt32Array(nr, arena).fill(-1);
      const first = chainsByValue(build, nr, 0, distinct, next);
      return { by: 'code', first: Int32Array.from(probeCodes, (c) => (c < distinct ? first[c] : -1)), next: hasChains(next) ? next : null };
    }
    if (p.dtype !== 'string' && b.dtype !== 'string' && isIntegerKey(p.dtype) && isIntegerKey(b.dtype)) {
      const [min, max] = valueRange(b, nr);
      const range = Math.max(max - min + 1, 0);
      if (isDense(range, nr)) {
        const next = allocInt32Array(nr, arena).fill(-1);
        const first = chainsByValue(b, nr, min, range, next, arena);
        return { by: 'value', first, offset: min, next: hasChains(next) ? next : null };
      }
    }
  }
  const [lk, rk] = joinKeyColumns(probeKeys, buildKeys);
  const integer = lk.length === 1 && isIntegerKey(probeKeys[0].dtype) && isIntegerKey(buildKeys[0].dtype);
  const { match, next } = probeChains(lk, rk, probeKeys[0].length, nr, integer, arena);
  return { by: 'row', match, next: hasChains(next) ? next : null };
}
