import { breakerSnapshot, type BreakerSnapshot } from './breaker.ts';
import { readBackendConfig, type BackendVars, type HeavyTask } from './config.ts';
import { selectBackend } from './select.ts';

/**
 * What GET /v1/models says about the GPU backend: the model configured for
 * each heavy task and this isolate's view of its health (circuit state, last
 * outcome and latency, call counts). Nothing is called to find out: a probe
 * would cost GPU time and wake scaled-to-zero endpoints.
 */
export interface BackendModelStatus {
  task: HeavyTask;
  source: string;
  protocol: string;
  health: BreakerSnapshot;
}

const TASKS: HeavyTask[] = ['caption', 'vqa', 'detect'];

export function backendStatus(vars: BackendVars): BackendModelStatus[] {
  const backend = selectBackend(readBackendConfig(vars));
  if (!backend) return [];
  return TASKS.flatMap((task) => {
    const model = backend.model(task);
    if (!model) return [];
    const health = breakerSnapshot(`${model.source} ${model.endpoint}`) ?? { state: 'closed' as const, consecutive_failures: 0, calls: 0, failures: 0 };
    return [{ task, source: model.source, protocol: model.protocol, health }];
  });
}
