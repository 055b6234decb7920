import { DEFAULT_MODELS, MANIFESTS } from '../../models/registry-manifests.ts';
import { buildRegistry, type Registry } from './registry.ts';

let registry: Registry | undefined;

/** The registry of bundled models, parsed and validated on first use in an isolate. */
export function models(): Registry {
  registry ??= buildRegistry(MANIFESTS, DEFAULT_MODELS);
  return registry;
}
