import { describe, expect, it } from 'vitest';
import { decodeJpeg, JpegError, type DecodedJpeg, type JpegErrorCode } from './decode-jpeg.ts';
import { FIXTURES, type FixtureName } from './fixtures/fixtures.ts';
import { boxDownsampleRgb, gridMeans } from './fixtures/golden-stats.ts';

// Fixtures come from fixtures/make-fixtures.mjs as base64 with mozjpeg's decode
// summarised, so this file runs in workerd and Node alike.

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

const bytesOf = (name: FixtureName): Uint8Array => fromBase64(FIXTURES[name].base64);

/** Options that make the decoder pick exactly 1/scale for a fixture. */
function atScale(name: FixtureName, scale: number) {
  const f = FIXTURES[name];
  return scale === 1 ? {} : { minWidth: Math.ceil(f.width / scale), minHeight: Math.ceil(f.height / scale) };
}

function errorOf(fn: () => unknown): JpegError {
  try {
    fn();
  } catch (error) {
    if (error instanceof JpegError) return error;
    throw new Error(`expected a JpegError, got ${String(error)}`);
  }
  throw new Error('expected a JpegError, but decoding succeeded');
}

function expectCode(fn: () => unknown, code: JpegErrorCode): void {
  expect(errorOf(fn).code).toBe(code);
}

function expectOpaqueRgba(d: DecodedJpeg): void {
  expect(d.data.length).toBe(d.width * d.height * 4);
  for (let i = 3; i < d.data.length; i += 4) {
    if (d.data[i] !== 255) throw new Error(`alpha ${d.data[i]} at pixel ${(i - 3) / 4}`);
  }
}

/** Mean and max absolute difference per channel value between our RGBA and a reference RGB. */
function pixelDiff(d: DecodedJpeg, rgb: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < d.width * d.height; i++) {
    for (let c = 0; c < 3; c++) {
      const e = Math.abs(d.data[i * 4 + c]! - rgb[i * 3 + c]!);
      sum += e;
      if (e > max) max = e;
    }
  }
  return { mean: sum / (d.width * d.height * 3), max };
}

function maxGridDiff(d: DecodedJpeg, name: FixtureName): number {
  const f = FIXTURES[name];
  const ours = gridMeans(d.data, d.width, d.height, d.scale, f.width, f.height);
  let max = 0;
  f.grid!.forEach((v, i) => (max = Math.max(max, Math.abs(v - ours[i]!))));
  return max;
}

const VALID = (Object.keys(FIXTURES) as FixtureName[]).filter((n) => FIXTURES[n].grid !== null);
const PROGRESSIVE = new Set<FixtureName>(['progressive-420', 'progressive-444', 'progressive-grey', 'progressive-sa-420', 'progressive-sa-restart-422', 'progressive-sa-grey']);

/*
 * Tolerances. At 1/1 we use the same IDCT family and the same fancy
 * upsampling as mozjpeg, so pixels differ by rounding only: mean < 0.5,
 * max <= 4 per channel (measured: mean <= 0.04, max 3).
 * Scaled decodes are compared with mozjpeg's full-size decode box-averaged
 * to the same size. A DCT-domain downscale is not a box filter (1/2 and 1/4
 * drop the high frequencies instead of averaging them; 1/8 is the exact
 * block mean before clamping), so on this deliberately harsh image (noise,
 * saturated hard edges) pixels differ by mean < 4, max < 48 (measured: mean
 * <= 2.8, max 34), while 4x4-grid means agree within 6 levels (measured <= 4.1).
 * 'source' fixtures (CMYK, YCCK: mozjpeg cannot convert them to RGB) are
 * compared with the RGB they were encoded from, JPEG loss included: grid
 * within 8 levels (measured <= 5.2).
 */
