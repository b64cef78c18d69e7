import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Suite, resultsDir, runSuite } from './harness.js';
import { type PythonInfo, PythonWorker, findPython } from './peers/python.js';
import { writeMachine, writeReport } from './report.js';

/**
 * `npm run bench -- <suite> [--quick] [--no-memory]`: runs one suite (or `all`).
 * `--no-memory` skips the per-system peak-memory children of suites that measure it.
 * Afterwards the machine is recorded and bench/results/README.md (bench/results/quick/
 * for --quick) is regenerated with the suites' tables and plots (bench/report.ts).
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
const failedSuites: string[] = [];
for (const name of chosen) {
  if (!available.includes(name)) {
    console.error(`unknown suite '${name}'; suites: ${available.join(', ')}`);
    process.exit(2);
  }
  const suiteModule = pathToFileURL(join(suitesDir, `${name}.ts`)).href;
  const mod = (await import(suiteModule)) as { default: Suite };
  const started = performance.now();
  try {
    await runSuite(mod.default, { quick, memory, suiteModule });
  } catch (e) {
    // The other suites still run, and the report still covers what did.
    failedSuites.push(name);
    console.error(`[${name}] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  console.log(`[${name}] ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** The pandas+numpy peer's versions and BLAS, as its worker reports them. */
async function pythonInfo(): Promise<PythonInfo | string> {
  const found = findPython();
  if ('missing' in found) return found.missing;
  const worker = PythonWorker.start(found.exe);
  try {
    return await worker.request<PythonInfo>({ op: 'info' });
  } finally {
    await worker.close();
  }
}

const dir = resultsDir(quick);
writeMachine(dir, chosen.filter((s) => !failedSuites.includes(s)), quick, await pythonInfo());
console.log(`wrote ${writeReport(dir)}`);
if (failedSuites.length > 0) {
  console.error(`failed suites: ${failedSuites.join(', ')}`);
  process.exitCode = 1;
}
