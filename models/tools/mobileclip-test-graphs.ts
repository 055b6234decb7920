// Writes models/mobileclip-test/: two tiny ONNX graphs with exactly MobileCLIP-S0's
// inputs and outputs (names, shapes, dtypes), and their manifest. They let the whole
// text/zero-shot pipeline run in tests without the real weights, which cannot be
// downloaded here. The weights are generated, not trained: the model means nothing,
// except that it is built to tell colours apart (see below), so tests can predict it.
//
//   node --experimental-strip-types --no-warnings models/tools/mobileclip-test-graphs.ts
//
// Deterministic: integer PRNG, fixed node order, raw little-endian tensors, so a rebuild
// gives the same bytes and the test compares sha256 with the committed manifest.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from './mulberry32.ts';
import { DType, GraphBuilder } from './onnx.ts';
import { TOWER_WORKER } from './pull/pull-model.ts';

export const TEST_MODEL_ID = 'mobileclip-test';
export const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** MobileCLIP-S0's I/O (models/pull-sources.json io): what the API code is written against. */
export const IO = {
  image: { input: 'pixel_values', size: 256, output: 'image_embeds' },
  text: { input: 'input_ids', contextLength: 77, output: 'text_embeds' },
  dims: 512,
} as const;

/** Width of the token embedding table (small on purpose; the real model's is 512). */
const TOKEN_DIMS = 8;
/**
 * Token ids are folded with Mod before the Gather so the table has 4,096 rows
 * (128 KiB) rather than CLIP's 49,408 (1.5 MiB). The ids the tests use (colour
 * words, the template, start/end) stay distinct after folding; see COLOUR_TOKENS.
 */
const TABLE_ROWS = 4096;
/**
 * CLIP BPE ids of "red", "green", "blue" (each one token, checked by the test
 * with the real tokenizer). Their table rows point along dims 0, 1, 2, which the
 * text projection maps onto the same directions the image tower uses for the
 * mean red, green and blue: so "a photo of red." is close to a red image.
 */
export const COLOUR_TOKENS = { red: 736, green: 1901, blue: 1746 } as const;


function randomValues(count: number, seed: number, scale = 1): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(count);
  // Values in [-1, 1) times scale.
  for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * scale;
  return out;
}

/**
 * [3, 512]: one random direction per colour channel. Random 512-d directions are
 * nearly orthogonal (cosine ~ +-0.05), so red, green and blue are told apart.
 */
function colourDirections(): Float32Array {
  return randomValues(3 * IO.dims, 1);
}

/**
 * Vision: pixel_values [b,3,256,256] float32 in [0,1] ->
 *   mean colour:   GlobalAveragePool -> Flatten -> [b,3] -> MatMul A [3,512]
 *   + chroma:      Relu(x - mean over channels) -> GlobalAveragePool -> Flatten -> MatMul 2A
 * The second path separates a saturated colour from grey or white (a white image
 * has no chroma and lands between the three colours), and exercises more kernels.
 */
export function buildVision(): Uint8Array {
  const g = new GraphBuilder('mobileclip-test-vision');
  const x = g.input(IO.image.input, DType.FLOAT, ['batch', 3, IO.image.size, IO.image.size]);
  const a = colourDirections();
  const A = g.f32('colour_directions', [3, IO.dims], a);
  const A2 = g.f32('chroma_directions', [3, IO.dims], a.map((v) => v * 2));

  const meanColour = g.one('Flatten', [g.one('GlobalAveragePool', [x])], { axis: 1 });
  const fromColour = g.one('MatMul', [meanColour, A]);

  const grey = g.one('ReduceMean', [x], { axes: [1], keepdims: 1 });
  const chroma = g.one('Relu', [g.one('Sub', [x, grey])]);
  const meanChroma = g.one('Flatten', [g.one('GlobalAveragePool', [chroma])], { axis: 1 });
  const fromChroma = g.one('MatMul', [meanChroma, A2]);

  g.node('Add', [fromColour, fromChroma], [IO.image.output]);
  g.output(IO.image.output, DType.FLOAT, ['batch', IO.dims]);
  return g.toBytes('mobileclip-test vision tower: generated test graph with random weights, not a real model');
}

