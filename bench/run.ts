import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Suite, runSuite } from './harness.js';

/**
 * `npm run bench -- <suite> [--quick] [--no-memory]`: runs one suite (or `all`).
 * `--no-memory` skips the per-system peak-memory children of suites that measure it.
 */
const suitesDir = join(dirname(fileURLToPath(import.meta.url)), 'suites');
const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const memory = !args.includes('--no-memory');
const names = args.filter((a) => !a.startsWith('--'));
if (names.length === 0) {
  console.error(`usage: npm run bench -- <suite|all> [--quick] [--no-memory]\nsuites: ${available.join(', ')}`);
  process.exit(2);
}
const chosen = names.includes('all') ? available : names;
for (const name of chosen) {
  if (!available.includes(name)) {
    console.error(`unknown suite '${name}'; suites: ${available.join(', ')}`);
    process.exit(2);
  }
  const suiteModule = pathToFileURL(join(suitesDir, `${name}.ts`)).href;
  const mod = (await import(suiteModule)) as { default: Suite };
  await runSuite(mod.default, { quick, memory, suiteModule });
}
