import type { OptionKeys } from '../options.js';
import { type Estimate, estimatePlan } from '../optimizer/cost.js';
import { type PlanNode, isMatrix } from '../plan/node.js';
import { type Task, call, postOrderOf, trampoline } from '../plan/walk.js';
import type { MatrixProvider, ProviderName } from '../providers/provider.js';
import { allProviders } from '../providers/registry.js';
import { jsOperator } from './operators.js';
import type { Layout, PhysicalNode, PhysicalPlan } from './plan.js';
import { JS_VALUES_PER_MS, type PlacementRequest, eligibleProviders, operatorMs } from './placement.js';
import { type Region, probeStep, regionProgram } from './regions.js';
import { type PipelineShape, materializeShape, pipelineAlgorithm, pipelineReason, pipelineShape, workerThreads } from './pipelines.js';
import { type RelationalEngine, planSqlRegions, sqlPhysicalNode } from './sql-engine.js';

/**
 * The physical planner. It walks the optimized logical plan once, inputs first, and
 * for every matrix operator that is a dense program step compares its estimated time
 * on each eligible provider (compute, transfer of its output, and the call and compile
 * overhead of starting a provider region where its inputs are not already there).
 * Operators placed on one provider whose intermediates have no other reader are fused
 * into one region, run as one program. Everything else runs on the JS kernels with the
 * algorithm `jsOperator` describes. Loop bodies are planned as plans of their own,
 * with compile costs spread over the iterations.
 */

export interface PhysicalOptions {
  /** 'gpu' places what it can on a GPU provider (an error when there is none); 'cpu' keeps everything on the CPU. */
  readonly device?: 'cpu' | 'gpu' | 'auto';
  /** Forces matrix work onto one provider wherever it supports the operator and its dtype. */
  readonly provider?: ProviderName | 'auto';
  /** The providers to choose from (default: every provider Tessera knows; tests narrow it). */
  readonly providers?: readonly MatrixProvider[];
  /** false: a toMatrix over a join gathers the joined columns first (no JoinToMatrix); for comparisons. */
  readonly joinBlocks?: boolean;
  /**
   * Threads that run relational pipelines over morsels of their source, this one
   * included (1: this thread alone). Default: the machine's cores, at most 4. Results
   * are bit-identical whatever the number (docs/pipelines.md).
   */
  readonly workers?: number;
  /** false runs every relational operator on its own (no Pipeline operator); for comparisons. */
  readonly pipelines?: boolean;
  /**
   * Runs the relational subplans that compile to SQL exactly on this engine instead
   * (`{ duckdb: connection }`, a @duckdb/node-api connection); Tessera runs the rest
   * (docs/sql.md).
   */
  readonly relationalEngine?: RelationalEngine;
}

export const PHYSICAL_OPTIONS: OptionKeys<PhysicalOptions> = { device: true, provider: true, providers: true, joinBlocks: true, workers: true, pipelines: true, relationalEngine: true };

interface Placed {
  readonly provider: ProviderName;
  readonly reason: string;
  readonly ms: number;
}

