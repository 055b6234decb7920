// Fits a model's open-vocabulary calibration, score = sigmoid(scale * (cosine - bias)),
// from labelled images: logistic regression of "a person says this tag is in the
// picture" on the image-tag cosine, over every (image, tag) pair. The score is then
// an estimate of P(tag present | cosine), the same on every image, so a threshold of
// 0.5 means "more likely present than not".
//
//   node --experimental-strip-types --no-warnings models/tools/vocabulary/fit-calibration.ts \
//     --model mobileclip-s0 --labels labelled.jsonl [--write]
//
// labelled.jsonl: one image a line, {"embedding": [...], "tags": ["cat", "sofa"]}: the
// image's embedding from `POST /v1/embed?model=<id>` and the vocabulary tags (or
// aliases) that are in it; every other tag counts as absent, so label each image
// completely. A few hundred varied photos are enough for two parameters. --write
// stores the result in models/open-vocabulary/models.json.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMBEDDINGS_FILE, MODELS_DIR, readOverlay, writeOverlay } from './embed-tags.ts';

export interface Fit {
  scale: number;
  bias: number;
  /** Mean negative log-likelihood per pair. */
  logLoss: number;
  iterations: number;
}

/**
 * Maximum-likelihood p = sigmoid(a * x + b) by Newton's method (two parameters,
 * so the Hessian is 2x2), returned as scale = a, bias = -b / a.
 */
export function fitLogistic(x: ArrayLike<number>, y: ArrayLike<number>, maxIterations = 100): Fit {
  if (x.length !== y.length || x.length === 0) throw new Error('need as many labels as cosines, and at least one');
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i]!;
  if (positives === 0 || positives === y.length) throw new Error('need both present and absent tags');
  let a = 0;
  let b = Math.log(positives / (y.length - positives));
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    for (let i = 0; i < x.length; i++) {
      const p = 1 / (1 + Math.exp(-(a * x[i]! + b)));
      const r = p - y[i]!;
      const w = p * (1 - p);
      ga += r * x[i]!;
      gb += r;
      haa += w * x[i]! * x[i]!;
      hab += w * x[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) throw new Error('the cosines do not separate present from absent tags at all');
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-9 * (1 + Math.abs(a)) && Math.abs(db) < 1e-9 * (1 + Math.abs(b))) break;
  }
  let loss = 0;
  for (let i = 0; i < x.length; i++) {
    const z = a * x[i]! + b;
    // log(1 + e^z) - y z, computed without overflow
    loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i]! * z;
  }
  if (!(a > 0)) throw new Error(`fitted scale ${a} is not positive: higher cosines do not mean present tags in these labels`);
  return { scale: a, bias: -b / a, logLoss: loss / x.length, iterations: iterations + 1 };
}

export interface Labelled {
  embedding: number[];
  tags: string[];
}

/** Every (image, tag) cosine and whether the tag was marked present. */
export function pairs(images: readonly Labelled[], names: readonly string[], aliases: ReadonlyMap<string, number>, matrix: Float32Array, dims: number) {
  const x = new Float64Array(images.length * names.length);
  const y = new Uint8Array(images.length * names.length);
  images.forEach((image, n) => {
    if (image.embedding.length !== dims) throw new Error(`image ${n + 1}: embedding has ${image.embedding.length} values, the model ${dims}`);
    const norm = Math.hypot(...image.embedding) || 1;
    for (const tag of image.tags) {
      const row = aliases.get(tag.toLowerCase());
      if (row === undefined) throw new Error(`image ${n + 1}: "${tag}" is not a tag or alias of the vocabulary`);
      y[n * names.length + row] = 1;
    }
    for (let r = 0; r < names.length; r++) {
      let sum = 0;
      for (let k = 0; k < dims; k++) sum += matrix[r * dims + k]! * image.embedding[k]!;
      x[n * names.length + r] = sum / norm;
    }
  });
  return { x, y };
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const id = opt('--model');
  const labelsPath = opt('--labels');
  if (!id || !labelsPath) {
    console.error('usage: fit-calibration.ts --model ID --labels FILE.jsonl [--write]');
    process.exit(2);
  }
  const overlay = readOverlay();
  const entry = overlay[id];
  if (!entry?.files['tags']) throw new Error(`${id} has no built tag embeddings: run \`npm run models:build -- --only ${id}\` first`);
  const vocabulary = JSON.parse(readFileSync(join(MODELS_DIR, entry.tags.vocabulary.path), 'utf8')) as { tags: Array<{ tag: string; aliases: string[] }> };
  const names = vocabulary.tags.map((t) => t.tag);
  const aliases = new Map<string, number>();
  vocabulary.tags.forEach((t, row) => [t.tag, ...t.aliases].forEach((n) => aliases.set(n.toLowerCase(), row)));
  const bytes = readFileSync(join(MODELS_DIR, id, EMBEDDINGS_FILE));
  const matrix = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const dims = matrix.length / names.length;
  const text = readFileSync(labelsPath, 'utf8');
  const images = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Labelled);
  const { x, y } = pairs(images, names, aliases, matrix, dims);
  const fit = fitLogistic(x, y);
  console.log(`${id}: ${images.length} images, ${x.length} pairs: scale ${fit.scale.toFixed(3)}, bias ${fit.bias.toFixed(4)}, log loss ${fit.logLoss.toFixed(5)}`);
  if (args.includes('--write')) {
    const sha = createHash('sha256').update(text).digest('hex').slice(0, 12);
    entry.tags.calibration = {
      scale: Number(fit.scale.toFixed(4)),
      bias: Number(fit.bias.toFixed(5)),
      fitted: `fitted by models/tools/vocabulary/fit-calibration.ts on ${images.length} labelled images (labels sha256 ${sha}), log loss ${fit.logLoss.toFixed(5)}`,
    };
    writeOverlay(overlay);
    console.log('written to models/open-vocabulary/models.json');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
