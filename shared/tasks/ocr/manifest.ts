import { z } from 'zod';

/**
 * What the OCR pipeline reads from the three PaddleOCR manifests. The shared
 * ModelManifest schema (shared/models/manifest.ts) does not know the OCR
 * tasks, resize modes and decoders yet; these schemas are the additions it
 * needs, written so they can move there unchanged. Until then the pipeline
 * parses the manifests it is handed with these (non-strict: other fields,
 * validated by the registry, pass through untouched).
 */

/** PaddleOCR DB post-processing (DBPostProcess), with its inference defaults recorded in the manifest. */
export const DbDecoder = z.strictObject({
  /** [1, 1, H, W] text probability at the input resolution. */
  type: z.literal('db'),
  /** Pixel binarisation threshold (det_db_thresh). */
  threshold: z.number().min(0).max(1),
  /** Minimum mean probability inside a box (det_db_box_thresh). */
  boxThreshold: z.number().min(0).max(1),
  /** Boxes grow by area * unclipRatio / perimeter (det_db_unclip_ratio). */
  unclipRatio: z.number().positive(),
  /** Shortest side, in probability-map pixels, below which a box is noise. */
  minSize: z.number().nonnegative(),
  /** At most this many regions are scored (max_candidates). */
  maxCandidates: z.number().int().positive(),
  /** Box score over the fitted rectangle ("fast") or the region's own pixels ("slow", det_db_score_mode). */
  scoreMode: z.enum(['fast', 'slow']),
  /** Grow the binarised map by one pixel first (use_dilation: cv2.dilate, 2x2 kernel). */
  dilate: z.boolean(),
  /** Recogniser crops may grow up to this unclip ratio into free space (never past half the gap to another region). */
  cropUnclipRatio: z.number().positive().optional(),
});

/** Greedy CTC over [N, T, classes]: classes are labels.txt with `blank` inserted at its index and `appendLabels` after. */
export const CtcDecoder = z.strictObject({
  type: z.literal('ctc'),
  blank: z.number().int().nonnegative(),
  /** PaddleOCR's use_space_char appends [" "]. */
  appendLabels: z.array(z.string()),
});

const Normalize = z.strictObject({
  scale: z.number(),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number(), z.number(), z.number()]),
});

/**
 * resize 'limit-side': the whole image, scaled down (never up) so its longer
 * side is at most max(width, height), each side then rounded to a multiple of
 * `multiple` (PaddleOCR's DetResizeForTest, limit_type "max").
 * resize 'fit-height': scaled to `height` keeping the aspect ratio, padded on
 * the right with `pad` up to the tensor width: `width`, or with `maxWidth`
 * the widest crop of the batch up to maxWidth; crops wider than the tensor
 * are squeezed (PaddleOCR's resize_norm_img for rec and cls).
 */
const OcrInput = z.object({
  name: z.string(),
  layout: z.literal('NCHW'),
  dtype: z.literal('float32'),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  resize: z.enum(['limit-side', 'fit-height']),
  multiple: z.number().int().positive().optional(),
  maxWidth: z.number().int().positive().optional(),
  channels: z.enum(['RGB', 'BGR']),
  normalize: Normalize,
  pad: z.number().min(0).max(255).optional(),
});

export const OcrDetectManifest = z.object({
  id: z.string(),
  version: z.string(),
  task: z.literal('ocr-detect'),
  input: OcrInput.extend({ resize: z.literal('limit-side'), multiple: z.number().int().positive() }),
  output: z.object({ name: z.string(), kind: z.literal('probabilities'), decoder: DbDecoder }),
});

export const OcrRecognizeManifest = z.object({
  id: z.string(),
  version: z.string(),
  task: z.literal('ocr-recognize'),
  input: OcrInput.extend({ resize: z.literal('fit-height') }),
  output: z.object({ name: z.string(), kind: z.literal('probabilities'), decoder: CtcDecoder }),
});

export const OcrDirectionManifest = z.object({
  id: z.string(),
  version: z.string(),
  task: z.literal('ocr-direction'),
  input: OcrInput.extend({ resize: z.literal('fit-height') }),
  output: z.object({ name: z.string(), kind: z.literal('probabilities') }),
  /** Rotation of the text, in degrees, per output class: ["0", "180"]. */
  labels: z.array(z.enum(['0', '180'])),
});

export type OcrDetectManifest = z.infer<typeof OcrDetectManifest>;
export type OcrRecognizeManifest = z.infer<typeof OcrRecognizeManifest>;
export type OcrDirectionManifest = z.infer<typeof OcrDirectionManifest>;

/** The three manifests plus the recogniser's dictionary (labels.txt lines, untrimmed: see labelLines in the model store). */
export interface OcrModels {
  det: OcrDetectManifest;
  rec: OcrRecognizeManifest;
  cls?: OcrDirectionManifest;
  dictionary: readonly string[];
}

/** Checks registry manifests are the OCR models the pipeline expects, and types them. */
export function ocrModels(raw: { det: unknown; rec: unknown; cls?: unknown; dictionary: readonly string[] }): OcrModels {
  return {
    det: OcrDetectManifest.parse(raw.det),
    rec: OcrRecognizeManifest.parse(raw.rec),
    cls: raw.cls === undefined ? undefined : OcrDirectionManifest.parse(raw.cls),
    dictionary: raw.dictionary,
  };
}