export function planPhysical(plan: PlanNode, options: PhysicalOptions = {}): PhysicalPlan {
  const request: PlacementRequest = { device: options.device ?? 'auto', provider: options.provider ?? 'auto' };
  const { providers, notices } = eligibleProviders(options.providers ?? allProviders(), request);
  const byName = new Map(providers.map((p) => [p.name, p]));
  const gpu = providers.find((p) => p.status().device === 'gpu');
  const forced = request.provider !== 'auto' ? request.provider : request.device === 'gpu' ? gpu?.name : undefined;
  const estimates = estimatePlan(plan).nodes;
  const js = byName.get('js')!;
  const operatorOptions = { joinBlocks: options.joinBlocks };
  const threads = workerThreads(options.workers);
  let nextId = 0;
  let totalMs = 0;

  /** Plans one scope (the whole plan, or a loop body run `weight` times per run of the plan). */
  function planScope(root: PlanNode, weight: number): PhysicalNode {
    const readers = countReaders(root);
    const readerOf = onlyReaders(root, readers);
    const sqlRegions = options.relationalEngine ? planSqlRegions(root, readers) : undefined;
    const placed = new Map<PlanNode, Placed>();
    const layouts = new Map<PlanNode, Layout>();
    const regionOf = new Map<PlanNode, Region>();
    const built = new Map<PlanNode, PhysicalNode>();

    const est = (n: PlanNode): Estimate => estimates.get(n) ?? { rows: 0, cols: 0, flops: 0, bytes: 0, cost: 0, density: 1 };

    function place(node: PlanNode): Placed {
      const step = isMatrix(node) ? probeStep(node) : null;
      const inputs = node.inputs.map(est);
      const jsMs = operatorMs(js, node, step, est(node), inputs);
      // No choice of provider: the algorithm's own reason (if any) is what explain shows.
      if (step === null) return { provider: 'js', reason: '', ms: jsMs };
      if (node.inputs.some((c) => layouts.get(c) !== 'dense')) return { provider: 'js', reason: 'sparse operand: the CSR/hybrid kernel skips zeros', ms: jsMs };
      let best: Placed = { provider: 'js', reason: '', ms: jsMs };
      const quotes: string[] = [`js ${fmt(jsMs)}`];
      for (const p of providers) {
        if (p.name === 'js') continue;
        if (!p.supports(step)) {
          if (p.name === forced) return { provider: 'js', reason: `${p.name} does not compute ${step.op} in ${step.dtype}: Tessera kernel`, ms: jsMs };
          continue;
        }
        const joins = node.inputs.some((c) => placed.get(c)?.provider === p.name);
        const start = joins ? 0 : p.profile.callMs + p.profile.compileMs / weight;
        const ms = operatorMs(p, node, step, est(node), inputs) + start;
        quotes.push(`${p.name} ${fmt(ms)}`);
        if (p.name === forced) return { provider: p.name, reason: `${request.provider !== 'auto' ? 'provider' : 'device'} requested`, ms };
        if (ms < best.ms) best = { provider: p.name, reason: '', ms };
      }
      const why = quotes.length > 1 ? `est. ${quotes.join(' vs ')}` : 'the only provider for dense work here';
      return { ...best, reason: `cheapest (${why})` };
    }

    // Pass 1: placement and regions, inputs first.
    const order = scopeOrder(root);
    for (const node of order) {
      const p = place(node);
      placed.set(node, p);
      if (p.provider === 'js') {
        layouts.set(node, jsOperator(node, node.inputs.map((c) => layouts.get(c) ?? 'dense'), operatorOptions).layout);
        continue;
      }
      layouts.set(node, 'dense');
      const region: Region = { members: [], inputs: [] };
      for (const c of node.inputs) {
        const inner = regionOf.get(c);
        // Fuse an input computed on the same provider that nothing else reads.
        if (inner && placed.get(c)!.provider === p.provider && readers.get(c) === 1 && c !== root) {
          region.members.push(...inner.members.filter((m) => !region.members.includes(m)));
          for (const i of inner.inputs) if (!region.inputs.includes(i)) region.inputs.push(i);
          for (const m of inner.members) regionOf.set(m, region);
        } else if (!region.inputs.includes(c)) region.inputs.push(c);
      }
      region.members.push(node);
      regionOf.set(node, region);
    }

    // Pass 2: physical nodes for JS operators and region roots, inputs first (numbered in
    // that order), on the trampoline (src/plan/walk.ts): plans may be MAX_PLAN_DEPTH deep.
    /** The pipeline whose last operator is `node` (none where something reads `node` that a pipeline does not pay for). */
    function pipelineAt(node: PlanNode): PipelineShape | null {
      if (options.pipelines === false) return null;
      if (node.kind === 'aggregate') return pipelineShape(node, readers);
      const reader = node === root ? null : readerOf.get(node);
      return reader === undefined ? null : materializeShape(node, reader, readers, options.joinBlocks !== false);
    }

    function* buildAll(nodes: readonly PlanNode[]): Task<PhysicalNode[]> {
      const out: PhysicalNode[] = [];
      for (const n of nodes) out.push(built.get(n) ?? (yield* call(build(n))));
      return out;
    }
    function* build(node: PlanNode): Task<PhysicalNode> {
      const done = built.get(node);
      if (done) return done;
      const p = placed.get(node)!;
      const region = regionOf.get(node);
      let phys: PhysicalNode;
      let pipeline: PipelineShape | null;
      const sqlRegion = sqlRegions?.regionAt(node);
      if (sqlRegion) {
        const inputs = yield* buildAll(sqlRegion.inputs);
        phys = sqlPhysicalNode(++nextId, sqlRegion, inputs, est);
      } else if (region) {
        const inputs = yield* buildAll(region.inputs);
        const members = region.members;
        const provider = byName.get(p.provider)!;
        const ms = members.reduce((s, m) => s + placed.get(m)!.ms, 0);
        phys = {
          id: ++nextId,
          operator: members.length === 1 ? `${provider.name === 'onnxruntime' ? 'Onnx' : 'Tfjs'}${jsOperator(node, []).operator}` : provider.name === 'onnxruntime' ? 'OnnxProgram' : 'TfjsProgram',
          logical: node,
          covers: members,
          provider: p.provider,
          device: provider.status().device,
          layout: 'dense',
          dtype: isMatrix(node) ? node.output.dtype : undefined,
          algorithm: programAlgorithm(provider, members),
          reason: members.length > 1 ? `${p.reason}; ${members.length} operators fused, intermediates stay in the provider` : p.reason,
          inputs,
          program: regionProgram(region),
          estimatedMs: ms,
          estimatedBytes: est(node).bytes,
        };
      } else if ((pipeline = pipelineAt(node)) !== null) {
        const inputs = yield* buildAll([pipeline.source, ...pipeline.builds]);
        phys = {
          id: ++nextId,
          operator: 'Pipeline',
          logical: node,
          covers: pipeline.covers,
          provider: 'js',
          device: 'cpu',
          layout: pipeline.sink === 'toMatrix' ? layouts.get(node)! : 'columns',
          dtype: pipeline.sink === 'toMatrix' && isMatrix(node) ? node.output.dtype : undefined,
          algorithm: pipelineAlgorithm(pipeline, threads),
          reason: pipelineReason(pipeline),
          inputs,
          estimatedMs: pipeline.covers.reduce((s, n) => s + est(n).cost, 0) / JS_VALUES_PER_MS / threads,
          estimatedBytes: est(node).bytes,
          threads,
        };
      } else {
        const inputs = yield* buildAll(node.inputs);
        // A join DuckDB computed comes back as a table, without the join index JoinToMatrix reads.
        const joinInDuckDB = node.inputs.some((c) => sqlRegions?.regionAt(c) !== undefined);
        const op = jsOperator(node, node.inputs.map((c) => layouts.get(c) ?? 'dense'), joinInDuckDB ? { ...operatorOptions, joinBlocks: false } : operatorOptions);
        const body = node.kind === 'loop' ? planScope(node.args.body, weight * node.args.iterations) : undefined;
        phys = {
          id: ++nextId,
          operator: op.operator,
          logical: node,
          covers: [node],
          provider: 'js',
          device: 'cpu',
          layout: op.layout,
          dtype: isMatrix(node) ? node.output.dtype : undefined,
          algorithm: op.algorithm,
          reason: [p.reason, op.reason, sqlRegions?.refusal(node)].filter(Boolean).join('; '),
          inputs,
          body,
          estimatedMs: node.output.kind === 'relation' ? est(node).cost / JS_VALUES_PER_MS : p.ms,
          estimatedBytes: est(node).bytes,
        };
      }
      totalMs += phys.estimatedMs * weight;
      built.set(node, phys);
      return phys;
    }
    return trampoline(build(root));
  }

  const root = planScope(plan, 1);
  return { root, request, notices: hasDenseWork(plan) ? notices : [], estimatedMs: totalMs };
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toPrecision(3)} s` : ms >= 0.01 ? `${ms.toPrecision(2)} ms` : '<0.01 ms';
}

function programAlgorithm(provider: MatrixProvider, members: readonly PlanNode[]): string {
  const ops = members.map((m) => jsOperator(m, []).operator).join(' → ');
  const engine = provider.name === 'onnxruntime' ? 'ONNX graph on ONNX Runtime, session cached by program' : `TF.js graph on ${provider.status().backend ?? 'its backend'}`;
  return `${engine}: ${ops}`;
}

/** Nodes of one scope (not entering loop bodies), inputs first, each once. */
function scopeOrder(root: PlanNode): PlanNode[] {
  return postOrderOf(root, (n) => n.inputs);
}

/** How many operators of the scope read each node (a loop's body is its own scope). */
export function countReaders(root: PlanNode): Map<PlanNode, number> {
  const readers = new Map<PlanNode, number>();
  for (const n of scopeOrder(root)) for (const c of n.inputs) readers.set(c, (readers.get(c) ?? 0) + 1);
  return readers;
}

/** The one operator of the scope that reads each node read by exactly one. */
function onlyReaders(root: PlanNode, readers: ReadonlyMap<PlanNode, number>): Map<PlanNode, PlanNode> {
  const out = new Map<PlanNode, PlanNode>();
  for (const n of scopeOrder(root)) for (const c of n.inputs) if (readers.get(c) === 1) out.set(c, n);
  return out;
}

/** Whether any operator could run on a provider (loops: their bodies may): only then do missing providers matter. */
function hasDenseWork(plan: PlanNode): boolean {
  return scopeOrder(plan).some((n) => n.kind === 'loop' || (isMatrix(n) && probeStep(n) !== null));
}
