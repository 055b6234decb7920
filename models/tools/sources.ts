// Pinned inputs of the build. Every file lives in the repository under models/ (copied
// there once with `build.ts --import-coral DIR --import-nsfwjs DIR`); the build checks each
// sha256 before using it and never reads anything outside models/.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SourceFile {
  path: string; // relative to models/
  sha256: string;
  importFrom: 'coral' | 'nsfwjs'; // which --import-* directory holds the original
  importPath: string; // path inside that directory
}

export const CORAL_UPSTREAM = 'google-coral/test_data @104342d';
export const NSFWJS_UPSTREAM = 'npm nsfwjs@4.3.0 (infinitered/nsfwjs)';

export const SOURCES = {
  coralTflite: {
    path: 'mobilenet-v2/source/mobilenet_v2_1.0_224_quant.tflite',
    sha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
    importFrom: 'coral', importPath: 'mobilenet_v2_1.0_224_quant.tflite',
  },
  coralLabels: {
    path: 'mobilenet-v2/source/imagenet_labels.txt',
    sha256: 'b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1',
    importFrom: 'coral', importPath: 'imagenet_labels.txt',
  },
  coralLicence: {
    path: 'licences/coral-test_data-Apache-2.0.txt',
    sha256: 'f9946796a8a5bd5981565142fa42e3b0cc36aef6f80e86beaf5905b3c0fef1b5',
    importFrom: 'coral', importPath: 'LICENSE',
  },
  nsfwModel: {
    path: 'nsfw-mobilenet-v2/source/model.min.js',
    sha256: 'c32f104fd562b08cdff5ed69dfe1209643afa47e792fb12751d2949aa61a397a',
    importFrom: 'nsfwjs', importPath: 'dist/models/mobilenet_v2/model.min.js',
  },
  nsfwShard: {
    path: 'nsfw-mobilenet-v2/source/group1-shard1of1.min.js',
    sha256: 'ef2e0a63f7d2c4960b37b024b669313f65d3c45cd59e9042636c55b39de53517',
    importFrom: 'nsfwjs', importPath: 'dist/models/mobilenet_v2/group1-shard1of1.min.js',
  },
  nsfwClasses: {
    path: 'nsfw-mobilenet-v2/source/nsfw_classes.js',
    sha256: '973662eb45d0a10f2cecd86085203a3daad3035987e417825e57c922a4df87b9',
    importFrom: 'nsfwjs', importPath: 'dist/esm/nsfw_classes.js',
  },
  nsfwLicence: {
    path: 'nsfw-mobilenet-v2/source/LICENSE',
    sha256: '2f7fe40b4f0d97020f0a0dc2214d637471f6204e565eb83e9fd414f0e5287d94',
    importFrom: 'nsfwjs', importPath: 'LICENSE',
  },
  nsfwLicenceCopy: {
    path: 'licences/nsfwjs-MIT.txt',
    sha256: '2f7fe40b4f0d97020f0a0dc2214d637471f6204e565eb83e9fd414f0e5287d94',
    importFrom: 'nsfwjs', importPath: 'LICENSE',
  },
} satisfies Record<string, SourceFile>;

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// Reads a pinned source from models/, refusing anything whose hash moved.
export function readSource(modelsDir: string, src: SourceFile): Buffer {
  const bytes = readFileSync(join(modelsDir, src.path));
  const got = sha256(bytes);
  if (got !== src.sha256) throw new Error(`${src.path}: sha256 ${got}, expected ${src.sha256}`);
  return bytes;
}
