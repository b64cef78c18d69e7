import { TesseraError } from '../errors.js';
import { type Estimate, valuesTouched } from '../optimizer/cost.js';
import type { PlanNode } from '../plan/node.js';
import type { DenseStep } from '../providers/program.js';
import type { MatrixProvider, ProviderName, ProviderStatus } from '../providers/provider.js';

/**
 * Placement: which provider computes a matrix operator, priced with the one cost model
 * (src/optimizer/cost.ts: FLOPs, elements, bytes, sparsity) and each provider's
 * profile (throughput, call and compile overhead, transfer speed).
 */

/** A request the machine cannot honour: a named provider that does not load, or a GPU that is not there. */
export class ProviderUnavailableError extends TesseraError {
  constructor(
    readonly requested: string,
    detail: string,
  ) {
    super(`${requested} was requested but is not usable: ${detail}`);
  }
}

export interface PlacementRequest {
  readonly device: 'cpu' | 'gpu' | 'auto';
  readonly provider: ProviderName | 'auto';
}

/** JS relational work: values touched per millisecond (a conservative figure for column kernels). */
export const JS_VALUES_PER_MS = 2e5;

/** Whether a step is "heavy" (priced by FLOPs) rather than element-wise. */
function isProduct(step: DenseStep): boolean {
  return step.op === 'matmul' || step.op === 'crossprod';
}

/**
 * Milliseconds `provider` needs for one operator, compute and transfer of its output;
 * `est` is the cost model's estimate of the node, `inputs` of its operands.
 */
export function operatorMs(provider: MatrixProvider, node: PlanNode, step: DenseStep | null, est: Estimate, inputs: readonly Estimate[]): number {
  const { profile } = provider;
  const dtype = node.output.kind === 'matrix' ? node.output.dtype : 'float64';
  if (provider.name === 'js' || step === null) {
    // The cost model follows the JS kernels (symmetric XᵀX; sparse products by their
    // non-zeros): a product's FLOPs at the kernels' rate and the values it touches
    // besides (a sparse product's scattered updates) at theirs; other operators by the
    // values they read or write.
    if (est.flops > 0 && (step === null || isProduct(step))) return est.flops / profile.flopsPerMs[dtype] + valuesTouched(est) / profile.elementsPerMs;
    return Math.max(est.cost, inputElements(inputs)) / profile.elementsPerMs;
  }
  const transfer = profile.transferBytesPerMs === Infinity ? 0 : est.bytes / profile.transferBytesPerMs;
  if (isProduct(step)) {
    const a = inputs[0];
    const b = inputs[1] ?? a;
    // Dense kernels do every multiply: 2·m·k·n, and a cross-product is a full AᵀB.
    const flops = step.op === 'matmul' ? 2 * a.rows * a.cols * est.cols : 2 * a.rows * a.cols * b.cols;
    const rate = profile.flopsPerMs[dtype];
    return rate > 0 ? flops / rate + transfer : Infinity;
  }
  return inputElements(inputs) / profile.elementsPerMs + transfer;
}

function inputElements(inputs: readonly Estimate[]): number {
  // A sparse operand (e.g. a key map) is read by its non-zeros.
  return inputs.reduce((s, e) => s + e.rows * e.cols * e.density, 0);
}

/** The providers a run may place matrix work on, after the request; throws when a named provider or the GPU is not usable. */
export function eligibleProviders(all: readonly MatrixProvider[], request: PlacementRequest): { providers: MatrixProvider[]; notices: string[] } {
  const statuses = new Map<ProviderName, ProviderStatus>(all.map((p) => [p.name, p.status()]));
  const notices: string[] = [];
  const usable = all.filter((p) => statuses.get(p.name)!.available);
  if (request.provider !== 'auto') {
    const status = statuses.get(request.provider);
    if (!status?.available) throw new ProviderUnavailableError(`provider '${request.provider}'`, status?.detail ?? 'unknown provider');
    if (request.device !== 'auto' && status.device !== request.device) {
      throw new ProviderUnavailableError(`provider '${request.provider}' on the ${request.device}`, `it runs on the ${status.device}: ${status.detail}`);
    }
  }
  if (request.device === 'gpu' && !usable.some((p) => statuses.get(p.name)!.device === 'gpu')) {
    const why = all.filter((p) => p.name !== 'js').map((p) => `${p.name}: ${statuses.get(p.name)!.detail}`);
    throw new ProviderUnavailableError('the GPU', `no provider here computes on a GPU (${why.join(' ')}); see docs/gpu.md`);
  }
  for (const p of all) {
    const s = statuses.get(p.name)!;
    if (!s.available && p.name !== 'js') notices.push(`${p.name} not loaded: ${s.detail}`);
  }
  const providers = usable.filter((p) => {
    if (request.provider !== 'auto') return p.name === request.provider || p.name === 'js';
    if (request.device === 'cpu') return statuses.get(p.name)!.device === 'cpu';
    return true;
  });
  return { providers, notices };
}
