/**
 * mulberry32: a small, fast, seeded generator of uniform numbers in [0, 1). Used
 * wherever Tessera needs reproducible randomness (sampling, generated data).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `a` in place (Fisher–Yates) with the uniform numbers of `rand`, and returns it. */
export function shuffle<A extends { length: number; [index: number]: unknown }>(a: A, rand: () => number): A {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
