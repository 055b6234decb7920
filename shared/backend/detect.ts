import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { IngestedImage } from '../ingest/ingest-image.ts';
import { answerFromBackend } from './call.ts';
import type { BackendDetection } from './types.ts';

/**
 * DETR detection on the GPU backend, in the edge detector's answer shape.
 * The backend's whole answer is cached (validated: boxes inside the upright
 * image, integer pixels); threshold and max are applied per request, so one
 * backend call serves every threshold.
 */
export async function answerGpuDetection(
  c: Context<AppEnv>,
  image: IngestedImage,
  options: { threshold: number; max: number },
): Promise<{ objects: BackendDetection[]; model: string; hit: boolean }> {
  const { result, hit, model } = await answerFromBackend<BackendDetection[]>(c, image, {
    task: 'detect',
    params: () => ({}),
    invoke: (backend, img, signal) => backend.detect(img, signal),
  });
  const objects = result
    .filter((o) => o.score >= options.threshold)
    .sort((a, b) => b.score - a.score)
    .slice(0, options.max);
  return { objects, model: model.source, hit };
}
