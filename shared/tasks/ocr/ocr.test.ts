import { describe, expect, it } from 'vitest';
import type { InferenceSession } from 'onnxruntime-web/wasm';
import type { Raster } from '../../image/raster.ts';
import type { OcrModels } from './manifest.ts';
import { detectorSize, directionWindows, packBatches, recognizeText, type OcrRuntime } from './ocr.ts';

/**
 * The pipeline's plumbing with stand-in models: a "detector" that marks dark
 * pixels as text, a "recogniser" that names a line by its darkest grey, and a
 * "classifier" told which grey is upside down. Real models are exercised by
 * test/golden/ocr.
 */

const normalizeHalf = { scale: 1 / 255, mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.5, 0.5, 0.5] as [number, number, number] };

const MODELS: OcrModels = {
  det: {
    id: 'det',
    version: '1',
    task: 'ocr-detect',
    input: {
      name: 'x',
      layout: 'NCHW',
      dtype: 'float32',
      width: 960,
      height: 960,
      resize: 'limit-side',
      multiple: 32,
      channels: 'BGR',
      normalize: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    },
    output: {
      name: 'map',
      kind: 'probabilities',
      decoder: { type: 'db', threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000, scoreMode: 'slow', dilate: false, cropUnclipRatio: 2.3 },
    },
  },
  rec: {
    id: 'rec',
    version: '1',
    task: 'ocr-recognize',
    input: { name: 'x', layout: 'NCHW', dtype: 'float32', width: 320, height: 48, resize: 'fit-height', maxWidth: 1920, channels: 'BGR', normalize: normalizeHalf, pad: 127.5 },
    output: { name: 'probs', kind: 'probabilities', decoder: { type: 'ctc', blank: 0, appendLabels: [' '] } },
  },
  cls: {
    id: 'cls',
    version: '1',
    task: 'ocr-direction',
    input: { name: 'x', layout: 'NCHW', dtype: 'float32', width: 192, height: 48, resize: 'fit-height', channels: 'BGR', normalize: normalizeHalf, pad: 127.5 },
    output: { name: 'probs', kind: 'probabilities' },
    labels: ['0', '180'],
  },
  dictionary: ['a', 'b', 'c'],
};

/** Grey levels of the three painted lines and the letter each one "reads" as. */
const LEVELS: Record<number, string> = { 0: 'a', 40: 'b', 80: 'c' };

function page(): Raster {
  const width = 200;
  const height = 120;
  const data = new Uint8Array(width * height * 3).fill(255);
  const paint = (x0: number, y0: number, x1: number, y1: number, v: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
  };
  paint(20, 20, 180, 30, 0); // first row, full width
  paint(20, 60, 90, 70, 40); // second row, left
  paint(110, 62, 180, 72, 80); // second row, right, a little lower
  return { width, height, data };
}

class FakeTensor {
  constructor(
    readonly type: string,
    readonly data: Float32Array,
    readonly dims: readonly number[],
  ) {}
  dispose(): void {}
}
const ort = { Tensor: FakeTensor } as unknown as OcrRuntime;

interface Feeds {
  x: FakeTensor;
}

function session(run: (input: FakeTensor) => { name: string; data: Float32Array; dims: number[] }, calls: number[][] = []): InferenceSession {
  return {
    run: async (feeds: Feeds) => {
      calls.push([...feeds.x.dims]);
      const out = run(feeds.x);
      return { [out.name]: { data: out.data, dims: out.dims } };
    },
  } as unknown as InferenceSession;
}

/** Text where the pixel is darker than mid-grey (channel 0 is blue, ImageNet-normalised). */
const detector = session((x) => {
  const [, , h, w] = x.dims as [number, number, number, number];
  const data = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) data[i] = x.data[i]! * 0.229 + 0.485 < 0.5 ? 0.95 : 0;
  return { name: 'map', data, dims: [1, 1, h, w] };
});

/** Each crop's darkest grey along its middle row, in 0..255. */
function darkest(x: FakeTensor, item: number): number {
  const [, , h, w] = x.dims as [number, number, number, number];
  const row = x.data.subarray(item * 3 * h * w + (h >> 1) * w, item * 3 * h * w + (h >> 1) * w + w);
  return Math.round((Math.min(...row) * 0.5 + 0.5) * 255);
}

function recogniser(calls: number[][]) {
  return session((x) => {
    const [n, , , w] = x.dims as [number, number, number, number];
    const steps = w / 8;
    const classes = 5;
    const data = new Float32Array(n * steps * classes);
    for (let i = 0; i < n; i++) {
      const letter = LEVELS[darkest(x, i)] ?? '?';
      for (let t = 0; t < steps; t++) {
        const c = t === 0 ? 1 + MODELS.dictionary.indexOf(letter) : 0;
        data[(i * steps + t) * classes + c] = 0.9;
      }
    }
    return { name: 'probs', data, dims: [n, steps, classes] };
  }, calls);
}

/** Says 180 for crops of grey `flip`. */
const classifier = (flip: number) =>
  session((x) => {
    const n = x.dims[0]!;
    const data = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const p = darkest(x, i) === flip ? 0.99 : 0.01;
      data[i * 2] = 1 - p;
      data[i * 2 + 1] = p;
    }
    return { name: 'probs', data, dims: [n, 2] };
  });

