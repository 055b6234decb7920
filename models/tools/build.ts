// Builds every converted model from the sources pinned in models/ (see sources.ts):
//   node --experimental-strip-types models/tools/build.ts [--only ID] [--skip-measure]
//        [--import-coral DIR] [--import-nsfwjs DIR]
// Writes models/<id>/{model.onnx, labels.txt, manifest.json}; manifests follow
// shared/models/manifest.ts (extra facts go where it passes fields through: source, measured). Model bytes are a pure
// function of the pinned sources (the tests rebuild and compare sha256); the "measured"
// block is re-measured each run (one child process per model) unless --skip-measure,
// which keeps the previous figures.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertMobilenetV2, readableLabels } from './mobilenet-v2.ts';
import { convertNsfwMobilenetV2 } from './nsfw-mobilenet-v2.ts';
import { CORAL_UPSTREAM, NSFWJS_UPSTREAM, SOURCES, readSource, sha256 } from './sources.ts';
import type { SourceFile } from './sources.ts';
import { readTfjsLayersModel } from './tfjs.ts';
import { readTflite } from './tflite.ts';
import { readOverlay, writeTags } from './vocabulary/embed-tags.ts';

export const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuiltModel {
  id: string;
  files: Record<string, Uint8Array>; // file name in models/<id>/ -> bytes
  manifest: Record<string, unknown>; // without "measured"
}

const fileEntry = (path: string, bytes: Uint8Array) => ({ path, bytes: bytes.length, sha256: sha256(bytes) });
const sourceEntry = (id: string, src: SourceFile) => {
  // paths relative to the model's folder, so a manifest reads on its own
  const rel = src.path.startsWith(`${id}/`) ? src.path.slice(id.length + 1) : `../${src.path}`;
  return { path: rel, sha256: src.sha256 };
};

