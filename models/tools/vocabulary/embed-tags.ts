// Computes a model's open-vocabulary tag embeddings once, with its own text tower:
// every tag of models/open-vocabulary/tags.json put into each prompt template,
// encoded, L2-normalised, averaged over the templates and normalised again (CLIP's
// prompt ensembling). Writes models/<id>/tag_embeddings.f32 (float32 little-endian,
// [tags, dims]) and records its size and sha256 in models/open-vocabulary/models.json,
// which models/registry-manifests.ts merges into the model's manifest.
//
// Runs as part of `npm run models:build` for every model listed in models.json whose
// text tower is present (MobileCLIP after `npm run models:pull -- mobileclip-s0`), or
//   node --experimental-strip-types --no-warnings models/tools/vocabulary/embed-tags.ts [ID...]
//
// onnxruntime-web's WASM backend runs the text tower here, as in the Worker: wasm float
// arithmetic is the same on every machine, so a rebuild gives the same bytes.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelManifest, TagsSpec, type TextSpec } from '../../../shared/models/manifest.ts';
import { ClipTokenizer } from '../../../shared/text/clip-tokenizer.ts';
import { createSession, loadOrtWeb } from '../ort-web.ts';

export const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OVERLAY = join(MODELS_DIR, 'open-vocabulary', 'models.json');
export const VOCABULARY_PATH = 'open-vocabulary/tags.json';
export const EMBEDDINGS_FILE = 'tag_embeddings.f32';
const BATCH = 64;

export interface FileRecord {
  path: string;
  bytes: number;
  sha256: string;
  store?: 'assets' | 'r2';
}

