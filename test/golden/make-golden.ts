// Reference outputs for the model tests: the same decoded pixels and the same
// preprocessing as the Worker, run by native onnxruntime-node instead of
// onnxruntime-web in workerd. The workerd tests compare against these files.
//   node --experimental-strip-types test/golden/make-golden.ts        (writes test/golden/*.json)
//   node --experimental-strip-types test/golden/make-golden.ts --check (fails if they changed)
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { decodeTargetFor, toModelInput } from '../../shared/image/preprocess.ts';
import { decodeDetections } from '../../shared/tasks/detect.ts';
import { decodeOutput } from '../../shared/inference/decode-output.ts';
import { rankLabels, round } from '../../shared/tasks/rank-labels.ts';
import { ModelManifest } from '../../shared/models/manifest.ts';
import { decodeFile, repoPath as path } from './node-decode.ts';

interface GoldenCase {
  photo: string;
  output: unknown;
}

const DETECT_PHOTOS = [
  'test/fixtures/photos/dog-bicycle-truck.jpg',
  'test/fixtures/photos/person-dog-horse.jpg',
  'test/fixtures/photos/giraffe-zebra.jpg',
  'test/fixtures/photos/horses-herd.jpg',
  // 2056x3088: decoded at 1/4, boxes mapped back to the original pixels.
  'test/fixtures/photos/dogs-two-spaniels.jpg',
];

async function detectGolden(modelId: string): Promise<GoldenCase[]> {
  const manifest = ModelManifest.parse(JSON.parse(readFileSync(path(`models/${modelId}/manifest.json`), 'utf8')));
  const labels = readFileSync(path(`models/${modelId}/labels.txt`), 'utf8').trimEnd().split('\n');
  const session = await ort.InferenceSession.create(path(`models/${modelId}/model.onnx`));
  const cases: GoldenCase[] = [];
  for (const photo of DETECT_PHOTOS) {
    const { pixels, info } = await decodeFile(photo, (i) => decodeTargetFor(manifest.input, i.width, i.height));
    const input = toModelInput(pixels, manifest.input);
    const result = await session.run({ [manifest.input.name]: new ort.Tensor(manifest.input.dtype, input.data, input.dims) });
    const out = result[manifest.output.name]!;
    const objects = decodeDetections({
      decoder: manifest.output.decoder!,
      values: out.data as Float32Array,
      dims: out.dims,
      inputWidth: manifest.input.width,
      inputHeight: manifest.input.height,
      placement: input.placement,
      decodedWidth: pixels.width,
      decodedHeight: pixels.height,
      imageWidth: info.width,
      imageHeight: info.height,
      labels,
      threshold: 0.35,
      max: 100,
    });
    cases.push({ photo, output: { objects } });
  }
  return cases;
}

const CLASSIFY_PHOTOS = [
  'test/fixtures/photos/cat-chelsea.jpg',
  'test/fixtures/photos/dogs-two-spaniels.jpg',
  'test/fixtures/photos/coffee-cup-saucer.png',
  'test/fixtures/photos/giraffe-zebra.jpg',
  'test/fixtures/photos/rocket-launch-falcon9.jpg',
];

/** Runs a model the way shared/inference/run-model.ts does and returns its decoded output. */
async function runReference(modelId: string, photo: string) {
  const manifest = ModelManifest.parse(JSON.parse(readFileSync(path(`models/${modelId}/manifest.json`), 'utf8')));
  sessions[modelId] ??= await ort.InferenceSession.create(path(`models/${modelId}/model.onnx`));
  const { pixels } = await decodeFile(photo, (i) => decodeTargetFor(manifest.input, i.width, i.height));
  const input = toModelInput(pixels, manifest.input);
  const result = await sessions[modelId]!.run({ [manifest.input.name]: new ort.Tensor(manifest.input.dtype, input.data, input.dims) });
  return { manifest, values: decodeOutput(result[manifest.output.name]!.data as Float32Array, manifest.output.kind) };
}
const sessions: Record<string, ort.InferenceSession> = {};

async function classifyGolden(modelId: string): Promise<GoldenCase[]> {
  const labels = readFileSync(path(`models/${modelId}/labels.txt`), 'utf8').trimEnd().split('\n');
  const cases: GoldenCase[] = [];
  for (const photo of CLASSIFY_PHOTOS) {
    const { manifest, values } = await runReference(modelId, photo);
    cases.push({ photo, output: { labels: rankLabels(values, labels, 5, manifest.output.ignore) } });
  }
  return cases;
}

async function embedGolden(modelId: string): Promise<GoldenCase[]> {
  const cases: GoldenCase[] = [];
  for (const photo of CLASSIFY_PHOTOS) {
    const { values } = await runReference(modelId, photo);
    cases.push({ photo, output: { dim: values.length, embedding: Array.from(values, round) } });
  }
  return cases;
}

async function moderateGolden(modelId: string): Promise<GoldenCase[]> {
  const cases: GoldenCase[] = [];
  for (const photo of CLASSIFY_PHOTOS) {
    const { manifest, values } = await runReference(modelId, photo);
    const labels = manifest.labels as string[];
    cases.push({ photo, output: { categories: Object.fromEntries(labels.map((label, i) => [label.toLowerCase(), round(values[i]!)])) } });
  }
  return cases;
}

const GOLDEN: Record<string, () => Promise<GoldenCase[]>> = {
  'yolox-nano': () => detectGolden('yolox-nano'),
  'mobilenet-v2': () => classifyGolden('mobilenet-v2'),
  'mobilenet-v2-features': () => embedGolden('mobilenet-v2-features'),
  'nsfw-mobilenet-v2': () => moderateGolden('nsfw-mobilenet-v2'),
};

const check = process.argv.includes('--check');
let changed = false;
for (const [modelId, make] of Object.entries(GOLDEN)) {
  const file = path(`test/golden/${modelId}.json`);
  const text = `${JSON.stringify({ model: modelId, runtime: `onnxruntime-node ${ort.env.versions.common}`, cases: await make() }, null, 1)}\n`;
  if (check) {
    const current = readFileSync(file, 'utf8');
    if (current !== text) {
      console.error(`${file} differs from a fresh reference run`);
      changed = true;
    }
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
if (changed) process.exit(1);
