// Reproducible conversion: rebuilding from the pinned sources in models/ gives the exact
// bytes the manifests record, and the manifests are what the build would write now.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelManifest } from '../../shared/models/manifest.ts';
import { BUILDERS, MODELS_DIR, writeBuilt } from './build.ts';
import { SOURCES, sha256 } from './sources.ts';

const tmp = mkdtempSync(join(tmpdir(), 'models-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('models build', () => {
  it('keeps every pinned source in the repository with its recorded sha256', () => {
    for (const src of Object.values(SOURCES)) {
      expect(sha256(readFileSync(join(MODELS_DIR, src.path))), src.path).toBe(src.sha256);
    }
  });

  for (const id of Object.keys(BUILDERS)) {
    it(`rebuilds ${id} byte for byte`, () => {
      const manifest = JSON.parse(readFileSync(join(MODELS_DIR, id, 'manifest.json'), 'utf8'));
      const built = BUILDERS[id](MODELS_DIR);
      const dir = writeBuilt(built, tmp);
      for (const entry of Object.values(manifest.files) as { path: string; bytes: number; sha256: string }[]) {
        const rebuilt = readFileSync(join(dir, entry.path));
        expect(rebuilt.length, entry.path).toBe(entry.bytes);
        expect(sha256(rebuilt), entry.path).toBe(entry.sha256);
        // and the committed file is that same build
        expect(sha256(readFileSync(join(MODELS_DIR, id, entry.path))), entry.path).toBe(entry.sha256);
      }
      const { measured, ...rest } = manifest;
      expect(rest).toEqual(built.manifest);
      expect(measured.wasmMemoryBytes).toBeGreaterThan(0);
      expect(measured.inferMs).toBeGreaterThan(0);
    });

    it(`${id} manifest passes the API's manifest schema`, () => {
      const manifest = JSON.parse(readFileSync(join(MODELS_DIR, id, 'manifest.json'), 'utf8'));
      const parsed = ModelManifest.safeParse(manifest);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    });
  }
});
