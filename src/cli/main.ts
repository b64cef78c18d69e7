import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TesseraError } from '../errors.js';
import { type ExplainOptions, explain } from '../explain/explain.js';
import type { PlanNode } from '../plan/node.js';
import { PROVIDER_NAMES, type ProviderName } from '../providers/provider.js';
import { allProviders } from '../providers/registry.js';
import { demoModel, demoPipeline } from './demo.js';
import { doctorReport, doctorText } from './doctor.js';
import { runDiff, runInspect } from './artefact.js';
import { progressLine } from './progress-line.js';

/** Seconds `tessera explain` waits for a module to load and its default export to settle (--timeout). */
const DEFAULT_TIMEOUT_S = 60;

const USAGE = `usage: tessera <command> [options]

commands:
  demo                build a small end-to-end pipeline on generated data, print its plan and its result
  doctor [--json]     which kernel providers (JS, ONNX Runtime, TF.js) load here, on which device, and why not
  inspect <artefact>  a fitted pipeline's lineage: sources and their fingerprints, plan digest, versions,
                      metrics and frozen constants (--json for tools)
  diff <a> <b>        what changed between two fitted pipelines: data, plan, parameters, software
                      (exit code 1 when they differ; --json for tools)
  explain <module>    explain the pipeline a module exports by default (a Relation or a Matrix, or a
                      function returning one); .ts modules load through tsx, .js/.mjs with import()
    --verbose         also output types, the plan after each rule, and the rules that did not fire
    --analyze         run the optimized plan: actual rows/shape, time and bytes per operator
    --json            a JSON document for tools
    --dot             a Graphviz digraph:  tessera explain pipeline.ts --dot | dot -Tsvg > plan.svg
    --html            one self-contained HTML page:  tessera explain pipeline.ts --html > plan.html
    --no-optimize     explain the plan as built, without the optimizer
    --provider <name> place matrix work on js, onnxruntime or tfjs where it supports it
    --device <where>  cpu, gpu or auto (default)
    --timeout <s>     seconds to wait for the module to load and its default export (or the promise it
                      is, or returns) to settle; default ${DEFAULT_TIMEOUT_S}, 0 waits without limit
`;

/** A bad command line or a module that does not export a pipeline: exit code 2. */
class UsageError extends TesseraError {}

/** The module was found but threw while loading: exit code 1. */
class ModuleLoadError extends TesseraError {}

const EXPLAIN_FLAGS = new Set(['--verbose', '--analyze', '--json', '--dot', '--html', '--no-optimize']);

/** Options that take one of a few values, and the values they accept (a Map: an argument named `constructor` is no option). */
const EXPLAIN_VALUES: ReadonlyMap<string, readonly string[]> = new Map([
  ['--provider', ['auto', ...PROVIDER_NAMES]],
  ['--device', ['auto', 'cpu', 'gpu']],
]);

