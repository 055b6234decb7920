import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, MANIFESTS } from '../../models/registry-manifests.ts';
import { sha256Hex } from '../hash/sha256.ts';
import { buildRegistry } from './registry.ts';

// Every shipped manifest is valid and every file it names is served to the
// Worker with exactly the bytes and sha256 it records: a manifest cannot
// drift from its weights without failing `npm test`.
describe('model registry', () => {
  const registry = buildRegistry(MANIFESTS, DEFAULT_MODELS);

  it('parses every manifest strictly and has a default for each task', () => {
    expect(registry.all.length).toBe(MANIFESTS.length);
    for (const task of Object.keys(DEFAULT_MODELS) as Array<keyof typeof DEFAULT_MODELS>) {
      expect(registry.defaultFor(task).id).toBe(DEFAULT_MODELS[task]);
    }
  });

  it.each(registry.all.map((m) => [m.id, m] as const))('serves %s with the bytes its manifest records', async (id, manifest) => {
    for (const entry of Object.values(manifest.files)) {
      // Files over the asset limit live in R2, checked where they are put (test/integration/mobileclip.test.ts).
      if (entry.store === 'r2') continue;
      const response = await env.MODEL_FILES.fetch(`https://model-files/${id}/${entry.path}`);
      // Weights pulled at deploy time (`install`, e.g. MobileCLIP) may be absent; when present they must match.
      if (response.status === 404 && manifest.install) continue;
      expect(response.status, `${id}/${entry.path}`).toBe(200);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(bytes.byteLength).toBe(entry.bytes);
      expect(await sha256Hex(bytes)).toBe(entry.sha256);
    }
  });

  it('refuses an invalid manifest with the field named', () => {
    expect(() => buildRegistry([{ ...(MANIFESTS[0] as object), colour: 'red' }], {})).toThrow(/colour|unrecognized/i);
  });
});
