import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Suite, runSuite } from './harness.js';

/** `npm run bench -- <suite> [--quick]`: runs one suite (or `all`). */
const suitesDir = join(dirname(fileURLToPath(import.meta.url)), 'suites');
const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
if (names.length === 0) {
  console.error(`usage: npm run bench -- <suite|all> [--quick]\nsuites: ${available.join(', ')}`);
  process.exit(2);
}
const chosen = names.includes('all') ? available : names;
for (const name of chosen) {
  if (!available.includes(name)) {
    console.error(`unknown suite '${name}'; suites: ${available.join(', ')}`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(join(suitesDir, `${name}.ts`)).href)) as { default: Suite };
  await runSuite(mod.default, { quick });
}