function parseExplainArgs(args: readonly string[]): { module: string; timeoutS: number; options: ExplainOptions } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  let timeoutS = DEFAULT_TIMEOUT_S;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const accepted = EXPLAIN_VALUES.get(a);
    if (accepted !== undefined) {
      const v = args[++i];
      if (v === undefined || !accepted.includes(v)) throw new UsageError(`${a} expects one of ${accepted.join(', ')}${v === undefined ? '' : `, got '${v}'`}`);
      values.set(a, v);
    } else if (a === '--timeout') {
      const v = args[++i];
      const seconds = v === undefined || v.trim() === '' ? NaN : Number(v);
      if (!(seconds >= 0 && seconds <= MAX_TIMEOUT_S)) throw new UsageError(`--timeout expects a number of seconds from 0 (no limit) to ${MAX_TIMEOUT_S}${v === undefined ? '' : `, got '${v}'`}`);
      timeoutS = seconds;
    } else if (a.startsWith('--')) {
      if (!EXPLAIN_FLAGS.has(a)) throw new UsageError(`unknown option '${a}' (expected ${[...EXPLAIN_FLAGS, ...EXPLAIN_VALUES.keys(), '--timeout'].join(', ')})`);
      flags.add(a);
    } else positional.push(a);
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'missing <module>: tessera explain <module> [--verbose] [--analyze] [--json] [--dot] [--html]' : `expected one module, got ${positional.length}: ${positional.join(' ')}`);
  const formats = ['--json', '--dot', '--html'].filter((f) => flags.has(f));
  if (formats.length > 1) throw new UsageError(`${formats.join(' and ')} exclude each other`);
  return {
    module: positional[0],
    timeoutS,
    options: {
      verbose: flags.has('--verbose'),
      analyze: flags.has('--analyze'),
      format: flags.has('--json') ? 'json' : flags.has('--dot') ? 'dot' : flags.has('--html') ? 'html' : 'text',
      optimize: !flags.has('--no-optimize'),
      provider: (values.get('--provider') ?? 'auto') as ProviderName | 'auto',
      device: (values.get('--device') ?? 'auto') as 'cpu' | 'gpu' | 'auto',
    },
  };
}

/** Duck-typed: the module may have loaded its own copy of Tessera, so `instanceof` cannot tell. */
function pipelinePlan(value: unknown): PlanNode | undefined {
  try {
    if (typeof value !== 'object' || value === null || !('plan' in value)) return undefined;
    const plan = (value as { plan: unknown }).plan as Partial<PlanNode> | null;
    const ok = typeof plan?.kind === 'string' && Array.isArray(plan.inputs) && (plan.output?.kind === 'relation' || plan.output?.kind === 'matrix');
    return ok ? (plan as PlanNode) : undefined;
  } catch {
    // A getter or proxy trap that throws: not a pipeline.
    return undefined;
  }
}