const UINT8_RGB_224 = (name: string, resize: 'crop' | 'squash') => ({
  name, layout: 'NHWC', dtype: 'uint8', width: 224, height: 224, resize, channels: 'RGB',
  normalize: { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
});

function buildMobilenetV2(modelsDir: string): BuiltModel {
  const tflite = readTflite(readSource(modelsDir, SOURCES.coralTflite));
  const model = convertMobilenetV2(tflite, 'classifier');
  const labels = new TextEncoder().encode(readableLabels(readSource(modelsDir, SOURCES.coralLabels).toString('utf8')).join('\n') + '\n');
  return {
    id: 'mobilenet-v2',
    files: { 'model.onnx': model, 'labels.txt': labels },
    manifest: {
      id: 'mobilenet-v2',
      version: '1.0.0',
      task: 'classify',
      description: 'MobileNetV2 1.0 224 ImageNet-1k, uint8 QAT (Coral), converted to ONNX with QLinearConv (stays uint8)',
      licence: 'Apache-2.0',
      source: {
        upstream: `${CORAL_UPSTREAM} mobilenet_v2_1.0_224_quant.tflite`,
        sha256: SOURCES.coralTflite.sha256,
        licenceFile: '../licences/coral-test_data-Apache-2.0.txt',
        files: [sourceEntry('mobilenet-v2', SOURCES.coralTflite), sourceEntry('mobilenet-v2', SOURCES.coralLabels)],
      },
      files: { model: fileEntry('model.onnx', model), labels: fileEntry('labels.txt', labels) },
      input: UINT8_RGB_224('input', 'crop'),
      output: { name: 'probabilities', kind: 'probabilities', ignore: [0] },
      labels: 'labels.txt',
    },
  };
}

function buildMobilenetV2Features(modelsDir: string): BuiltModel {
  const tflite = readTflite(readSource(modelsDir, SOURCES.coralTflite));
  const model = convertMobilenetV2(tflite, 'features');
  return {
    id: 'mobilenet-v2-features',
    files: { 'model.onnx': model },
    manifest: {
      id: 'mobilenet-v2-features',
      version: '1.0.0',
      task: 'embed',
      description: 'MobileNetV2 1.0 224 (Coral uint8 QAT) cut at the global-average-pooled features: float32 [1,1280], not normalised',
      licence: 'Apache-2.0',
      source: {
        upstream: `${CORAL_UPSTREAM} mobilenet_v2_1.0_224_quant.tflite`,
        sha256: SOURCES.coralTflite.sha256,
        licenceFile: '../licences/coral-test_data-Apache-2.0.txt',
        files: [sourceEntry('mobilenet-v2-features', SOURCES.coralTflite)],
      },
      files: { model: fileEntry('model.onnx', model) },
      input: UINT8_RGB_224('input', 'crop'),
      output: { name: 'embedding', kind: 'embedding' },
    },
  };
}

export function nsfwClassNames(source: string): string[] {
  // nsfw_classes.js: export var NSFW_CLASSES = { 0: 'Drawing', 1: 'Hentai', ... };
  const names: string[] = [];
  for (const m of source.matchAll(/(\d+):\s*'([^']+)'/g)) names[Number(m[1])] = m[2];
  if (names.length === 0 || names.some((n) => !n)) throw new Error('could not read NSFW_CLASSES');
  return names;
}

function buildNsfwMobilenetV2(modelsDir: string): BuiltModel {
  const tfjs = readTfjsLayersModel(
    readSource(modelsDir, SOURCES.nsfwModel).toString('utf8'),
    [readSource(modelsDir, SOURCES.nsfwShard).toString('utf8')],
  );
  const model = convertNsfwMobilenetV2(tfjs);
  const classes = nsfwClassNames(readSource(modelsDir, SOURCES.nsfwClasses).toString('utf8'));
  readSource(modelsDir, SOURCES.nsfwLicence);
  return {
    id: 'nsfw-mobilenet-v2',
    files: { 'model.onnx': model },
    manifest: {
      id: 'nsfw-mobilenet-v2',
      version: '1.0.0',
      task: 'moderate',
      description: 'nsfwjs 4.3.0 MobileNetV2 (Keras, tfjs uint8-quantised weights) converted to ONNX: uint8 kernels behind DequantizeLinear, float32 activations',
      licence: 'MIT',
      source: {
        upstream: `${NSFWJS_UPSTREAM} dist/models/mobilenet_v2`,
        sha256: SOURCES.nsfwShard.sha256,
        licenceFile: 'source/LICENSE',
        files: [SOURCES.nsfwModel, SOURCES.nsfwShard, SOURCES.nsfwClasses, SOURCES.nsfwLicence].map((s) => sourceEntry('nsfw-mobilenet-v2', s)),
      },
      files: { model: fileEntry('model.onnx', model) },
      // nsfwjs stretches the whole image to 224x224 (tf.image.resizeBilinear), no crop;
      // the model divides by 255 itself, so it takes raw uint8 pixels like the others.
      input: UINT8_RGB_224('input', 'squash'),
      output: { name: 'probabilities', kind: 'probabilities' },
      labels: classes,
    },
  };
}

export const BUILDERS: Record<string, (modelsDir: string) => BuiltModel> = {
  'mobilenet-v2': buildMobilenetV2,
  'mobilenet-v2-features': buildMobilenetV2Features,
  'nsfw-mobilenet-v2': buildNsfwMobilenetV2,
};

// Writes the built files (not the manifest) into outDir/<id>/.
export function writeBuilt(built: BuiltModel, outDir: string): string {
  const dir = join(outDir, built.id);
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(built.files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

function importSources(from: 'coral' | 'nsfwjs', dir: string): void {
  for (const src of Object.values(SOURCES) as SourceFile[]) {
    if (src.importFrom !== from) continue;
    const path = join(dir, src.importPath);
    const got = sha256(readFileSync(path));
    if (got !== src.sha256) throw new Error(`${path}: sha256 ${got}, expected ${src.sha256}`);
    mkdirSync(dirname(join(MODELS_DIR, src.path)), { recursive: true });
    copyFileSync(path, join(MODELS_DIR, src.path));
    chmodSync(join(MODELS_DIR, src.path), 0o644); // the originals may be read-only
    console.log(`imported ${src.path}`);
  }
}

function measureInChild(modelPath: string): Record<string, unknown> {
  const script = join(MODELS_DIR, 'tools', 'measure.ts');
  const out = execFileSync(process.execPath, ['--experimental-strip-types', '--no-warnings', script, modelPath], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const coral = opt('--import-coral');
  const nsfwjs = opt('--import-nsfwjs');
  if (coral) importSources('coral', resolve(coral));
  if (nsfwjs) importSources('nsfwjs', resolve(nsfwjs));
  const only = opt('--only');
  // Open-vocabulary tag embeddings (models/open-vocabulary/models.json) of every image-text
  // model whose text tower is present: MobileCLIP after `npm run models:pull`, the test graphs.
  const tagModels = Object.keys(readOverlay());
  if (only && !BUILDERS[only] && tagModels.includes(only)) return writeTags([only]);
  if (!only) await writeTags();
  const ids = only ? [only] : Object.keys(BUILDERS);
  for (const id of ids) {
    const builder = BUILDERS[id];
    if (!builder) throw new Error(`unknown model ${id}`);
    const t0 = performance.now();
    const built = builder(MODELS_DIR);
    const dir = writeBuilt(built, MODELS_DIR);
    const manifestPath = join(dir, 'manifest.json');
    let measured: Record<string, unknown> | undefined;
    if (args.includes('--skip-measure')) {
      measured = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')).measured : undefined;
    } else {
      measured = measureInChild(join(dir, 'model.onnx'));
    }
    const manifest = { ...built.manifest, ...(measured ? { measured } : {}) };
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    const size = (built.files['model.onnx'].length / 1e6).toFixed(2);
    console.log(`${id}: model.onnx ${size} MB in ${(performance.now() - t0).toFixed(0)} ms${measured ? ` ${JSON.stringify(measured)}` : ''}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
