import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import { runModel, type ModelOutput } from '../inference/run-model.ts';
import type { IngestedImage } from '../ingest/ingest-image.ts';
import { decodeTargetFor } from '../image/preprocess.ts';
import type { Raster } from '../image/raster.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { ModelHandle } from '../models/model-store.ts';
import { openModel } from '../models/open-model.ts';

/** Model load and image decode in parallel, then one inference: the core of every edge task. */
export async function inferImage(
  c: Context<AppEnv>,
  manifest: ModelManifest,
  image: IngestedImage,
): Promise<{ model: ModelHandle; pixels: Raster; output: ModelOutput }> {
  const timing = c.get('timing');
  const target = decodeTargetFor(manifest.input, image.info.width, image.info.height);
  const [model, pixels] = await Promise.all([timing.measure('load', () => openModel(c, manifest)), image.pixels(target)]);
  const output = await runModel(model, pixels, timing);
  return { model, pixels, output };
}
