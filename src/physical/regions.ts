import type { PlanNode } from '../plan/node.js';
import type { DenseProgram, DenseStep } from '../providers/program.js';

/**
 * Dense regions: connected matrix operators placed on one provider, run as one
 * program so intermediates stay inside the provider (and on its device). A region has
 * one output, its root; every other member is read only inside the region.
 */

/**
 * The dense step computing `node` from operand values `operands` (indices into the
 * program's values), or null when the operator is not a dense program step (solves,
 * factorizations, row selections, count reductions, leaves: those run on the JS kernels).
 */
export function denseStepOf(node: PlanNode, operands: readonly number[]): DenseStep | null {
  if (node.output.kind !== 'matrix') return null;
  const dtype = node.output.dtype;
  const [a, b] = operands;
  switch (node.kind) {
    case 'matmul':
      return { op: 'matmul', a, b, dtype };
    case 'crossprod':
      return operands.length === 1 ? { op: 'crossprod', a, dtype } : { op: 'crossprod', a, b, dtype };
    case 'transpose':
      return { op: 'transpose', a, dtype };
    case 'elementwise':
      return { op: 'elementwise', fn: node.args.op, a, b, dtype };
    case 'map':
      return { op: 'map', fn: node.args.fn, a, p1: node.args.a, p2: node.args.b, dtype };
    case 'reduce':
      return node.args.op === 'count' ? null : { op: 'reduce', fn: node.args.op, axis: node.args.axis, a, dtype };
    case 'selectCols':
      return { op: 'selectCols', a, indices: node.args.indices, dtype };
    default:
      return null;
  }
}

/** The step shape of `node` with placeholder operands: what a provider's `supports` looks at. */
export function probeStep(node: PlanNode): DenseStep | null {
  return denseStepOf(
    node,
    node.inputs.map((_, i) => i),
  );
}

export interface Region {
  /** Members in execution order; the last is the root. */
  readonly members: PlanNode[];
  /** Values read from outside the region, in program-input order. */
  readonly inputs: PlanNode[];
}

/** Compiles a region into a dense program whose inputs are `region.inputs` and whose one output is the root. */
export function regionProgram(region: Region): DenseProgram {
  const index = new Map<PlanNode, number>();
  const inputs = region.inputs.map((n, i) => {
    index.set(n, i);
    if (n.output.kind !== 'matrix') throw new Error(`dense region input ${n.kind} is not a matrix`);
    return n.output.dtype;
  });
  const steps: DenseStep[] = [];
  for (const m of region.members) {
    const step = denseStepOf(
      m,
      m.inputs.map((c) => index.get(c)!),
    );
    if (step === null) throw new Error(`${m.kind} is not a dense program step`);
    index.set(m, inputs.length + steps.length);
    steps.push(step);
  }
  return { inputs, steps, outputs: [inputs.length + steps.length - 1] };
}
