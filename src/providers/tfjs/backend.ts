/**
 * Chooses and initialises the TF.js backend, once per process, and says what it got
 * and why. Routes are tried best first: CUDA through @tensorflow/tfjs-node-gpu, native
 * TensorFlow through @tensorflow/tfjs-node, WebGPU through @tensorflow/tfjs-backend-webgpu
 * over the `webgpu` package's Dawn, then WebAssembly. The plain JS `cpu` backend is never
 * used: Tessera's own kernels are faster than it, so "only cpu" means "unavailable".
 *
 * Optional packages are loaded at run time with `require`/`import` of a computed name,
 * so neither the type checker nor a bundler needs them installed.
 */
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';
import type { Device } from '../provider.js';
import { type PackageInfo, type Route, type RouteKind, detect, probeCuda, wasmSimdSupported } from './detect.js';

export type Tf = typeof TF;

/** What initialised (or would be tried), for status(), explain and `tessera doctor`. */
export interface BackendReport {
  readonly available: boolean;
  /** Whether this describes a backend that initialised, or only what will be tried. */
  readonly loaded: boolean;
  /** The TF.js backend name: 'tensorflow', 'webgpu' or 'wasm'. */
  readonly tfBackend?: Route['backend'];
  /** The backend in words, e.g. 'wasm (SIMD, 1 thread)'. */
  readonly backend?: string;
  readonly device: Device;
  /** '@tensorflow/tfjs-core 4.22.0, @tensorflow/tfjs-backend-wasm 4.22.0'. */
  readonly version?: string;
  /** One sentence: what runs, or why nothing does. */
  readonly detail: string;
  /** Every route tried, in order, with its outcome. */
  readonly attempts: readonly { readonly route: RouteKind; readonly outcome: string }[];
  /** Time spent initialising, in ms (0 before loading). */
  readonly initMs: number;
}

export interface LoadedBackend {
  readonly tf: Tf;
  readonly name: Route['backend'];
  readonly report: BackendReport;
}

const requireHere = createRequire(import.meta.url);
/** `require` as seen from inside a package, so a backend and the tfjs-core it registers into are the same copy. */
const requireFrom = (pkg: PackageInfo) => createRequire(join(pkg.dir, 'package.json'));

function versions(core: string, packages: readonly PackageInfo[]): string {
  return [`@tensorflow/tfjs-core ${core}`, ...packages.map((p) => `${p.name} ${p.version}`)].join(', ');
}

const NO_THREADS = 'the threaded wasm build cannot start its workers under Node: tfjs issue #3830';
const FASTER = 'for a GPU install @tensorflow/tfjs-node-gpu (CUDA), for native CPU kernels @tensorflow/tfjs-node';

interface RouteResult {
  readonly tf: Tf;
  readonly backend: string;
  readonly device: Device;
  readonly detail: string;
}