/**
 * Text: input_ids [b,77] int64 -> Mod 4096 -> Gather table [4096,8] -> ReduceMean over
 * the sequence -> MatMul W [8,512] -> text_embeds [b,512].
 * Row 0 (the pad id) is zero so padding only scales the mean. Colour-word rows are
 * large unit vectors on dims 0..2 (x77, so they survive the mean over 77 positions);
 * every other row is small noise, so other texts get distinct, stable embeddings.
 * W's first three rows are the image tower's colour directions, the rest random.
 */
export function buildText(): Uint8Array {
  const g = new GraphBuilder('mobileclip-test-text');
  const ids = g.input(IO.text.input, DType.INT64, ['batch', IO.text.contextLength]);
  const table = randomValues(TABLE_ROWS * TOKEN_DIMS, 2, 0.5);
  table.fill(0, 0, TOKEN_DIMS);
  Object.values(COLOUR_TOKENS).forEach((token, dim) => {
    table.fill(0, token * TOKEN_DIMS, (token + 1) * TOKEN_DIMS);
    table[token * TOKEN_DIMS + dim] = IO.text.contextLength;
  });
  const projection = new Float32Array(TOKEN_DIMS * IO.dims);
  projection.set(colourDirections());
  projection.set(randomValues((TOKEN_DIMS - 3) * IO.dims, 3), 3 * IO.dims);

  const folded = g.one('Mod', [ids, g.i64('table_rows', [], [TABLE_ROWS])]);
  const vectors = g.one('Gather', [g.f32('token_table', [TABLE_ROWS, TOKEN_DIMS], table), folded], { axis: 0 });
  const pooled = g.one('ReduceMean', [vectors], { axes: [1], keepdims: 0 });
  g.node('MatMul', [pooled, g.f32('text_projection', [TOKEN_DIMS, IO.dims], projection)], [IO.text.output]);
  g.output(IO.text.output, DType.FLOAT, ['batch', IO.dims]);
  return g.toBytes('mobileclip-test text tower: generated test graph with random weights, not a real model');
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface BuiltTestModel {
  files: Record<string, Uint8Array>;
  manifest: Record<string, unknown>;
}

/** The files and manifest of models/mobileclip-test/, in the layout `npm run models:pull` gives MobileCLIP. */
export function buildTestModel(): BuiltTestModel {
  const image = buildVision();
  const text = buildText();
  const manifest = {
    id: TEST_MODEL_ID,
    version: '1',
    task: 'embed',
    description:
      'Generated test graph with random weights, NOT a real model: MobileCLIP-S0 inputs and outputs ' +
      '(pixel_values [b,3,256,256] -> image_embeds [b,512]; input_ids int64 [b,77] -> text_embeds [b,512]) ' +
      'built by models/tools/mobileclip-test-graphs.ts so tests can run the text and zero-shot pipeline; it only tells colours apart.',
    licence: 'MIT (generated by this repository; no upstream weights)',
    source: { upstream: 'models/tools/mobileclip-test-graphs.ts' },
    files: {
      // In the model hosts, and the text tower in R2, like the real MobileCLIP's, so the tests exercise those paths.
      model: { path: 'image_model.onnx', bytes: image.byteLength, sha256: sha256(image), worker: TOWER_WORKER.image },
      text: { path: 'text_model.onnx', bytes: text.byteLength, sha256: sha256(text), store: 'r2', worker: TOWER_WORKER.text },
    },
    input: {
      name: IO.image.input,
      layout: 'NCHW',
      dtype: 'float32',
      width: IO.image.size,
      height: IO.image.size,
      resize: 'crop',
      channels: 'RGB',
      normalize: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] },
    },
    output: { name: IO.image.output, kind: 'embedding', dims: IO.dims },
    text: {
      tokenizer: 'clip-bpe',
      input: IO.text.input,
      dtype: 'int64',
      contextLength: IO.text.contextLength,
      padTokenId: 0,
      output: IO.text.output,
      dims: IO.dims,
      logitScale: 100,
      // A matching colour scores cosine ~0.9 in this graph, any other ~0: 0.5 splits them.
      multiLabelBias: 0.5,
      // Smaller than the real model's 4, so the tests run a request's texts in several runs.
      maxBatch: 3,
    },
  };
  return { files: { 'image_model.onnx': image, 'text_model.onnx': text }, manifest };
}

export function writeTestModel(modelsDir = MODELS_DIR): string {
  const built = buildTestModel();
  const dir = join(modelsDir, TEST_MODEL_ID);
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(built.files)) writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(built.manifest, null, 2)}\n`);
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = writeTestModel();
  console.log(`wrote ${dir}`);
}
