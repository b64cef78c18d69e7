import type { ProviderName } from '../../src/providers/provider.js';
import { allProviders } from '../../src/providers/registry.js';

/** Providers besides JS that load on this machine: suites rerun their plans on each. */
export const OTHER_PROVIDERS: readonly ProviderName[] = allProviders()
  .filter((p) => p.name !== 'js' && p.status().available)
  .map((p) => p.name);
