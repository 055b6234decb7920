import type { BackendConfig } from './config.ts';
import { hfBackend } from './hf.ts';
import type { Backend } from './types.ts';
import { workersAiBackend } from './workers-ai.ts';

/** The backend BACKEND names, or undefined for "none" (heavy routes then fall back or answer 503). */
export function selectBackend(config: BackendConfig): Backend | undefined {
  switch (config.kind) {
    case 'hf':
      return hfBackend(config);
    case 'workers-ai':
      return workersAiBackend(config);
    default:
      return undefined;
  }
}
