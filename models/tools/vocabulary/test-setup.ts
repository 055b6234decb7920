import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR, buildTags, readOverlay } from './embed-tags.ts';

/**
 * The generated test model's open-vocabulary tag embeddings (5.7 MB, not committed)
 * are computed here from its text tower before workerd starts, exactly as
 * `npm run models:build` computes a real model's, and must match the sha256 that
 * models/open-vocabulary/models.json records (the Worker refuses them otherwise).
 */
export default async function setup(): Promise<void> {
  const id = 'mobileclip-test';
  const overlay = readOverlay();
  const expected = overlay[id]?.files['tags'];
  if (!expected) throw new Error(`models/open-vocabulary/models.json lists no tag embeddings for ${id}: run \`npm run models:build -- --only ${id}\``);
  const path = join(MODELS_DIR, id, expected.path);
  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  if (existsSync(path) && sha(readFileSync(path)) === expected.sha256) return;
  const built = await buildTags(id, overlay);
  if (built.record.sha256 !== expected.sha256) {
    throw new Error(
      `${id}'s tag embeddings rebuilt to sha256 ${built.record.sha256}, models.json records ${expected.sha256}: ` +
        `the vocabulary or the text tower changed; run \`npm run models:build -- --only ${id}\` and commit models/open-vocabulary/models.json`,
    );
  }
  writeFileSync(path, built.bytes);
}
