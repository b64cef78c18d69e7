/**
 * `npm run fuzz -- --cases N --seed S [--mode relational|rewrites] [--per-rule-every K] [--minimize-budget B]`
 *
 * Random pipelines against DuckDB (relational) or optimized against as built on every
 * provider that loads (rewrites); see test/fuzz/runner.ts. Exits 1 when a case failed,
 * 2 on bad arguments.
 */
import { parseArgs, runFuzz } from '../test/fuzz/runner.js';

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
const result = await runFuzz(options);
// Providers (TF.js, ONNX Runtime) may hold the event loop open: leave once the summary is out.
process.exit(result.failed > 0 ? 1 : 0);
