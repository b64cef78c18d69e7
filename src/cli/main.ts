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

const USAGE = `usage: tessera <command> [options]

commands:
  demo                build a small end-to-end pipeline on generated data, print its plan and its result
  doctor [--json]     which kernel providers (JS, ONNX Runtime, TF.js) load here, on which device, and why not
  explain <module>    explain the pipeline a module exports by default (a Relation or a Matrix, or a
                      function returning one); .ts modules load through tsx, .js/.mjs with import()
    --verbose         also output types, the plan after each rule, and the rules that did not fire
    --analyze         run the optimized plan: actual rows/shape, time and bytes per operator
    --json            a JSON document for tools
    --dot             a Graphviz digraph:  tessera explain pipeline.ts --dot | dot -Tsvg > plan.svg
    --no-optimize     explain the plan as built, without the optimizer
    --provider <name> place matrix work on js, onnxruntime or tfjs where it supports it
    --device <where>  cpu, gpu or auto (default)
`;

/** A bad command line or a module that does not export a pipeline: exit code 2. */
class UsageError extends TesseraError {}

/** The module was found but threw while loading: exit code 1. */
class ModuleLoadError extends TesseraError {}

const EXPLAIN_FLAGS = new Set(['--verbose', '--analyze', '--json', '--dot', '--no-optimize']);

/** Options that take a value, and the values they accept. */
const EXPLAIN_VALUES: Readonly<Record<string, readonly string[]>> = {
  '--provider': ['auto', ...PROVIDER_NAMES],
  '--device': ['auto', 'cpu', 'gpu'],
};

function parseExplainArgs(args: readonly string[]): { module: string; options: ExplainOptions } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a in EXPLAIN_VALUES) {
      const v = args[++i];
      if (v === undefined || !EXPLAIN_VALUES[a].includes(v)) throw new UsageError(`${a} expects one of ${EXPLAIN_VALUES[a].join(', ')}${v === undefined ? '' : `, got '${v}'`}`);
      values.set(a, v);
    } else if (a.startsWith('--')) {
      if (!EXPLAIN_FLAGS.has(a)) throw new UsageError(`unknown option '${a}' (expected ${[...EXPLAIN_FLAGS, ...Object.keys(EXPLAIN_VALUES)].join(', ')})`);
      flags.add(a);
    } else positional.push(a);
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'missing <module>: tessera explain <module> [--verbose] [--analyze] [--json] [--dot]' : `expected one module, got ${positional.length}: ${positional.join(' ')}`);
  if (flags.has('--json') && flags.has('--dot')) throw new UsageError('--json and --dot exclude each other');
  return {
    module: positional[0],
    options: {
      verbose: flags.has('--verbose'),
      analyze: flags.has('--analyze'),
      format: flags.has('--json') ? 'json' : flags.has('--dot') ? 'dot' : 'text',
      optimize: !flags.has('--no-optimize'),
      provider: (values.get('--provider') ?? 'auto') as ProviderName | 'auto',
      device: (values.get('--device') ?? 'auto') as 'cpu' | 'gpu' | 'auto',
    },
  };
}

/** Duck-typed: the module may have loaded its own copy of Tessera, so `instanceof` cannot tell. */
function pipelinePlan(value: unknown): PlanNode | undefined {
  if (typeof value !== 'object' || value === null || !('plan' in value)) return undefined;
  const plan = (value as { plan: unknown }).plan as Partial<PlanNode> | null;
  const ok = typeof plan?.kind === 'string' && Array.isArray(plan.inputs) && (plan.output?.kind === 'relation' || plan.output?.kind === 'matrix');
  return ok ? (plan as PlanNode) : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return typeof value === 'undefined' ? 'undefined' : `a ${typeof value} (${String(value).slice(0, 40)})`;
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'a plain object';
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?tsx?$/.test(path)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

/** Loads `specifier` (relative to the working directory) and returns the plan of its default export. */
async function loadPipeline(specifier: string): Promise<PlanNode> {
  const path = resolve(process.cwd(), specifier);
  if (!existsSync(path)) throw new UsageError(`cannot find module '${specifier}' (looked for ${path})`);
  if (statSync(path).isDirectory()) throw new UsageError(`'${specifier}' is a directory; expected a .ts or .js module`);
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(path);
  } catch (e) {
    throw new ModuleLoadError(`'${specifier}' failed to load: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.split('\n')[0]);
  }
  // A .ts module compiled as CommonJS (outside an ESM package) arrives as { default: module.exports }.
  const inner = mod.default as { __esModule?: unknown } | undefined;
  const ns = typeof inner === 'object' && inner !== null && inner.__esModule === true ? (inner as Record<string, unknown>) : mod;
  if (!('default' in ns) || ns.default === undefined) {
    throw new UsageError(`'${specifier}' has no default export; add \`export default pipeline\` (a Relation or a Matrix, or a function returning one)`);
  }
  let value: unknown = ns.default;
  const returned = typeof value === 'function';
  if (returned) {
    try {
      value = await (value as () => unknown)();
    } catch (e) {
      throw new ModuleLoadError(`the function exported by default from '${specifier}' threw: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.split('\n')[0]);
    }
  } else value = await value;
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
        const { module, options } = parseExplainArgs(rest);
        console.log(await explain(await loadPipeline(module), options));
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