describe('recognizeText', () => {
  it('reads rows in order, joins a row with spaces and rows with newlines', async () => {
    const calls: number[][] = [];
    const result = await recognizeText(page(), { det: detector, rec: recogniser(calls) }, ort, MODELS, { batch: true });
    expect(result.text).toBe('a\nb c');
    expect(result.lines.map((l) => l.text)).toEqual(['a', 'b', 'c']);
    expect(result.lines[0]!.score).toBeCloseTo(0.9);
    // Asked to batch: all three crops in one run, padded to the model's 320.
    expect(calls).toEqual([[3, 3, 48, 320]]);
  });

  it('reports boxes in upright image pixels around the text', async () => {
    const { lines } = await recognizeText(page(), { det: detector, rec: recogniser([]) }, ort, MODELS);
    const box = lines[0]!.box;
    expect(box.xmin).toBeLessThanOrEqual(20);
    expect(box.ymin).toBeLessThanOrEqual(20);
    expect(box.xmax).toBeGreaterThanOrEqual(180);
    expect(box.ymax).toBeGreaterThanOrEqual(30);
    expect(box.ymax).toBeLessThan(45);
    expect(lines[0]!.polygon).toHaveLength(4);
  });

  it('runs one crop per recogniser call by default', async () => {
    const calls: number[][] = [];
    await recognizeText(page(), { det: detector, rec: recogniser(calls) }, ort, MODELS);
    expect(calls).toHaveLength(3);
    expect(calls.every((d) => d[0] === 1)).toBe(true);
  });

  it('turns over a line the classifier is sure is upside down, and its polygon with it', async () => {
    const plain = await recognizeText(page(), { det: detector, rec: recogniser([]) }, ort, MODELS);
    const flipped = await recognizeText(page(), { det: detector, rec: recogniser([]), cls: classifier(80) }, ort, MODELS);
    expect(flipped.text).toBe('a\nb c');
    const before = plain.lines[2]!.polygon;
    const after = flipped.lines[2]!.polygon;
    expect(after).toEqual([before[2], before[3], before[0], before[1]]);
    expect(flipped.lines[0]!.polygon).toEqual(plain.lines[0]!.polygon);
  });

  it('drops lines read with less than minScore', async () => {
    const result = await recognizeText(page(), { det: detector, rec: recogniser([]) }, ort, MODELS, { minScore: 0.95 });
    expect(result).toEqual({ text: '', lines: [] });
  });

  it('reports stage timings to the timer it is given', async () => {
    const stages: string[] = [];
    const timing = { measure: async <T>(stage: string, work: () => Promise<T> | T) => (stages.push(stage), work()) };
    await recognizeText(page(), { det: detector, rec: recogniser([]), cls: classifier(-1) }, ort, MODELS, { timing });
    expect(new Set(stages)).toEqual(new Set(['ocr-det-pre', 'ocr-det', 'ocr-det-post', 'ocr-crop', 'ocr-cls', 'ocr-rec']));
  });
});

describe('detectorSize', () => {
  it('shrinks the longer side to the limit and rounds both to multiples of 32', () => {
    expect(detectorSize(4000, 3000, 960, 32)).toEqual({ width: 960, height: 704 });
    expect(detectorSize(3000, 4000, 640, 32)).toEqual({ width: 480, height: 640 });
  });

  it('never enlarges, and never goes under one multiple', () => {
    expect(detectorSize(384, 191, 960, 32)).toEqual({ width: 384, height: 192 });
    expect(detectorSize(10, 5, 960, 32)).toEqual({ width: 32, height: 32 });
  });
});

describe('directionWindows', () => {
  const line = (width: number): Raster => ({ width, height: 48, data: new Uint8Array(width * 48 * 3).map((_, i) => Math.floor(i / 3) % width) });

  it('keeps a short line whole', () => {
    expect(directionWindows(line(150), 192)).toHaveLength(1);
  });

  it('cuts a long line into unsqueezed windows spread from end to end', () => {
    const windows = directionWindows(line(1000), 192);
    expect(windows).toHaveLength(5);
    expect(windows.every((w) => w.width === 192 && w.height === 48)).toBe(true);
    expect(windows[0]!.data[0]).toBe(0);
    // The last window ends at the line's last column (x = 999, stored mod 256).
    expect(windows[4]!.data[191 * 3]).toBe(999 % 256);
  });

  it('looks at no more than 8 windows', () => {
    expect(directionWindows(line(5000), 192)).toHaveLength(8);
  });
});

describe('packBatches', () => {
  it('groups crops narrowest first, padded to the widest of each batch', () => {
    const batches = packBatches([400, 100, 300, 200], 320, 1920, 6, 1920);
    expect(batches).toEqual([{ items: [1, 3, 2, 0], width: 400 }]);
  });

  it('stops a batch at the crop count and at the column budget', () => {
    expect(packBatches([100, 100, 100], 320, 1920, 2, 1920).map((b) => b.items)).toEqual([[0, 1], [2]]);
    // 3 x 700 = 2100 columns > 1920: the third crop starts a new batch.
    expect(packBatches([700, 650, 690], 320, 1920, 6, 1920)).toEqual([
      { items: [1, 2], width: 690 },
      { items: [0], width: 700 },
    ]);
  });

  it('caps the tensor width; wider crops are squeezed into it', () => {
    expect(packBatches([2500], 320, 1920, 6, 1920)).toEqual([{ items: [0], width: 1920 }]);
  });
});

describe('recognizeText maxLines', () => {
  it('reads only the lines the detector is surest of', async () => {
    const result = await recognizeText(page(), { det: detector, rec: recogniser([]) }, ort, MODELS, { maxLines: 1 });
    expect(result.lines).toHaveLength(1);
  });
});
