import { jsProvider } from './js.js';
import { onnxruntimeProvider } from './onnxruntime/index.js';
import type { MatrixProvider, ProviderName, ProviderStatus } from './provider.js';
import { tfjsProvider } from './tfjs/index.js';

/** Every provider Tessera knows, in order of preference for equal cost. */
const PROVIDERS: Readonly<Record<ProviderName, MatrixProvider>> = {
  js: jsProvider,
  onnxruntime: onnxruntimeProvider,
  tfjs: tfjsProvider,
};

export function providerByName(name: ProviderName): MatrixProvider {
  return PROVIDERS[name];
}

/** Every provider, loaded or not. */
export function allProviders(): readonly MatrixProvider[] {
  return Object.values(PROVIDERS);
}

/** The status of every provider on this machine (detection is cached by each provider). */
export function providerStatuses(): readonly ProviderStatus[] {
  return allProviders().map((p) => p.status());
}