describe('decodeJpeg: valid files against mozjpeg', () => {
  for (const name of VALID) {
    const f = FIXTURES[name];
    const gridTolerance = (scale: number): number => (f.reference === 'source' ? 8 : scale === 1 ? 1 : 6);

    it(`${name}: full size`, () => {
      const d = decodeJpeg(bytesOf(name));
      expect([d.width, d.height, d.fullWidth, d.fullHeight, d.scale]).toEqual([f.width, f.height, f.width, f.height, 1]);
      expect(d.progressive).toBe(PROGRESSIVE.has(name));
      expectOpaqueRgba(d);
      expect(maxGridDiff(d, name)).toBeLessThan(gridTolerance(1));
      if (f.fullRgb) {
        const { mean, max } = pixelDiff(d, fromBase64(f.fullRgb));
        expect(mean).toBeLessThan(0.5);
        expect(max).toBeLessThanOrEqual(4);
      }
    });

    for (const scale of [2, 4, 8]) {
      it(`${name}: scale 1/${scale}`, () => {
        const d = decodeJpeg(bytesOf(name), atScale(name, scale));
        expect(d.scale).toBe(scale);
        expect([d.width, d.height]).toEqual([Math.ceil(f.width / scale), Math.ceil(f.height / scale)]);
        expect([d.fullWidth, d.fullHeight]).toEqual([f.width, f.height]);
        expectOpaqueRgba(d);
        expect(maxGridDiff(d, name)).toBeLessThan(gridTolerance(scale));
        if (f.fullRgb) {
          const { mean, max } = pixelDiff(d, boxDownsampleRgb(fromBase64(f.fullRgb), f.width, f.height, scale));
          expect(mean).toBeLessThan(4);
          expect(max).toBeLessThan(48);
        }
      });
    }
  }

  it('decodes progressive and sequential codings of the same coefficients to the same pixels', () => {
    // progressive-sa-420 and restart-420 come from the same encoder, source and tables.
    for (const scale of [1, 2, 4, 8]) {
      const a = decodeJpeg(bytesOf('progressive-sa-420'), atScale('progressive-sa-420', scale));
      const b = decodeJpeg(bytesOf('restart-420'), atScale('restart-420', scale));
      expect(a.data).toEqual(b.data);
      const c = decodeJpeg(bytesOf('multiscan-420'), atScale('multiscan-420', scale));
      expect(c.data).toEqual(b.data);
    }
  });

  it('accepts a view into a larger buffer', () => {
    const bytes = bytesOf('baseline-420');
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    expect(decodeJpeg(padded.subarray(5, 5 + bytes.length)).data).toEqual(decodeJpeg(bytes).data);
  });
});

describe('decodeJpeg: scale choice', () => {
  // baseline-420 is 123x85: 1/2 -> 62x43, 1/4 -> 31x22, 1/8 -> 16x11.
  const bytes = bytesOf('baseline-420');
  const scaleFor = (opts: { minWidth?: number; minHeight?: number }) => decodeJpeg(bytes, opts).scale;

  it('decodes at full size without a minimum', () => {
    expect(scaleFor({})).toBe(1);
  });

  it('picks the largest reduction whose output still covers both minimums', () => {
    expect(scaleFor({ minWidth: 16 })).toBe(8);
    expect(scaleFor({ minWidth: 17 })).toBe(4);
    expect(scaleFor({ minHeight: 11 })).toBe(8);
    expect(scaleFor({ minHeight: 12 })).toBe(4);
    expect(scaleFor({ minWidth: 31, minHeight: 22 })).toBe(4);
    expect(scaleFor({ minWidth: 31, minHeight: 23 })).toBe(2);
    expect(scaleFor({ minWidth: 62, minHeight: 43 })).toBe(2);
    expect(scaleFor({ minWidth: 63 })).toBe(1);
    expect(scaleFor({ minWidth: 1000, minHeight: 1000 })).toBe(1);
    expect(scaleFor({ minWidth: 0, minHeight: 0 })).toBe(8);
  });
});

describe('decodeJpeg: truncated files', () => {
  const scales = [1, 2, 4, 8];

  for (const name of ['truncated-baseline', 'truncated-progressive', 'truncated-then-eoi', 'missing-eoi'] as const) {
    it(`${name} throws 'truncated' at every scale`, () => {
      for (const scale of scales) expectCode(() => decodeJpeg(bytesOf(name), scale === 1 ? {} : { minWidth: Math.ceil(123 / scale) }), 'truncated');
    });
  }

  // Cutting a valid file anywhere must never give an image: headers, entropy
  // data (baseline, progressive, restart intervals, separate scans) or the EOI.
  for (const name of ['baseline-420', 'progressive-420', 'progressive-sa-420', 'progressive-sa-restart-422', 'restart-420', 'multiscan-420', 'grey'] as const) {
    it(`${name} cut at any point throws 'truncated'`, () => {
      const bytes = bytesOf(name);
      const cuts = new Set<number>();
      for (let i = 1; i < 60; i++) cuts.add(Math.floor((bytes.length * i) / 60));
      for (let i = 1; i <= 8; i++) cuts.add(bytes.length - i);
      for (const cut of cuts) {
        for (const scale of scales) {
          const error = errorOf(() => decodeJpeg(bytes.subarray(0, cut), scale === 1 ? {} : { minWidth: Math.ceil(123 / scale) }));
          if (error.code !== 'truncated') throw new Error(`cut at ${cut}/${bytes.length}, scale 1/${scale}: ${error.code} (${error.message})`);
        }
      }
    });
  }
});

