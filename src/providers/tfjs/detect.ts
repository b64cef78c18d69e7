/**
 * What TF.js could run on here, found without loading anything: which TF.js packages
 * are installed (their folders, found the way Node would resolve them) and, for the
 * CUDA build, whether the NVIDIA driver and the CUDA 11.2 / cuDNN 8.1 libraries it
 * opens are present. `status()` is synchronous and must stay cheap, so this reads a
 * few files and never imports a package; the backend that really loads is decided in
 * backend.ts on first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
}

/**
 * The installed copy of `name` that `require`/`import` from this file would get, or
 * undefined. Walking Node's search path by hand (instead of `require.resolve`) also
 * finds ESM-only packages such as `webgpu`, whose exports a CommonJS resolve may refuse.
 */
export function findPackage(name: string): PackageInfo | undefined {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string };
      return { name, version: version ?? '?', dir };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The routes to try, best first (the plain JS `cpu` backend is deliberately not one). */
export type RouteKind = 'cuda' | 'native' | 'webgpu' | 'wasm';

export interface Route {
  readonly kind: RouteKind;
  /** The TF.js backend name it registers. */
  readonly backend: 'tensorflow' | 'webgpu' | 'wasm';
  /** Packages it needs, the one that registers the backend first. */
  readonly packages: readonly PackageInfo[];
}

export interface Detection {
  readonly core?: PackageInfo;
  /** Installed routes, best first. */
  readonly routes: readonly Route[];
  /** Whether @tensorflow/tfjs-backend-cpu is installed (reported, never used). */
  readonly cpuBackend: boolean;
}

let detected: Detection | undefined;

export function detect(): Detection {
  if (detected) return detected;
  const pkg = (name: string) => findPackage(name);
  const routes: Route[] = [];
  const add = (kind: RouteKind, backend: Route['backend'], names: readonly string[]) => {
    const found = names.map(pkg);
    if (found.every((p) => p !== undefined)) routes.push({ kind, backend, packages: found as PackageInfo[] });
  };
  add('cuda', 'tensorflow', ['@tensorflow/tfjs-node-gpu']);
  add('native', 'tensorflow', ['@tensorflow/tfjs-node']);
  add('webgpu', 'webgpu', ['@tensorflow/tfjs-backend-webgpu', 'webgpu']);
  add('wasm', 'wasm', ['@tensorflow/tfjs-backend-wasm']);
  detected = { core: pkg('@tensorflow/tfjs-core'), routes, cpuBackend: pkg('@tensorflow/tfjs-backend-cpu') !== undefined };
  return detected;
}

/**
 * Whether this V8 validates WebAssembly SIMD (the same probe the wasm backend runs,
 * from wasm-feature-detect), so status can name the binary before it loads.
 */
export function wasmSimdSupported(): boolean {
  // The project's lib settings omit the WebAssembly global's types; Node always has it.
  const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  try {
    return wasm.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]));
  } catch {
    return false;
  }
}

/** The libraries libtensorflow 2.9 (inside tfjs-node-gpu 4.x) opens for CUDA 11.2 / cuDNN 8.1. */
const CUDA_LIBRARIES = ['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8'];

export interface CudaProbe {
  /** Driver and libraries all found (a hint: the binding has the last word). */
  readonly ok: boolean;
  /** What is missing, in words; empty when ok. */
  readonly missing: readonly string[];
}

let cuda: CudaProbe | undefined;

/**
 * A cheap guess at whether tfjs-node-gpu will see a GPU. TensorFlow opens the CUDA
 * libraries with dlopen and, when one is missing, quietly runs on the CPU; looking for
 * them here lets status() say why before anything loads. Searched like the dynamic
 * loader does: LD_LIBRARY_PATH, the ld.so cache, the usual CUDA folders.
 */
export function probeCuda(): CudaProbe {
  if (cuda) return cuda;
  const missing: string[] = [];
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    missing.push(`tfjs-node-gpu's CUDA build is for Linux x64, this is ${process.platform} ${process.arch}`);
  } else {
    if (!existsSync('/proc/driver/nvidia/version')) missing.push('no NVIDIA driver: /proc/driver/nvidia/version is absent');
    const dirs = [
      ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
      '/usr/local/cuda-11.2/lib64',
      '/usr/local/cuda/lib64',
      '/usr/lib/x86_64-linux-gnu',
      '/usr/lib64',
      '/usr/lib',
    ];
    let ldCache = '';
    try {
      ldCache = readFileSync('/etc/ld.so.cache', 'latin1');
    } catch {
      // No cache: the folder search alone decides.
    }
    const libs = CUDA_LIBRARIES.filter((lib) => !ldCache.includes(lib) && !dirs.some((d) => existsSync(join(d, lib))));
    if (libs.length > 0) missing.push(`${libs.join(', ')} not found (tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1)`);
  }
  cuda = { ok: missing.length === 0, missing };
  return cuda;
}
