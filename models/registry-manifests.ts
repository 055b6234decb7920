// The models this deployment ships, as data. Add a model: put its folder
// (weights, labels, manifest.json) under models/ and list the manifest here.
import blazefaceBack from './blazeface-back/manifest.json';
import blazefaceFront from './blazeface-front/manifest.json';
import mobilenetV2 from './mobilenet-v2/manifest.json';
import mobilenetV2Features from './mobilenet-v2-features/manifest.json';
import nsfwMobilenetV2 from './nsfw-mobilenet-v2/manifest.json';
import yoloxNano from './yolox-nano/manifest.json';

export const MANIFESTS: readonly unknown[] = [mobilenetV2, mobilenetV2Features, nsfwMobilenetV2, yoloxNano, blazefaceFront, blazefaceBack];

/** Which model answers a task when the request names none. */
export const DEFAULT_MODELS = {
  classify: 'mobilenet-v2',
  embed: 'mobilenet-v2-features',
  moderate: 'nsfw-mobilenet-v2',
  detect: 'yolox-nano',
} as const;