/** models/open-vocabulary/models.json: per model id, its `tags` section and the files it adds. */
export type Overlay = Record<string, { tags: TagsSpec; files: Record<string, FileRecord> }>;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function readOverlay(path = OVERLAY): Overlay {
  const overlay = JSON.parse(readFileSync(path, 'utf8')) as Overlay;
  for (const [id, entry] of Object.entries(overlay)) {
    const parsed = TagsSpec.safeParse(entry.tags);
    if (!parsed.success) throw new Error(`${path}: ${id}.tags is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return overlay;
}

export const writeOverlay = (overlay: Overlay, path = OVERLAY) => writeFileSync(path, `${JSON.stringify(overlay, null, 2)}\n`);

/** The vocabulary's tag names in row order, and its record for the manifest. */
export function readVocabulary(modelsDir = MODELS_DIR): { names: string[]; record: TagsSpec['vocabulary'] } {
  const bytes = readFileSync(join(modelsDir, VOCABULARY_PATH));
  const names = (JSON.parse(bytes.toString('utf8')) as { tags: Array<{ tag: string }> }).tags.map((t) => t.tag);
  return { names, record: { path: VOCABULARY_PATH, bytes: bytes.length, sha256: sha256(bytes), count: names.length } };
}

function l2(values: Float32Array | Float64Array): Float64Array {
  let sum = 0;
  for (const v of values) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  return Float64Array.from(values, (v) => v / norm);
}

/** int64 [texts, contextLength]: start, tokens, end, then the pad id (as shared/text/text-model.ts feeds the Worker's encoder). */
function tokenIds(tokenizer: ClipTokenizer, spec: TextSpec, texts: readonly string[]): BigInt64Array {
  const { ids, lengths } = tokenizer.tokenize(texts, spec.contextLength);
  const out = new BigInt64Array(ids.length);
  lengths.forEach((length, row) => {
    for (let i = 0; i < spec.contextLength; i++) out[row * spec.contextLength + i] = BigInt(i < length ? ids[row * spec.contextLength + i]! : spec.padTokenId);
  });
  return out;
}

/**
 * [names.length * dims] float32: per tag, the normalised mean of its templates' normalised
 * text embeddings. `progress` is called after each batch.
 */
export async function embedTags(
  textModel: Uint8Array,
  spec: TextSpec,
  tokenizer: ClipTokenizer,
  names: readonly string[],
  templates: readonly string[],
  progress?: (done: number, total: number) => void,
): Promise<Float32Array> {
  const ort = await loadOrtWeb();
  const session = await createSession(textModel);
  const texts = names.flatMap((name) => templates.map((t) => t.split('{}').join(name)));
  const out = new Float32Array(names.length * spec.dims);
  const sums = new Float64Array(names.length * spec.dims);
  for (let start = 0; start < texts.length; start += BATCH) {
    const batch = texts.slice(start, start + BATCH);
    const input = new ort.Tensor('int64', tokenIds(tokenizer, spec, batch), [batch.length, spec.contextLength]);
    const data = (await session.run({ [spec.input]: input }))[spec.output]?.data;
    if (!(data instanceof Float32Array) || data.length !== batch.length * spec.dims) {
      throw new Error(`text tower output ${spec.output} is not float32 [${batch.length}, ${spec.dims}]`);
    }
    batch.forEach((_, b) => {
      const row = l2(data.subarray(b * spec.dims, (b + 1) * spec.dims));
      const tag = Math.floor((start + b) / templates.length);
      for (let k = 0; k < spec.dims; k++) sums[tag * spec.dims + k] += row[k]!;
    });
    progress?.(Math.min(start + BATCH, texts.length), texts.length);
  }
  await session.release();
  for (let t = 0; t < names.length; t++) out.set(l2(sums.subarray(t * spec.dims, (t + 1) * spec.dims)), t * spec.dims);
  return out;
}

/** float32 little-endian bytes, whatever the platform's byte order. */
export function toLittleEndian(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

export interface BuiltTags {
  bytes: Uint8Array;
  record: FileRecord;
  vocabulary: TagsSpec['vocabulary'];
}

/** Computes one model's tag embeddings from its files under modelsDir (nothing written). */
export async function buildTags(id: string, overlay: Overlay, modelsDir = MODELS_DIR, progress?: (done: number, total: number) => void): Promise<BuiltTags> {
  const entry = overlay[id];
  if (!entry) throw new Error(`${id} has no entry in ${OVERLAY}`);
  const manifest = ModelManifest.parse(JSON.parse(readFileSync(join(modelsDir, id, 'manifest.json'), 'utf8')));
  if (!manifest.text || !manifest.files.text) throw new Error(`${id} has no text tower`);
  const textPath = join(modelsDir, id, manifest.files.text.path);
  if (!existsSync(textPath)) throw new Error(`${textPath} is missing: ${manifest.install ?? 'install the model first'}`);
  const textModel = readFileSync(textPath);
  if (sha256(textModel) !== manifest.files.text.sha256) throw new Error(`${textPath} does not match its manifest (sha256)`);
  const tokenizer = ClipTokenizer.fromMerges(readFileSync(join(modelsDir, 'clip-tokenizer', 'merges.txt'), 'utf8'));
  const { names, record: vocabulary } = readVocabulary(modelsDir);
  const values = await embedTags(textModel, manifest.text, tokenizer, names, entry.tags.templates, progress);
  const bytes = toLittleEndian(values);
  return { bytes, vocabulary, record: { path: EMBEDDINGS_FILE, bytes: bytes.length, sha256: sha256(bytes) } };
}

/** Whether the model's text tower is on disk (pulled models may not be), and how to install it. */
export function textTower(id: string, modelsDir = MODELS_DIR): { present: boolean; install: string } {
  const manifestPath = join(modelsDir, id, 'manifest.json');
  if (!existsSync(manifestPath)) return { present: false, install: `add models/${id}/manifest.json` };
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { install?: string; files?: { text?: { path: string } } };
  const present = manifest.files?.text !== undefined && existsSync(join(modelsDir, id, manifest.files.text.path));
  return { present, install: manifest.install ?? 'install its weights' };
}

/**
 * Builds and writes the tag embeddings of the listed models (default: every model in
 * models.json whose text tower is present) and records them in models.json.
 */
export async function writeTags(ids?: readonly string[], modelsDir = MODELS_DIR, log: (line: string) => void = console.log): Promise<void> {
  const overlay = readOverlay(join(modelsDir, 'open-vocabulary', 'models.json'));
  for (const id of ids ?? Object.keys(overlay)) {
    const tower = textTower(id, modelsDir);
    if (!tower.present) {
      if (ids) throw new Error(`${id}: its text tower is not installed (${tower.install})`);
      log(`${id}: tags skipped, the text tower is not installed (${tower.install})`);
      continue;
    }
    const t0 = performance.now();
    let last = 0;
    const built = await buildTags(id, overlay, modelsDir, (done, total) => {
      if (process.stderr.isTTY && performance.now() - last > 500) {
        last = performance.now();
        process.stderr.write(`\r${id}: ${done}/${total} prompts`);
      }
    });
    writeFileSync(join(modelsDir, id, EMBEDDINGS_FILE), built.bytes);
    overlay[id] = { tags: { ...overlay[id]!.tags, vocabulary: built.vocabulary, embeddings: 'tags' }, files: { ...overlay[id]!.files, tags: built.record } };
    writeOverlay(overlay, join(modelsDir, 'open-vocabulary', 'models.json'));
    log(`${process.stderr.isTTY ? '\n' : ''}${id}: ${built.vocabulary.count} tag embeddings in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${EMBEDDINGS_FILE} sha256 ${built.record.sha256}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ids = process.argv.slice(2);
  await writeTags(ids.length > 0 ? ids : undefined);
}
