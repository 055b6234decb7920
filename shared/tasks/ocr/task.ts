import { z } from '@hono/zod-openapi';
import { onnxRuntime } from '../../inference/ort-wasm.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { models } from '../../models/bundled.ts';
import { loadModel } from '../../models/model-store.ts';
import type { ImageTask } from '../image-task.ts';
import { ocrModels, type OcrModels } from './manifest.ts';
import { recognizeText, type OcrResult } from './ocr.ts';

/**
 * PP-OCRv4 as an image task: detector, direction classifier and recogniser.
 * Its models need ~83 MiB of wasm memory at peak (a dense page), so it runs in its own Worker
 * (functions/ocr); the API reaches it through a service binding.
 */
export const OcrParams = z
  .object({
    max_lines: z.coerce.number().int().min(1).max(200).default(100).openapi({ description: 'Most text lines recognised (each costs 0.1-0.4 s of CPU).' }),
  })
  .strict();

interface OcrModelSet {
  id: string;
  version: string;
  det: ModelManifest;
  rec: ModelManifest;
  cls: ModelManifest;
}

/** The largest decode OCR asks for: small text needs pixels, and the detector tiles above 640x480. */
const MAX_OCR_SIDE = 2000;

export const ocrTask: ImageTask<typeof OcrParams, Pick<OcrResult, 'text' | 'lines'>, OcrModelSet> = {
  task: 'ocr',
  params: OcrParams,
  model: () => {
    const det = models().byId('ppocr-v4-det', 'ocr-detect');
    const rec = models().byId('ppocr-v4-rec', 'ocr-recognize');
    const cls = models().byId('ppocr-cls', 'ocr-direction');
    return { id: 'ppocr-v4', version: `det-${det.version}+rec-${rec.version}+cls-${cls.version}`, det, rec, cls };
  },
  preprocess: 'p1',
  async run(c, image, params, set) {
    const timing = c.get('timing');
    const { width, height } = image.info;
    const scale = Math.min(1, MAX_OCR_SIDE / Math.max(width, height));
    const [det, rec, cls, pixels] = await Promise.all([
      timing.measure('load', () => loadModel(c.env.MODEL_FILES, set.det)),
      timing.measure('load', () => loadModel(c.env.MODEL_FILES, set.rec)),
      timing.measure('load', () => loadModel(c.env.MODEL_FILES, set.cls)),
      image.pixels({ minWidth: Math.round(width * scale), minHeight: Math.round(height * scale) }),
    ]);
    // The dictionary is the recogniser's labels file, verified against its sha256 like the weights.
    const manifests: OcrModels = ocrModels({ det: det.manifest, rec: rec.manifest, cls: cls.manifest, dictionary: rec.labels ?? [] });
    const result = await recognizeText(pixels, { det: det.session, rec: rec.session, cls: cls.session }, await onnxRuntime(), manifests, {
      maxLines: params.max_lines,
      timing,
    });
    // Lines are in decoded pixels: report them in the original image's.
    const sx = width / pixels.width;
    const sy = height / pixels.height;
    const lines = result.lines.map((line) => ({
      ...line,
      box: {
        xmin: Math.round(line.box.xmin * sx),
        ymin: Math.round(line.box.ymin * sy),
        xmax: Math.round(line.box.xmax * sx),
        ymax: Math.round(line.box.ymax * sy),
      },
      polygon: line.polygon.map(([x, y]) => [Math.round(x * sx), Math.round(y * sy)] as [number, number]),
    }));
    return { text: result.text, lines };
  },
};

