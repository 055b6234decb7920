import { z } from 'zod';
import { CtcDecoder, DbDecoder } from '../tasks/ocr/manifest.ts';

/**
 * A model is data: everything task code needs to feed it and read it is in
 * its manifest.json beside the weights. Validated when the registry is
 * built and again when a model loads; unknown fields are errors, so a typo
 * in a manifest cannot silently fall back to a default.
 */
const FileEntry = z.strictObject({
  path: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * Where the Worker reads the file: static assets (MODEL_FILES, the default) or,
   * for files over the 25 MiB static-asset limit, the R2 bucket MODEL_BUCKET at
   * key `<id>/<path>`.
   */
  store: z.enum(['assets', 'r2']).optional(),
  /**
   * The service binding of the Worker that runs this graph's session
   * (functions/model-host), for graphs whose wasm memory does not fit beside
   * the API's other models in one 128 MB isolate. Absent: it runs in the
   * Worker that asks. Task code is the same either way.
   */
  worker: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
});

export const InputSpec = z.strictObject({
  name: z.string(),
  layout: z.enum(['NCHW', 'NHWC']),
  dtype: z.enum(['float32', 'uint8']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** crop: scale the shortest edge to fit, then centre-crop; squash: stretch; letterbox: fit inside and pad. */
  resize: z.enum(['crop', 'squash', 'letterbox', 'limit-side', 'fit-height']),
  /** limit-side (OCR detection): each side rounded to this multiple. */
  multiple: z.number().int().positive().optional(),
  /** fit-height (OCR recognition): crops widen up to this many columns. */
  maxWidth: z.number().int().positive().optional(),
  channels: z.enum(['RGB', 'BGR']),
  /**
   * Most images per session run in /v1/batch, for a graph with a symbolic batch
   * dimension whose activations would not fit its isolate several at a time
   * (absent: the batch route's own limit).
   */
  maxBatch: z.number().int().positive().optional(),
  /** value = (pixel * scale - mean[c]) / std[c], pixel in 0..255, in `channels` order. */
  normalize: z.strictObject({
    scale: z.number(),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number(), z.number(), z.number()]),
  }),
  /** Letterbox padding value (0..255), before normalisation. */
  pad: z.number().min(0).max(255).optional(),
});

const SsdAnchorOptions = z.strictObject({
  inputWidth: z.number().int().positive(),
  inputHeight: z.number().int().positive(),
  minScale: z.number().positive(),
  maxScale: z.number().positive(),
  offsetX: z.number(),
  offsetY: z.number(),
  strides: z.array(z.number().int().positive()).min(1),
  aspectRatios: z.array(z.number().positive()).min(1),
  interpolatedScaleAspectRatio: z.number(),
  reduceBoxesInLowestLayer: z.boolean(),
  fixedAnchorSize: z.boolean(),
});

/** How a detector's raw output becomes boxes: one decoder per output format, chosen here, not in task code. */
export const DetectionDecoder = z.discriminatedUnion('type', [
  z.strictObject({
    /** YOLOX: [1, anchors, 5 + classes] over stride grids; objectness and class scores already sigmoided. */
    type: z.literal('yolox-grid'),
    strides: z.array(z.number().int().positive()),
  }),
  z.strictObject({
    /** BlazeFace (MediaPipe SSD): SsdAnchorsCalculator anchors, sigmoid scores, weighted NMS, keypoints (shared/tasks/faces). */
    type: z.literal('blazeface-anchors'),
    anchors: SsdAnchorOptions,
    /** Output tensors in anchor order, concatenated: scores [1, n, 1] and regressors [1, n, numCoords]. */
    outputs: z.array(z.strictObject({ scores: z.string(), boxes: z.string() })).min(1),
    numCoords: z.number().int().positive(),
    boxCoordOffset: z.number().int().nonnegative(),
    keypointCoordOffset: z.number().int().nonnegative(),
    reverseOutputOrder: z.boolean(),
    xScale: z.number().positive(),
    yScale: z.number().positive(),
    wScale: z.number().positive(),
    hScale: z.number().positive(),
    scoreClippingThreshold: z.number().positive(),
    /** Default score threshold of the model. */
    minScore: z.number().min(0).max(1),
    /** Weighted NMS merges detections whose IoU is over this. */
    minSuppressionThreshold: z.number().min(0).max(1),
    /** Keypoint names in output order. */
    keypoints: z.array(z.string()),
  }),
  DbDecoder,
  CtcDecoder,
]);