function describe(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    if (typeof value !== 'object') return typeof value === 'undefined' ? 'undefined' : `a ${typeof value} (${String(value).slice(0, 40)})`;
    const name: unknown = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name.slice(0, 40)}` : 'a plain object';
  } catch {
    return `a ${typeof value}`;
  }
}

/** tsx, an optional peer dependency: only TypeScript modules need it. */
async function importTsx(): Promise<typeof import('tsx/esm/api')> {
  try {
    return await import('tsx/esm/api');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !String((e as Error).message).includes("'tsx'")) throw e;
    throw new ModuleLoadError('loading a TypeScript module needs tsx, which is not installed: run `npm install --save-dev tsx`, or compile the module to .js and explain that');
  }
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?tsx?$/.test(path)) {
    const { tsImport } = await importTsx();
    return (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

/** The longest --timeout (setTimeout's limit, 2^31 - 1 ms, is about 24.8 days). */
const MAX_TIMEOUT_S = 2_000_000;

/** Set when a wait timed out: the module may hold the event loop open, so the CLI exits explicitly. */
let timedOut = false;

/**
 * `promise`, or a ModuleLoadError saying `what` did not settle within `seconds` (0: no limit).
 * The timer holds the process open while it waits (a promise that never settles holds nothing).
 */
async function within<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  if (seconds === 0) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new ModuleLoadError(`${what} did not settle within ${seconds} s; a pipeline module must finish loading, and the promise it exports or returns must resolve (raise the limit with --timeout <seconds>, 0 for none)`));
    }, seconds * 1000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function reasonText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return String(e);
  } catch {
    return typeof e;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  try {
    return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/** Loads `specifier` (relative to the working directory) and returns the plan of its default export. */
async function loadPipeline(specifier: string, timeoutS = DEFAULT_TIMEOUT_S): Promise<PlanNode> {
  const path = resolve(process.cwd(), specifier);
  if (!existsSync(path)) throw new UsageError(`cannot find module '${specifier}' (looked for ${path})`);
  if (statSync(path).isDirectory()) throw new UsageError(`'${specifier}' is a directory; expected a .ts or .js module`);
  let mod: Record<string, unknown>;
  try {
    mod = await within(importModule(path), timeoutS, `loading '${specifier}'`);
  } catch (e) {
    if (e instanceof ModuleLoadError) throw e;
    throw new ModuleLoadError(`'${specifier}' failed to load: ${reasonText(e)}`.split('\n')[0]);
  }
  // A .ts module compiled as CommonJS (outside an ESM package) arrives as { default: module.exports }.
  const inner = mod.default as { __esModule?: unknown } | undefined;
  const ns = typeof inner === 'object' && inner !== null && inner.__esModule === true ? (inner as Record<string, unknown>) : mod;
  if (!('default' in ns) || ns.default === undefined) {
    throw new UsageError(`'${specifier}' has no default export; add \`export default pipeline\` (a Relation or a Matrix, or a function returning one)`);
  }
  let value: unknown = ns.default;
  const returned = typeof value === 'function';
  const source = returned ? `the function exported by default from '${specifier}'` : `the default export of '${specifier}'`;
  if (returned) {
    try {
      value = (value as () => unknown)();
    } catch (e) {
      throw new ModuleLoadError(`${source} threw: ${reasonText(e)}`.split('\n')[0]);
    }
  }
  if (isThenable(value)) {
    const what = returned ? `the promise returned by ${source}` : `${source} (a promise)`;
    try {
      value = await within(Promise.resolve(value), timeoutS, what);
    } catch (e) {
      if (e instanceof ModuleLoadError) throw e;
      throw new ModuleLoadError(`${what} rejected: ${reasonText(e)}`.split('\n')[0]);
    }
  }
  const plan = pipelinePlan(value);
  if (!plan) {
    const got = returned ? `a function that returned ${describe(value)}` : describe(value);
    throw new UsageError(`the default export of '${specifier}' is ${got}, not a pipeline (a Relation or a Matrix, or a function returning one)`);
  }
  return plan;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': {
      const pipeline = demoPipeline();
      console.log(pipeline.explain());
      console.log('\nResult:\n');
      console.table(await pipeline.collectRows());
      const { X, coefficients, predictions } = demoModel();
      console.log('\nA model in the same plan: ridge regression of units on price, size, promotion and city\n');
      console.log(predictions.explain());
      const beta = await coefficients.collect();
      console.log('\nCoefficients:\n');
      console.table(Object.fromEntries(X.columnNames.map((name, j) => [name, Number(beta.get(j, 0).toFixed(4))])));
      console.log('\nPredictions for five sales in Paris:\n');
      console.table(await predictions.collectRows());
      return 0;
    }
    case 'explain': {
      try {
        const { module, timeoutS, options } = parseExplainArgs(rest);
        // With --analyze the plan runs: a terminal on stderr shows how far it is.
        console.log(await explain(await loadPipeline(module, timeoutS), { ...options, onProgress: progressLine(process.stderr) }));
        return 0;
      } catch (e) {
        // Errors from the pipeline module come from its own copy of Tessera (tsx loads it
        // apart): `instanceof TesseraError` holds across copies (see errors.ts), and `e.name`
        // names the concrete class. Anything else is a bug and keeps its stack trace.
        if (!(e instanceof TesseraError)) throw e;
        console.error(`tessera explain: ${e instanceof UsageError || e instanceof ModuleLoadError ? '' : `${e.name}: `}${e.message}`);
        return e instanceof UsageError ? 2 : 1;
      }
    }
    case 'inspect':
      return runInspect(rest);
    case 'diff':
      return runDiff(rest);
    case 'doctor': {
      const report = await doctorReport();
      console.log(rest.includes('--json') ? JSON.stringify(report, null, 2) : doctorText(report));
      await Promise.all(allProviders().map((p) => p.dispose?.()));
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`tessera: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
// A module that timed out may still hold the event loop open (a timer, a socket): do not wait for it.
if (timedOut) process.exit();
