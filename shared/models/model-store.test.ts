import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import manifestJson from '../../models/yolox-nano/manifest.json';
import { ApiError } from '../errors/api-error.ts';
import { ortMemoryBytes } from '../inference/ort-wasm.ts';
import { ModelManifest } from './manifest.ts';
import { loadModel } from './model-store.ts';

const yolox = ModelManifest.parse(manifestJson);

describe('loadModel', () => {
  it('creates one session for concurrent first requests and reuses it', async () => {
    const loads = Array.from({ length: 4 }, () => loadModel(env.MODEL_FILES, yolox));
    expect(new Set(loads).size).toBe(1);
    const model = await loads[0]!;
    expect(model.session.inputNames).toEqual(['images']);
    expect(model.labels).toHaveLength(80);
    expect(await loadModel(env.MODEL_FILES, yolox)).toBe(model);
    // ORT's linear memory, measured where it lives: the instance the adapter created. It starts
    // at 16 MiB; YOLOX's 3.6 MB of weights, handed over as external data, fit without growing it.
    expect(ortMemoryBytes()).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(ortMemoryBytes()).toBeLessThan(128 * 1024 * 1024);
  });

  it('refuses weights whose sha256 differs from the manifest, and retries on the next request', async () => {
    const tampered = { ...yolox, version: 'tampered', files: { ...yolox.files, model: { ...yolox.files.model, sha256: '0'.repeat(64) } } };
    const failure = await loadModel(env.MODEL_FILES, tampered).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe('model_failed');
    expect((failure as ApiError).status).toBe(503);
    // The failed load is forgotten, not cached: a second call loads again (and fails again).
    const again = loadModel(env.MODEL_FILES, tampered);
    await expect(again).rejects.toBeInstanceOf(ApiError);
  });

  it('answers model_not_installed when a weights file is absent', async () => {
    const absent = { ...yolox, id: 'not-pulled', version: '1' };
    const failure = (await loadModel(env.MODEL_FILES, absent).catch((error: unknown) => error)) as ApiError;
    expect(failure.code).toBe('model_not_installed');
    expect(failure.status).toBe(503);
  });
});
