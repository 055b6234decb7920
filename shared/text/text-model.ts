import type { Context } from 'hono';
import tokenizerManifest from '../../models/clip-tokenizer/manifest.json';
import { cacheKey, vectorCodec } from '../cache/result-cache.ts';
import { ApiError } from '../errors/api-error.ts';
import { sha256Hex } from '../hash/sha256.ts';
import type { AppEnv } from '../http/app-env.ts';
import { l2Normalize } from '../inference/decode-output.ts';
import { runFailure } from '../inference/run-failure.ts';
import { onnxRuntime } from '../inference/ort-wasm.ts';
import type { ModelManifest, TextSpec } from '../models/manifest.ts';
import type { ModelHandle } from '../models/model-store.ts';
import { openModel } from '../models/open-model.ts';
import { outliveRequest } from '../runtime/shared-load.ts';
import { ClipTokenizer } from './clip-tokenizer.ts';

/**
 * Text embeddings from the text tower of a CLIP-style model (manifest `text`,
 * weights `files.text`): tokenise, run, L2-normalise. Cached in KV one text at
 * a time, keyed by (model, sha256 of the text), so a batch with one new text
 * runs the encoder on that one only, and /v1/zero-shot reuses the labels'
 * embeddings across images.
 */

/** Part of the cache key: bump when tokenisation or padding changes what the encoder sees. */
export const TEXT_PREPROCESS = 't1';

/** The model's text spec, or 400: the request named a model without a text tower. */
export function textSpecOf(manifest: ModelManifest, textModelIds: readonly string[]): TextSpec {
  if (!manifest.text || !manifest.files.text) {
    throw new ApiError(400, 'invalid_request', `Model \`${manifest.id}\` has no text encoder. Models with one: ${textModelIds.join(', ') || 'none'}.`, {
      field: 'model',
    });
  }
  return manifest.text;
}

let tokenizerLoad: Promise<ClipTokenizer> | undefined;

/**
 * CLIP's tokenizer, built once per isolate from models/clip-tokenizer/merges.txt,
 * read like weights (static assets, sha256-checked) rather than bundled: 0.5 MB
 * that only text routes need stays out of the script.
 */
export function clipTokenizer(files: Fetcher): Promise<ClipTokenizer> {
  if (tokenizerLoad) return tokenizerLoad;
  const load = (async () => {
    const entry = tokenizerManifest.files.merges;
    const response = await files.fetch(`https://model-files/${tokenizerManifest.id}/${entry.path}`);
    if (!response.ok) throw new ApiError(503, 'model_failed', `The CLIP tokenizer could not be read (${response.status}).`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if ((await sha256Hex(bytes)) !== entry.sha256) {
      throw new ApiError(503, 'model_failed', `The CLIP tokenizer refused to load: ${entry.path} does not match its manifest (sha256).`);
    }
    return ClipTokenizer.fromMerges(new TextDecoder().decode(bytes));
  })();
  tokenizerLoad = load;
  outliveRequest(load);
  // A failed load is forgotten so the next request tries again.
  load.catch(() => {
    if (tokenizerLoad === load) tokenizerLoad = undefined;
  });
  return load;
}

/** int64 [texts, contextLength] ids: start, tokens, end, then the model's pad id (truncated to fit, as open_clip does). */
export function tokenIds(tokenizer: ClipTokenizer, spec: TextSpec, texts: readonly string[]): BigInt64Array {
  const { ids, lengths } = tokenizer.tokenize(texts, spec.contextLength);
  const out = new BigInt64Array(ids.length);
  lengths.forEach((length, row) => {
    const offset = row * spec.contextLength;
    for (let i = 0; i < spec.contextLength; i++) out[offset + i] = BigInt(i < length ? ids[offset + i]! : spec.padTokenId);
  });
  return out;
}

/** One batch through the text encoder: L2-normalised rows, in input order. */
export async function runTextEncoder(model: ModelHandle, spec: TextSpec, tokenizer: ClipTokenizer, texts: readonly string[]): Promise<Float32Array[]> {
  const ort = await onnxRuntime();
  const tensor = new ort.Tensor('int64', tokenIds(tokenizer, spec, texts), [texts.length, spec.contextLength]);
  let raw: Float32Array;
  try {
    const results = await model.session.run({ [spec.input]: tensor }, [spec.output]);
    const result = results[spec.output];
    if (!result || !(result.data instanceof Float32Array)) throw new Error(`output ${spec.output} is not float32`);
    if (result.data.length !== texts.length * spec.dims) throw new Error(`output ${spec.output} has ${result.data.length} values, expected ${texts.length}x${spec.dims}`);
    raw = result.data;
  } catch (error) {
    throw runFailure(`${model.manifest.id} (text encoder)`, error);
  } finally {
    tensor.dispose();
  }
  return texts.map((_, row) => l2Normalize(raw.subarray(row * spec.dims, (row + 1) * spec.dims)));
}

export interface TextEmbeddings {
  /** One L2-normalised vector per input text, in input order. */
  vectors: Float32Array[];
  /** Per input text: answered from the cache. */
  hits: boolean[];
}

/**
 * Embeds texts with the model's text tower: cached ones from KV, the others in
 * encoder runs of at most `text.maxBatch` (a text repeated in the request is computed once).
 */
export async function embedTexts(c: Context<AppEnv>, manifest: ModelManifest, spec: TextSpec, texts: readonly string[]): Promise<TextEmbeddings> {
  const timing = c.get('timing');
  const cache = c.get('cache');
  const codec = vectorCodec<Record<string, never>>();
  const model = `${manifest.id}@${manifest.version}`;
  const keys = await Promise.all(
    texts.map(async (text) => cacheKey({ sha256: await sha256Hex(text), task: 'embed-text', model, preprocess: TEXT_PREPROCESS, params: {} })),
  );
  const cached = await timing.measure('cache', () => Promise.all(keys.map((key) => cache.get(key, codec))), 'read');
  const vectors: Array<Float32Array | undefined> = cached.map((entry) => entry?.vector);
  const hits = vectors.map((v) => v !== undefined);

  // Distinct texts still to compute, each with the positions it fills.
  const missing = new Map<string, number[]>();
  texts.forEach((text, i) => {
    if (vectors[i] === undefined) missing.set(text, [...(missing.get(text) ?? []), i]);
  });
  if (missing.size > 0) {
    const [session, tokenizer] = await Promise.all([
      timing.measure('load', () => openModel(c, manifest, 'text'), 'text'),
      timing.measure('tokenizer', () => clipTokenizer(c.env.MODEL_FILES)),
    ]);
    const distinct = [...missing.keys()];
    for (let start = 0; start < distinct.length; start += spec.maxBatch) {
      const batch = distinct.slice(start, start + spec.maxBatch);
      const computed = await timing.measure('infer', () => runTextEncoder(session, spec, tokenizer, batch), `${manifest.id} text`);
      batch.forEach((text, b) => {
        const vector = computed[b]!;
        const positions = missing.get(text)!;
        for (const i of positions) vectors[i] = vector;
        cache.put(keys[positions[0]!]!, { meta: {}, vector }, codec);
      });
    }
  }
  return { vectors: vectors.map((v) => v!), hits };
}