describe('decodeJpeg: decompression bombs', () => {
  it('rejects a 65535x65535 header before allocating, in a few ms', () => {
    const bytes = bytesOf('bomb-65535');
    const t0 = performance.now();
    expectCode(() => decodeJpeg(bytes, { maxPixels: 40_000_000 }), 'too_large');
    expectCode(() => decodeJpeg(bytes), 'too_large'); // default limit
    expectCode(() => decodeJpeg(bytes, { minWidth: 8 }), 'too_large');
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('honours maxPixels exactly', () => {
    const bytes = bytesOf('baseline-420');
    expect(decodeJpeg(bytes, { maxPixels: 123 * 85 }).width).toBe(123);
    expectCode(() => decodeJpeg(bytes, { maxPixels: 123 * 85 - 1 }), 'too_large');
  });

  it('rejects a header that needs more blocks than the file has bits, under maxPixels, without allocating', () => {
    // 8000x8000 (64 MP) with a dozen bytes of data: each block costs at least one bit.
    const bytes = bytesOf('bomb-8000');
    const t0 = performance.now();
    expectCode(() => decodeJpeg(bytes, { maxPixels: 100_000_000 }), 'truncated');
    expect(performance.now() - t0).toBeLessThan(50);
    expectCode(() => decodeJpeg(bytes, { maxPixels: 1_000_000 }), 'too_large');
  });
});

/** Replaces the first marker `from` (0xFF from) with `to`, and applies `patch` to its segment payload. */
function withMarker(bytes: Uint8Array, from: number, to: number, patch?: (seg: Uint8Array) => void): Uint8Array {
  const out = bytes.slice();
  let p = 2;
  while (p + 4 <= out.length) {
    const len = (out[p + 2]! << 8) | out[p + 3]!;
    if (out[p + 1] === from) {
      out[p + 1] = to;
      patch?.(out.subarray(p + 4, p + 2 + len));
      return out;
    }
    p += 2 + len;
  }
  throw new Error(`marker ${from.toString(16)} not found`);
}

/** [start, end) of each scan: its SOS marker through its entropy-coded data. */
function scans(bytes: Uint8Array): { start: number; dataStart: number; end: number; header: Uint8Array }[] {
  const out = [];
  let p = 2;
  while (p + 4 <= bytes.length && bytes[p + 1] !== 0xd9) {
    const len = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    if (bytes[p + 1] !== 0xda) {
      p += 2 + len;
      continue;
    }
    let q = p + 2 + len;
    while (!(bytes[q] === 0xff && bytes[q + 1] !== 0 && (bytes[q + 1]! < 0xd0 || bytes[q + 1]! > 0xd7))) q++;
    out.push({ start: p, dataStart: p + 2 + len, end: q, header: bytes.subarray(p + 4, p + 2 + len) });
    p = q;
  }
  return out;
}

describe('decodeJpeg: progressive scan handling', () => {
  it('at 1/8 skips luma AC scans without decoding them', () => {
    // Garble the luma AC scans' data (zeros: no marker created). At 1/8 only
    // the DC scans and chroma scans are read, so the image is unchanged.
    const bytes = bytesOf('progressive-sa-420');
    const garbled = bytes.slice();
    for (const scan of scans(bytes)) {
      const lumaAc = scan.header[0] === 1 && scan.header[1] === 1 && scan.header[3]! > 0;
      if (lumaAc) garbled.fill(0, scan.dataStart, scan.end);
    }
    const opts = atScale('progressive-sa-420', 8);
    expect(decodeJpeg(garbled, opts).data).toEqual(decodeJpeg(bytes, opts).data);
    // At full size those scans are read: the garbage is noticed.
    expectCode(() => decodeJpeg(garbled), 'corrupt');
  });

  it('refuses more than 100 scans', () => {
    // Repeat an AC refinement scan: valid syntax, so only the scan limit stops it.
    const bytes = bytesOf('progressive-sa-grey');
    const all = scans(bytes);
    const last = all[all.length - 1]!;
    const copies = [bytes.subarray(0, last.end)];
    for (let i = 0; i < 100; i++) copies.push(bytes.subarray(last.start, last.end));
    copies.push(new Uint8Array([0xff, 0xd9]));
    const many = new Uint8Array(copies.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of copies) {
      many.set(c, o);
      o += c.length;
    }
    expect(errorOf(() => decodeJpeg(many)).message).toMatch(/scans/);
    expectCode(() => decodeJpeg(many), 'corrupt');
  });
});

describe('decodeJpeg: unsupported and corrupt files', () => {
  const base = bytesOf('baseline-420');

  it('rejects arithmetic coding, lossless, hierarchical and 12-bit as unsupported', () => {
    expectCode(() => decodeJpeg(withMarker(base, 0xc0, 0xc9)), 'unsupported'); // arithmetic, sequential
    expectCode(() => decodeJpeg(withMarker(base, 0xc0, 0xca)), 'unsupported'); // arithmetic, progressive
    expectCode(() => decodeJpeg(withMarker(base, 0xc0, 0xc3)), 'unsupported'); // lossless
    expectCode(() => decodeJpeg(withMarker(base, 0xc0, 0xc5)), 'unsupported'); // hierarchical
    expectCode(() => decodeJpeg(withMarker(base, 0xc0, 0xc1, (seg) => (seg[0] = 12))), 'unsupported'); // 12-bit extended
  });

  it('rejects two components and fractional sampling as unsupported', () => {
    // Claim 2 components: the SOF still parses (its component list just gets shorter).
    expectCode(() => decodeJpeg(withMarker(base, 0xc0, 0xc0, (seg) => (seg[5] = 2))), 'unsupported');
    // Y 3x2 with chroma 2x1: horizontal ratio 3/2.
    expectCode(
      () =>
        decodeJpeg(
          withMarker(base, 0xc0, 0xc0, (seg) => {
            seg[7] = 0x32;
            seg[10] = 0x21;
          }),
        ),
      'unsupported',
    );
  });

  it('throws corrupt on an invalid Huffman code', () => {
    for (const scale of [1, 8]) expectCode(() => decodeJpeg(bytesOf('corrupt-huffman'), scale === 1 ? {} : { minWidth: 1 }), 'corrupt');
  });

  it('throws corrupt on things that are not JPEG or have bad structure', () => {
    expectCode(() => decodeJpeg(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'corrupt');
    expectCode(() => decodeJpeg(new Uint8Array(0)), 'corrupt');
    // SOS before any frame header: rename SOF0 to APP15 so it is skipped.
    expectCode(() => decodeJpeg(withMarker(base, 0xc0, 0xef)), 'corrupt');
    // A DHT over-subscribing the code space: 3 codes of length 1.
    expectCode(() => decodeJpeg(withMarker(base, 0xc4, 0xc4, (seg) => (seg[1] = 3))), 'corrupt');
    // Zero width.
    expectCode(() => decodeJpeg(withMarker(base, 0xc0, 0xc0, (seg) => ((seg[3] = 0), (seg[4] = 0)))), 'corrupt');
    // Segment length below 2.
    expectCode(() => decodeJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xdb, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9])), 'corrupt');
  });

  it('only ever returns a well-formed image or throws JpegError on mutated input', () => {
    // Deterministic mutations of valid files: overwritten bytes, inserted
    // markers, duplicated or dropped runs. Every decode ends (loops are
    // bounded by the input) with either an image of the declared size or a
    // JpegError; never another exception.
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const sources: FixtureName[] = ['baseline-420', 'progressive-420', 'progressive-sa-restart-422', 'restart-420', 'multiscan-420', 'ycck-adobe'];
    const codes: Record<string, number> = {};
    for (let iter = 0; iter < 600; iter++) {
      const src = bytesOf(sources[iter % sources.length]!);
      let bytes = src.slice();
      const edits = 1 + rand(4);
      for (let e = 0; e < edits; e++) {
        const at = rand(bytes.length);
        switch (rand(4)) {
          case 0:
            bytes[at] = rand(256);
            break;
          case 1:
            bytes[at] = 0xff;
            if (at + 1 < bytes.length) bytes[at + 1] = rand(256);
            break;
          case 2: {
            const len = 1 + rand(64);
            const copy = new Uint8Array(bytes.length + len);
            copy.set(bytes.subarray(0, at));
            copy.set(bytes.subarray(at, at + len), at);
            copy.set(bytes.subarray(at), at + Math.min(len, bytes.length - at));
            bytes = copy.subarray(0, bytes.length + Math.min(len, bytes.length - at));
            break;
          }
          default:
            bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(Math.min(bytes.length, at + 1 + rand(64)))]);
        }
      }
      const scale = [1, 2, 4, 8][rand(4)]!;
      try {
        const d = decodeJpeg(bytes, { minWidth: Math.ceil(123 / scale), maxPixels: 4_000_000 });
        expect(d.data.length).toBe(d.width * d.height * 4);
        codes.ok = (codes.ok ?? 0) + 1;
      } catch (error) {
        if (!(error instanceof JpegError)) throw new Error(`iteration ${iter}: ${String(error)}`);
        codes[error.code] = (codes[error.code] ?? 0) + 1;
      }
    }
    expect(codes.corrupt ?? 0).toBeGreaterThan(0);
  });
});
