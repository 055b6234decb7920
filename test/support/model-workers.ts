import { readFileSync } from 'node:fs';
import { createTestHarness } from 'wrangler';
import type { TestProject } from 'vitest/node';
import testManifest from '../../models/mobileclip-test/manifest.json';

/**
 * The Workers that hold the model families the API Worker does not (OCR, and
 * MobileCLIP's towers in the model hosts), started from their own wrangler
 * configs and bundles, exactly as `npm run dev` runs them. vitest.config.ts
 * points the API's service bindings at them, so the workerd tests cross a real
 * Worker boundary. The model hosts run their `test` environment, which also
 * lists the generated test models.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    ocrWorkerUrl: string;
    clipImageWorkerUrl: string;
    clipTextWorkerUrl: string;
  }
}

export default async function setup(project: TestProject) {
  // One harness per Worker: a harness's URL reaches its first (primary) Worker.
  const start = async (configPath: string, env?: string) => {
    const harness = createTestHarness({ workers: [{ configPath, ...(env ? { env } : {}) }] });
    const { url } = await harness.listen();
    return { harness, origin: url.origin };
  };
  const [ocr, clipImage, clipText] = await Promise.all([
    start('./functions/ocr/wrangler.toml'),
    start('./functions/model-host/wrangler.clip-image.toml', 'test'),
    start('./functions/model-host/wrangler.clip-text.toml', 'test'),
  ]);
  // The test text tower is `"store": "r2"` like the real one (over the 25 MiB asset
  // limit): put it in the text host's bucket, where `npm run models:pull` tells users to.
  const env = await clipText.harness.getWorker<{ MODEL_BUCKET: R2Bucket }>().getEnv();
  const text = testManifest.files.text;
  await env.MODEL_BUCKET.put(`${testManifest.id}/${text.path}`, readFileSync(`./models/${testManifest.id}/${text.path}`));

  project.provide('ocrWorkerUrl', ocr.origin);
  project.provide('clipImageWorkerUrl', clipImage.origin);
  project.provide('clipTextWorkerUrl', clipText.origin);
  return async () => {
    await Promise.all([ocr, clipImage, clipText].map(({ harness }) => harness.close()));
  };
}
