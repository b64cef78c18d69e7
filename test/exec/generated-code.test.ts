/**
 * The fused aggregate compiles a loop from text (`new Function`, src/exec/fused-loop.ts).
 * Nothing of that text may come from user objects: a typed array given to fromColumns
 * may be an instance of a user's subclass, whose `constructor.name` is any string
 * (comment terminators, newlines, code). The loop names its inputs' kinds only from a
 * fixed list, so such a name changes neither what runs nor what the query returns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { inputKind } from '../../src/exec/loop-code.js';
import { count, fromColumns } from '../../src/index.js';

const MARK = '__tesseraInjected';
/** Valid code after a line break, whether it lands in a line comment or a block comment. */
const PAYLOAD = `*/ globalThis.${MARK} = true; /*\nglobalThis.${MARK} = true; //`;

/** A Float64Array / Int32Array subclass whose name is `PAYLOAD`. */
function hostile<T extends Float64ArrayConstructor | Int32ArrayConstructor>(base: T): T {
  const Sub = class extends (base as Float64ArrayConstructor) {};
  Object.defineProperty(Sub, 'name', { value: PAYLOAD });
  return Sub as unknown as T;
}

afterEach(() => {
  delete (globalThis as Record<string, unknown>)[MARK];
});

describe('generated loop text', () => {
  it('names typed arrays from a fixed list, never by their constructor', () => {
    const F = hostile(Float64Array);
    const I = hostile(Int32Array);
    expect(new F(1).constructor.name).toBe(PAYLOAD);
    expect(inputKind(new F(1))).toBe('Float64Array subclass');
    expect(inputKind(new I(1))).toBe('Int32Array subclass');
    expect(inputKind(new Float64Array(1))).toBe('Float64Array');
    expect(inputKind(new Uint8Array(1))).toBe('Uint8Array');
    expect(inputKind(new DataView(new ArrayBuffer(1)))).toBe('other view');
    expect(inputKind(3)).toBe('number');
  });

  it('a hostile subclass name in the columns of a fused aggregate injects nothing and changes no result', async () => {
    const F = hostile(Float64Array);
    const I = hostile(Int32Array);
    const g = I.from([1, 2, 1, 2, 1, 3]);
    const x = F.from([1.5, 2, 3, 4, 5, 6]);
    const plain = fromColumns({ g: Int32Array.from(g), x: Float64Array.from(x) });
    const sub = fromColumns({ g, x });
    const query = (r: typeof plain) => r.groupBy('g').agg((c) => ({ n: count(), s: c.x.sum(), m: c.x.add(c.g).mean() }));
    const want = await query(plain).collectRows();
    expect(want).toEqual([
      { g: 1, n: 3, s: 9.5, m: 12.5 / 3 },
      { g: 2, n: 2, s: 6, m: 5 },
      { g: 3, n: 1, s: 6, m: 9 },
    ]);
    expect(await query(sub).collectRows()).toEqual(want);
    // Through a join too (the loop reads the dimension through the join's row index).
    const dims = fromColumns({ g: I.from([1, 2, 3]), w: F.from([10, 20, 30]) });
    const joined = await sub.join(dims, 'g').groupBy('g').agg((c) => ({ t: c.w.add(c.x).sum() })).collectRows();
    expect(joined).toEqual([
      { g: 1, t: 39.5 },
      { g: 2, t: 46 },
      { g: 3, t: 36 },
    ]);
    expect((globalThis as Record<string, unknown>)[MARK]).toBeUndefined();
  });
});