async function activate(tf: Tf, name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend failed to initialise (TF.js printed why above)`);
}

/** tfjs-node(-gpu): the native TensorFlow library; the GPU build falls back to its CPU kernels without saying so. */
async function loadNative(route: Route): Promise<RouteResult> {
  const pkg = route.packages[0];
  const tf = requireHere(pkg.name) as Tf;
  await activate(tf, 'tensorflow');
  if (route.kind === 'native') return { tf, backend: 'tensorflow (tfjs-node, native CPU)', device: 'cpu', detail: `TF.js on TensorFlow's native CPU kernels (${pkg.name}); float32 only.` };
  // The binding tells whether TensorFlow placed its context on a GPU.
  if ((tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true) {
    return { tf, backend: 'tensorflow (tfjs-node-gpu, CUDA)', device: 'gpu', detail: 'TF.js on TensorFlow with CUDA (@tensorflow/tfjs-node-gpu): float32 work runs on the GPU.' };
  }
  const why = probeCuda().missing.join('; ') || 'TensorFlow found no CUDA device it can use';
  return {
    tf,
    backend: 'tensorflow (tfjs-node-gpu, CPU only)',
    device: 'cpu',
    detail: `@tensorflow/tfjs-node-gpu loaded but no GPU is usable (${why}), so TensorFlow runs on its native CPU kernels.`,
  };
}

interface DawnAdapter {
  readonly info?: { readonly description?: string; readonly vendor?: string; readonly architecture?: string; readonly isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}
interface Dawn {
  create(flags: string[]): { requestAdapter(options?: object): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}

/** WebGPU over Dawn: needs the WebGPU globals and `navigator.gpu` in place before the backend module loads. */
async function loadWebgpu(route: Route): Promise<RouteResult> {
  const [backendPkg, dawnPkg] = route.packages;
  const dawn = (await import(dawnPkg.name)) as Dawn;
  const g = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(dawn.globals)) if (!(key in g)) g[key] = value;
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (is a Vulkan driver installed?)');
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  if (info.isFallbackAdapter === true || adapter.isFallbackAdapter === true) {
    throw new Error(`the only WebGPU adapter is a software fallback (${name}), slower than wasm`);
  }
  const nav = g.navigator as object | undefined;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const tf = requireFrom(backendPkg)('@tensorflow/tfjs-core') as Tf;
  requireHere(backendPkg.name);
  await activate(tf, 'webgpu');
  return { tf, backend: `webgpu (${name})`, device: 'gpu', detail: `TF.js on WebGPU through Dawn (${name}): float32 work runs on the GPU.` };
}

/** WebAssembly: the binaries are read from the package's own dist folder; SIMD when V8 has it, one thread under Node. */
async function loadWasm(route: Route): Promise<RouteResult> {
  const pkg = route.packages[0];
  const wasm = requireHere(pkg.name) as typeof TfWasm;
  const tf = requireFrom(pkg)('@tensorflow/tfjs-core') as Tf;
  wasm.setWasmPaths(join(pkg.dir, 'dist') + sep);
  await activate(tf, 'wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = wasm.getThreadsCount();
  const hint = detect().routes.some((r) => r.kind !== 'wasm') ? '' : `; ${FASTER}`;
  return {
    tf,
    backend: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`,
    device: 'cpu',
    detail: `TF.js on WebAssembly${simd ? ' with SIMD' : ''}, ${threads === 1 ? `one thread (${NO_THREADS})` : `${threads} threads`}${hint}.`,
  };
}

const ROUTE_NAMES: Record<RouteKind, string> = { cuda: '@tensorflow/tfjs-node-gpu', native: '@tensorflow/tfjs-node', webgpu: 'WebGPU', wasm: 'wasm' };

const LOADERS: Record<RouteKind, (route: Route) => Promise<RouteResult>> = { cuda: loadNative, native: loadNative, webgpu: loadWebgpu, wasm: loadWasm };

function message(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e);
}

function unavailable(detail: string, attempts: BackendReport['attempts'] = [], initMs = 0, loaded = false): BackendReport {
  return { available: false, loaded, device: 'cpu', detail, attempts, initMs };
}

/** Why nothing can be tried, or undefined when some route is installed. */
function missingReason(): string | undefined {
  const found = detect();
  if (!found.core) return 'TF.js is not installed (an optional peer of Tessera): npm install @tensorflow/tfjs-core @tensorflow/tfjs-backend-wasm, or @tensorflow/tfjs-node-gpu for CUDA (docs/gpu.md).';
  if (found.routes.length > 0) return undefined;
  const cpu = found.cpuBackend ? 'only the plain JS cpu backend is installed, which is slower than Tessera\'s own kernels' : 'no TF.js backend is installed';
  return `TF.js is unavailable: ${cpu}; install @tensorflow/tfjs-backend-wasm, @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu.`;
}

async function load(): Promise<LoadedBackend | BackendReport> {
  const missing = missingReason();
  if (missing) return unavailable(missing);
  const found = detect();
  const attempts: { route: RouteKind; outcome: string }[] = [];
  const start = performance.now();
  for (const route of found.routes) {
    try {
      const r = await LOADERS[route.kind](route);
      // A better route that failed is worth saying: its user installed it for a reason.
      const failed = attempts.map((a) => `${ROUTE_NAMES[a.route]} ${a.outcome}`).join('; ');
      attempts.push({ route: route.kind, outcome: `loaded: ${r.backend}` });
      const report: BackendReport = {
        available: true,
        loaded: true,
        tfBackend: route.backend,
        backend: r.backend,
        device: r.device,
        version: versions(r.tf.version_core, route.packages),
        detail: failed ? `${r.detail.replace(/\.$/, '')}; tried first: ${failed}.` : r.detail,
        attempts,
        initMs: performance.now() - start,
      };
      return { tf: r.tf, name: route.backend, report };
    } catch (e) {
      attempts.push({ route: route.kind, outcome: `failed: ${message(e)}` });
    }
  }
  const why = attempts.map((a) => `${ROUTE_NAMES[a.route]} ${a.outcome}`).join('; ');
  return unavailable(`No TF.js backend initialised (${why}); the plain JS cpu backend is not used.`, attempts, performance.now() - start, true);
}

let loading: Promise<LoadedBackend | BackendReport> | undefined;
let settled: LoadedBackend | BackendReport | undefined;

/**
 * The backend, initialising it on the first call. `first` is true for the call that
 * started the initialisation (a run reports that as `compiled`).
 */
export async function loadBackend(): Promise<{ result: LoadedBackend | BackendReport; first: boolean }> {
  const first = loading === undefined;
  loading ??= load().then((r) => (settled = r));
  return { result: await loading, first };
}

export function isLoaded(r: LoadedBackend | BackendReport): r is LoadedBackend {
  return 'tf' in r;
}

/** What status() shows: the settled outcome, or else what will be tried, without loading anything. */
export function currentReport(): BackendReport {
  if (settled) return isLoaded(settled) ? settled.report : settled;
  const missing = missingReason();
  if (missing) return unavailable(missing);
  const { core, routes } = detect();
  const route = routes[0];
  const version = versions(core!.version, route.packages);
  const base = { available: true, loaded: false, tfBackend: route.backend, version, attempts: [], initMs: 0 };
  switch (route.kind) {
    case 'cuda': {
      const cuda = probeCuda();
      return cuda.ok
        ? { ...base, backend: 'tensorflow (tfjs-node-gpu, CUDA)', device: 'gpu', detail: '@tensorflow/tfjs-node-gpu and the CUDA 11.2 / cuDNN 8.1 libraries are installed; the GPU is confirmed when the backend loads on first run.' }
        : { ...base, backend: 'tensorflow (tfjs-node-gpu, CPU only)', device: 'cpu', detail: `@tensorflow/tfjs-node-gpu is installed but no GPU is usable (${cuda.missing.join('; ')}), so it will run TensorFlow's native CPU kernels (loads on first run).` };
    }
    case 'native':
      return { ...base, backend: 'tensorflow (tfjs-node, native CPU)', device: 'cpu', detail: "@tensorflow/tfjs-node is installed: TF.js will run on TensorFlow's native CPU kernels (loads on first run)." };
    case 'webgpu':
      return { ...base, backend: 'webgpu (adapter not yet requested)', device: 'gpu', detail: '@tensorflow/tfjs-backend-webgpu and webgpu are installed: TF.js will try a WebGPU adapter through Dawn on first run, else fall back to wasm.' };
    case 'wasm': {
      const simd = wasmSimdSupported();
      return { ...base, backend: `wasm (${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`, device: 'cpu', detail: `TF.js will run on WebAssembly${simd ? ' with SIMD' : ''} (loads on first run), one thread (${NO_THREADS}); ${FASTER}.` };
    }
  }
}

/**
 * Frees the backend instance this provider initialised (its WebAssembly memory, its
 * TensorFlow context), keeping its factory registered so a later run can start it
 * again. Left alone while any tensor is alive: the TF.js engine is shared by the whole
 * process, and other code may still be using the backend.
 */
export async function releaseBackend(): Promise<void> {
  const pending = loading;
  loading = undefined;
  settled = undefined;
  const r = pending ? await pending : undefined;
  if (!r || !isLoaded(r)) return;
  const { tf, name } = r;
  // Engine internals: findBackend() would start a backend that is not running.
  const engine = tf.engine() as unknown as { registry: Record<string, unknown>; registryFactory: Record<string, { priority: number }> };
  if (tf.memory().numTensors > 0 || !(name in engine.registry)) return;
  const factory = tf.findBackendFactory(name);
  const priority = engine.registryFactory[name]?.priority ?? 1;
  tf.removeBackend(name);
  tf.registerBackend(name, factory, priority);
}