export const OutputSpec = z.strictObject({
  name: z.string(),
  /** probabilities: already softmaxed; logits: softmax applied; embedding: L2-normalised; detections: see decoder. */
  kind: z.enum(['probabilities', 'logits', 'embedding', 'detections']),
  decoder: DetectionDecoder.optional(),
  /** Embedding dimension, for embedding outputs. */
  dims: z.number().int().positive().optional(),
  /** Label indices never returned (e.g. ImageNet's background class). */
  ignore: z.array(z.number().int().nonnegative()).optional(),
});

/**
 * The text tower of a CLIP-style model (files.text): what /v1/embed/text and
 * /v1/zero-shot need to tokenise, run it and compare with the image tower.
 */
export const TextSpec = z.strictObject({
  /** CLIP's byte-level BPE (models/clip-tokenizer), lower-cased, start/end tokens. */
  tokenizer: z.literal('clip-bpe'),
  input: z.string(),
  dtype: z.literal('int64'),
  contextLength: z.number().int().min(2),
  padTokenId: z.number().int().nonnegative(),
  output: z.string(),
  dims: z.number().int().positive(),
  /** Zero-shot softmax: logits = logitScale * cosine (CLIP's learned temperature, 100 once trained). */
  logitScale: z.number().positive(),
  /** Multi-label: sigmoid(logitScale * (cosine - multiLabelBias)), the cosine at which a label scores 0.5. */
  multiLabelBias: z.number().min(-1).max(1),
  /** Most texts per encoder run: activations grow with the batch, inside one isolate's 128 MB. */
  maxBatch: z.number().int().positive(),
});

/**
 * Open-vocabulary tagging (/v1/classify with an image-text model, no labels given):
 * the image embedding against the text embeddings of a fixed tag vocabulary,
 * computed once by `npm run models:build` from the model's text tower. A model
 * with this section serves `classify` besides its own task.
 */
export const TagsSpec = z.strictObject({
  /** The tag list (models/open-vocabulary/tags.json, static assets at this path); embedding rows follow its order. */
  vocabulary: z.strictObject({
    path: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/),
    bytes: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    count: z.number().int().positive(),
  }),
  /** The files entry holding float32 little-endian [count, dims] L2-normalised tag embeddings (absent until built). */
  embeddings: z.string(),
  /** Prompt templates ({} = the tag); each tag's embedding is the normalised mean over them. */
  templates: z.array(z.string().regex(/\{\}/)).min(1),
  /** score = sigmoid(scale * (cosine - bias)): the same threshold means the same on every image. */
  calibration: z.strictObject({
    scale: z.number().positive(),
    bias: z.number().min(-1).max(1),
    /** How the constants were obtained (fitted on what, or provisional). */
    fitted: z.string(),
  }),
  /** Default min_score: tags scoring under it are not returned, so an answer may be empty. */
  threshold: z.number().min(0).max(1),
});

export const ModelManifest = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  version: z.string(),
  task: z.enum(['classify', 'embed', 'moderate', 'detect', 'faces', 'ocr-detect', 'ocr-recognize', 'ocr-direction']),
  description: z.string(),
  licence: z.string(),
  /** Licence text shipped beside the weights, relative to the model folder. */
  licenceFile: z.string().optional(),
  /** The command that installs the files when they are not in the repository (shown in 503 model_not_installed). */
  install: z.string().optional(),
  source: z.strictObject({ upstream: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional() }).passthrough(),
  files: z.strictObject({ model: FileEntry, labels: FileEntry.optional(), text: FileEntry.optional() }).catchall(FileEntry),
  input: InputSpec,
  output: OutputSpec,
  /** A text encoder beside the image model (files.text), for text embeddings and zero-shot. */
  text: TextSpec.optional(),
  /** Open-vocabulary tags from the text tower's embeddings of a tag vocabulary. */
  tags: TagsSpec.optional(),
  /** A labels file name, or the labels themselves in output order. */
  labels: z.union([z.string(), z.array(z.string())]).optional(),
  measured: z
    .strictObject({ wasmMemoryBytes: z.number().optional(), sessionCreateMs: z.number().optional(), inferMs: z.number().optional() })
    .passthrough()
    .optional(),
});

export type ModelManifest = z.infer<typeof ModelManifest>;
export type InputSpec = z.infer<typeof InputSpec>;
export type DetectionDecoder = z.infer<typeof DetectionDecoder>;
export type OutputSpec = z.infer<typeof OutputSpec>;
export type TextSpec = z.infer<typeof TextSpec>;
export type FileEntry = z.infer<typeof FileEntry>;
export type TagsSpec = z.infer<typeof TagsSpec>;
