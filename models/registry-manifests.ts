// The models this deployment ships, as data. Add a model: put its folder
// (weights, labels, manifest.json) under models/ and list the manifest here.
import yoloxNano from './yolox-nano/manifest.json';

export const MANIFESTS: readonly unknown[] = [yoloxNano];

/** Which model answers a task when the request names none. */
export const DEFAULT_MODELS = { detect: 'yolox-nano' } as const;
