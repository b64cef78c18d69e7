/**
 * encodeDigest, the one encoding of operator arguments behind planDigest: injective over
 * the values plans hold, canonical for records, and refusing what has no canonical text.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/random.js';
import { type DigestValue, NestedDigest, encodeDigest } from '../../src/plan/digest.js';

describe('encodeDigest', () => {
  it('keeps values of different types apart: 1, "1", 1n, true, null, undefined, dates, lists', () => {
    const values: DigestValue[] = [
      1, '1', 1n, [1], ['1'], { '1': 1 }, true, 'true', null, 'null', undefined, 'undefined', new Date(1), 'Date(1)', new NestedDigest('scan()[]'), 'scan()[]',
      0, -0, '0', '-0', NaN, 'NaN', Infinity, -Infinity, new Date(NaN), [], [[]], {}, '', [''], [undefined], [null],
    ];
    const texts = values.map(encodeDigest);
    expect(new Set(texts).size).toBe(values.length);
  });

  it('keeps -0 apart from 0, and NaN equal to NaN', () => {
    expect(encodeDigest(-0)).not.toBe(encodeDigest(0));
    expect(encodeDigest([NaN])).toBe(encodeDigest([Number('x')]));
    expect(encodeDigest(new Date(5))).toBe(encodeDigest(new Date(5)));
    expect(encodeDigest(new Date(5))).not.toBe(encodeDigest(new Date(6)));
  });

  it('encodes lists structurally: a name holding a separator is not two names', () => {
    expect(encodeDigest(['a,b'])).not.toBe(encodeDigest(['a', 'b']));
    expect(encodeDigest(['a', 'b'])).not.toBe(encodeDigest([['a', 'b']]));
    expect(encodeDigest(['a"', 'b'])).not.toBe(encodeDigest(['a", "b']));
    expect(encodeDigest(['a\\', 'b'])).not.toBe(encodeDigest(['a\\",\\"b']));
  });

  it('encodes records in key order, leaving out undefined values', () => {
    expect(encodeDigest({ a: 1, b: 'x' })).toBe(encodeDigest({ b: 'x', a: 1 }));
    expect(encodeDigest({ a: 1, b: undefined })).toBe(encodeDigest({ a: 1 }));
    expect(encodeDigest({ a: 1 })).not.toBe(encodeDigest({ a: '1' }));
    expect(encodeDigest({ 'a":1,"b': 1 })).not.toBe(encodeDigest({ a: 1, b: 1 }));
  });

  it('refuses functions, symbols and class instances, which have no canonical text', () => {
    expect(() => encodeDigest((() => 1) as unknown as DigestValue)).toThrow(TypeError);
    expect(() => encodeDigest(Symbol('s') as unknown as DigestValue)).toThrow(TypeError);
    expect(() => encodeDigest(new Map() as unknown as DigestValue)).toThrow(TypeError);
    expect(() => encodeDigest(new Float64Array(2) as unknown as DigestValue)).toThrow(TypeError);
  });

  it('is injective over random nested values from an adversarial alphabet', () => {
    const atoms: DigestValue[] = ['', ',', ';', '"', "'", '\\', '[', ']', '{', '}', '<', '>', ':', 'a', 'a,b', '😀', '\ud83d', '\u0000', 'null', '1', 1, 0, -0, NaN, -1.5, 1e21, 1n, true, false, null, undefined];
    const render = (v: DigestValue): string => {
      // A reference text that is plainly injective: JSON of a tagged tree.
      if (v === undefined) return '["u"]';
      if (typeof v === 'bigint') return JSON.stringify(['big', String(v)]);
      if (typeof v === 'number') return JSON.stringify(['num', Object.is(v, -0) ? '-0' : String(v)]);
      if (Array.isArray(v)) return `["list",${(v as DigestValue[]).map(render).join(',')}]`;
      if (v !== null && typeof v === 'object') {
        const r = v as { [k: string]: DigestValue };
        return `["rec",${Object.keys(r).filter((k) => r[k] !== undefined).sort().map((k) => `${JSON.stringify(k)},${render(r[k])}`).join(',')}]`;
      }
      return JSON.stringify([typeof v, v]);
    };
    const rand = mulberry32(42);
    const gen = (depth: number): DigestValue => {
      const x = rand();
      if (depth <= 0 || x < 0.3) return atoms[Math.floor(rand() * atoms.length)];
      const n = Math.floor(rand() * 4);
      if (x < 0.8) return Array.from({ length: n }, () => gen(depth - 1));
      return Object.fromEntries(Array.from({ length: n }, () => [String(atoms[Math.floor(rand() * 12)]), gen(depth - 1)]));
    };
    // One text per reference value, and one reference value per text.
    const byText = new Map<string, string>();
    const byRef = new Map<string, string>();
    for (let i = 0; i < 20000; i++) {
      const v = gen(3);
      const text = encodeDigest(v);
      const ref = render(v);
      if (!byText.has(text)) byText.set(text, ref);
      else expect(ref).toBe(byText.get(text));
      if (!byRef.has(ref)) byRef.set(ref, text);
      else expect(text).toBe(byRef.get(ref));
    }
    expect(byText.size).toBeGreaterThan(2000);
  });
});
