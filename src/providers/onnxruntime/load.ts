/**
 * Finding and loading onnxruntime-node, and onnx-proto that the models are encoded
 * with. Both are CommonJS, and onnxruntime-node opens a native library (about 60 ms),
 * so importing Tessera loads neither: the first `status()` or `run()` requires them
 * through createRequire and the outcome, success or the reason for failure, is kept.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { onnx as Onnx } from 'onnx-proto';

export interface OrtModules {
  readonly ort: typeof Ort;
  readonly onnx: typeof Onnx;
}

export type LoadOutcome =
  | { readonly ok: true; readonly modules: OrtModules; readonly version: string; readonly detail: string }
  | { readonly ok: false; readonly version?: string; readonly detail: string };

/** Threads each session computes with: every core (the calling thread is one of them). */
export const THREADS = availableParallelism();

const INSTALL =
  'run `npm install onnxruntime-node` (offline its postinstall fails downloading CUDA files: set ONNXRUNTIME_NODE_INSTALL=skip, or add "allowScripts": {"onnxruntime-node": false} to package.json)';

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * The version from the package's own package.json, found by walking up from its main
 * file: the package may not export its package.json as a subpath.
 */
function packageVersion(req: NodeJS.Require, name: string): string | undefined {
  let dir = dirname(req.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version;
    } catch {
      // no package.json at this level: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Loads both packages through `req`; never throws. Exported so tests can hand in a failing require. */
export function loadWith(req: NodeJS.Require): LoadOutcome {
  let version: string | undefined;
  try {
    version = packageVersion(req, 'onnxruntime-node');
  } catch {
    return { ok: false, detail: `onnxruntime-node is not installed; it is an optional dependency of Tessera: ${INSTALL}.` };
  }
  const label = `onnxruntime-node ${version ?? '(unknown version)'}`;
  let ort: typeof Ort;
  try {
    ort = req('onnxruntime-node') as typeof Ort;
  } catch (e) {
    return { ok: false, version: label, detail: `${label} is installed but its native binding did not load (${message(e)}): ${INSTALL}.` };
  }
  let onnx: typeof Onnx;
  try {
    onnx = (req('onnx-proto') as { onnx: typeof Onnx }).onnx;
  } catch (e) {
    return { ok: false, version: label, detail: `onnx-proto, which Tessera encodes ONNX models with, did not load (${message(e)}): run \`npm install\`.` };
  }
  return {
    ok: true,
    modules: { ort, onnx },
    version: label,
    detail: `ONNX Runtime's native CPU kernels through ${label}, ${THREADS} threads, float64 and float32; each program compiles once to a cached session.`,
  };
}

let outcome: LoadOutcome | undefined;

/** The packages, loaded on first call; later calls return the same outcome. */
export function loadOrt(): LoadOutcome {
  outcome ??= loadWith(createRequire(import.meta.url));
  return outcome;
}
