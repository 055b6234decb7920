import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../shared/http/app-env.ts';
import { onnxRuntime } from '../../../shared/inference/ort-wasm.ts';
import type { ModelManifest } from '../../../shared/models/manifest.ts';
import { loadModel } from '../../../shared/models/model-store.ts';
import { parseDictionary } from '../../../shared/tasks/ocr/ctc.ts';
import { ocrModels, type OcrModels } from '../../../shared/tasks/ocr/manifest.ts';
import { recognizeText, type OcrResult } from '../../../shared/tasks/ocr/ocr.ts';
import { runImageTask, type ImageTask } from '../../../shared/tasks/image-task.ts';
import { models } from '../models.ts';
import { imageRequestBody, imageTaskResponses, ImageSummarySchema } from '../openapi/schemas.ts';

const OcrParams = z
  .object({
    max_lines: z.coerce.number().int().min(1).max(200).default(100).openapi({ description: 'Most text lines recognised (each costs 0.1-0.4 s of CPU).' }),
  })
  .strict();

const Box = z.object({ xmin: z.number().int(), ymin: z.number().int(), xmax: z.number().int(), ymax: z.number().int() });
const OcrResultSchema = z.object({
  text: z.string().openapi({ description: 'Every line in reading order: lines of a row joined by spaces, rows by newlines.' }),
  lines: z.array(z.object({ text: z.string(), score: z.number(), box: Box, polygon: z.array(z.tuple([z.number(), z.number()])) })),
  model: z.string(),
  image: ImageSummarySchema,
});

export const ocrRoute = createRoute({
  method: 'post',
  path: '/v1/ocr',
  summary: 'Read the text in an image (English and Chinese), in reading order, with line boxes',
  tags: ['tasks'],
  request: { query: OcrParams, body: imageRequestBody(OcrParams) },
  responses: imageTaskResponses(OcrResultSchema, 'The text and its lines'),
});

interface OcrModelSet {
  id: string;
  version: string;
  det: ModelManifest;
  rec: ModelManifest;
  cls: ModelManifest;
}

/** The recogniser's dictionary, read raw once per isolate (its U+3000 entry must survive: no trimming). */
let dictionary: Promise<readonly string[]> | undefined;

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
    dictionary ??= c.env.MODEL_FILES.fetch('https://model-files/ppocr-v4-rec/labels.txt')
      .then((r) => r.text())
      .then(parseDictionary);
    dictionary.catch(() => (dictionary = undefined));
    const [det, rec, cls, pixels, words] = await Promise.all([
      timing.measure('load', () => loadModel(c.env.MODEL_FILES, set.det)),
      timing.measure('load', () => loadModel(c.env.MODEL_FILES, set.rec)),
      timing.measure('load', () => loadModel(c.env.MODEL_FILES, set.cls)),
      image.pixels({ minWidth: Math.round(width * scale), minHeight: Math.round(height * scale) }),
      dictionary,
    ]);
    const manifests: OcrModels = ocrModels({ det: det.manifest, rec: rec.manifest, cls: cls.manifest, dictionary: words });
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

export function registerOcr(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(ocrRoute);
  app.post(ocrRoute.path, (c) => runImageTask(c, ocrTask));
}
