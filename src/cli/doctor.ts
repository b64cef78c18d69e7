import { availableParallelism, cpus, totalmem } from 'node:os';
import { runDenseProgramJs } from '../providers/js.js';
import type { DenseProgram } from '../providers/program.js';
import type { DenseMatrix } from '../kernels/matrix/dense.js';
import type { MatrixProvider, ProviderStatus } from '../providers/provider.js';
import { allProviders } from '../providers/registry.js';

/**
 * `tessera doctor`: which kernel providers load on this machine, their versions,
 * devices and backends, and why any is missing. Each available provider also runs a
 * small product and is checked against the JS kernels, so "available" means "computes
 * the right answer here", not only "the package is installed".
 */

export interface DoctorReport {
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly providers: readonly (ProviderStatus & { readonly check: string })[];
}

/** (A·B) with a transpose and a map: enough to exercise a compiled program end to end. */
const SMOKE: DenseProgram = {
  inputs: ['float32', 'float32'],
  steps: [
    { op: 'matmul', a: 0, b: 1, dtype: 'float32' },
    { op: 'map', fn: 'sigmoid', a: 2, dtype: 'float32' },
  ],
  outputs: [3],
};

function smokeInputs(): DenseMatrix[] {
  const n = 64;
  return [Math.sin, Math.cos].map((f) => ({ rows: n, cols: n, data: Float32Array.from({ length: n * n }, (_, i) => f(i)) }));
}

async function smokeCheck(provider: MatrixProvider): Promise<string> {
  const want = runDenseProgramJs(SMOKE, smokeInputs())[0].data;
  try {
    const start = performance.now();
    const got = (await provider.run(SMOKE, smokeInputs())).outputs[0].data;
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
    return err <= 1e-4 ? `ok (64×64 product matched the JS kernels in ${(performance.now() - start).toFixed(1)} ms)` : `WRONG RESULTS (max error ${err})`;
  } catch (e) {
    return `failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

export async function doctorReport(): Promise<DoctorReport> {
  const providers = [];
  for (const p of allProviders()) {
    const check = p.status().available ? await smokeCheck(p) : 'not run';
    // Status after the run: backends that initialise lazily now say what they got.
    providers.push({ ...p.status(), check });
  }
  return { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), memoryBytes: totalmem(), providers };
}

export function doctorText(r: DoctorReport): string {
  const lines = [`Node ${r.node} · ${r.cpu} · ${r.cores} cores · ${(r.memoryBytes / 2 ** 30).toFixed(1)} GiB`, ''];
  for (const p of r.providers) {
    lines.push(`${p.available ? '✓' : '✗'} ${p.name}${p.version ? `  (${p.version})` : ''}`);
    if (p.available) lines.push(`    device ${p.device}${p.backend ? ` · ${p.backend}` : ''} · computes ${p.dtypes.join(', ')}`);
    lines.push(`    ${p.detail}`);
    lines.push(`    check: ${p.check}`);
  }
  const gpu = r.providers.some((p) => p.available && p.device === 'gpu');
  lines.push('', gpu ? 'A GPU provider is available: collect({ device: "gpu" }) uses it for float32 work.' : 'No GPU provider: collect({ device: "gpu" }) raises ProviderUnavailableError; see docs/gpu.md to enable CUDA.');
  return lines.join('\n');
}
