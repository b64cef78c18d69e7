import { Rng } from './generate.js';
const counts = new Array(10).fill(0);
for (let k = 0; k < 8; k++) {
  const c = new Array(10).fill(0);
  for (let s = 300000; s < 301000; s++) { const r = new Rng(s); for (let j = 0; j < k; j++) r.next(); c[Math.floor(r.next() * 10)]++; }
  console.log('draw', k, c.join(' '));
}
