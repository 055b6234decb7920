import { createTestHarness } from 'wrangler';
import type { TestProject } from 'vitest/node';

/**
 * The Workers that hold the model families the API Worker does not (OCR),
 * started from their own wrangler configs and bundles, exactly as `npm run dev`
 * runs them. vitest.config.ts points the API's service bindings at them, so
 * the workerd tests cross a real Worker boundary.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    ocrWorkerUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const harness = createTestHarness({
    workers: [{ configPath: './functions/ocr/wrangler.toml' }],
  });
  const { url } = await harness.listen();
  project.provide('ocrWorkerUrl', url.origin);
  return () => harness.close();
}
