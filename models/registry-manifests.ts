// The models this deployment ships, as data. Add a model: put its folder
// (weights, labels, manifest.json) under models/ and list the manifest here.
import blazefaceBack from './blazeface-back/manifest.json';
import blazefaceFront from './blazeface-front/manifest.json';
import mobileclipS0 from './mobileclip-s0/manifest.json';
import mobileclipTest from './mobileclip-test/manifest.json';
import mobilenetV2 from './mobilenet-v2/manifest.json';
import mobilenetV2Features from './mobilenet-v2-features/manifest.json';
import nsfwMobilenetV2 from './nsfw-mobilenet-v2/manifest.json';
import ppocrCls from './ppocr-cls/manifest.json';
import ppocrV4Det from './ppocr-v4-det/manifest.json';
import ppocrV4Rec from './ppocr-v4-rec/manifest.json';
import yoloxNano from './yolox-nano/manifest.json';
import openVocabulary from './open-vocabulary/models.json';

/**
 * true in test builds only (vitest.config.ts `define`; wrangler.toml [define] sets false):
 * the generated test graphs (random weights) must never be listed by a deployment.
 * `typeof` keeps Node-side tools that import this file without a define working.
 */
declare const __TEST_MODELS__: boolean;
const TEST_MODELS = typeof __TEST_MODELS__ !== 'undefined' && __TEST_MODELS__;

/**
 * Open-vocabulary tags (the `tags` section and the tag-embeddings file) of the models
 * listed in open-vocabulary/models.json, written by `npm run models:build`. They are
 * kept beside, not in, the manifests that `npm run models:pull` and the test-graph
 * generator write, and merged here so a pull never drops them.
 */
function withTags(manifest: { id: string; files: object }): unknown {
  const extra = (openVocabulary as Record<string, { tags: object; files: object } | undefined>)[manifest.id];
  return extra ? { ...manifest, tags: extra.tags, files: { ...manifest.files, ...extra.files } } : manifest;
}

export const MANIFESTS: readonly unknown[] = [
  mobilenetV2,
  mobilenetV2Features,
  nsfwMobilenetV2,
  yoloxNano,
  blazefaceFront,
  blazefaceBack,
  ppocrV4Det,
  ppocrV4Rec,
  ppocrCls,
  // Weights pulled at deploy time (`npm run models:pull -- mobileclip-s0`); without them it answers 503 model_not_installed.
  withTags(mobileclipS0),
  ...(TEST_MODELS ? [withTags(mobileclipTest)] : []),
];

/**
 * Models that answer a task when the request names none and their weights are
 * installed (pulled at deploy time), best first, ahead of DEFAULT_MODELS; the
 * EMBED_MODELS var overrides the order (shared/models/installed.ts).
 */
export const PREFERRED_WHEN_INSTALLED = {
  embed: ['mobileclip-s0'],
} as const;

/** Which model answers a task when the request names none. */
export const DEFAULT_MODELS = {
  classify: 'mobilenet-v2',
  embed: 'mobilenet-v2-features',
  moderate: 'nsfw-mobilenet-v2',
  detect: 'yolox-nano',
} as const;
