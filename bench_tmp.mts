import { writeFileSync } from 'node:fs';
import { csvSource } from './src/io/index.js';
const n = 1_000_000;
const parts: string[] = ['id,price,city,flag,day\n'];
for (let i = 0; i < n; i++) parts.push(`${i},${(i * 1.37).toFixed(2)},"city ${i % 100}",${i % 2 === 0},2024-01-${String(1 + (i % 28)).padStart(2, '0')}\n`);
writeFileSync('/tmp/big.csv', parts.join(''));
for (let k = 0; k < 3; k++) {
let t = performance.now();
const src = csvSource('/tmp/big.csv', { schema: { id: 'int32', price: 'float64', city: 'string', flag: 'bool', day: 'date' } });
console.log('tokenize ms', (performance.now() - t).toFixed(0));
t = performance.now();
csvSource('/tmp/big.csv');
console.log('tokenize+infer ms', (performance.now() - t).toFixed(0));
}
