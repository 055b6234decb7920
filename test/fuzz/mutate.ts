/**
 * Deterministic, structure-aware mutations of image files for the fuzz test.
 *
 * Case `i` of a run with seed `s` is a pure function of (s, i, the seed
 * files): any failure is replayed exactly by its numbers, in workerd or on
 * Node (`save-case.ts`). Mutations know enough of each container (JPEG
 * segments, PNG chunks, RIFF chunks, GIF blocks) to lie about lengths and
 * dimensions where decoders read them, instead of only flipping random bits
 * that a CRC or a magic-number check rejects at once.
 */
import { mulberry32 } from '../../models/tools/mulberry32.ts';
import { joinChunks } from '../../shared/ingest/read-capped.ts';
import { crc32 } from '../support/solid-png.ts';

export type Format = 'jpeg' | 'png' | 'webp' | 'gif';

export interface Seed {
  name: string;
  format: Format;
  bytes: Uint8Array;
}

export interface FuzzCase {
  index: number;
  seed: string;
  /** The mutations applied, in order (for the report and for triage). */
  steps: string[];
  bytes: Uint8Array;
}

/** The fuzzer's seeded generator: the same cases on Node and in workerd. */
const rng = mulberry32;

class Dice {
  private readonly next: () => number;
  constructor(next: () => number) {
    this.next = next;
  }
  float(): number {
    return this.next();
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A length or size field somewhere in the file: where, how wide, and its byte order. */
interface Field {
  what: string;
  offset: number;
  width: 1 | 2 | 3 | 4;
  littleEndian: boolean;
  /** Bits of the field that hold the value (VP8L packs 14-bit sizes). */
  bits?: number;
}

interface Structure {
  /** Fields that say how long something is. */
  lengths: Field[];
  /** Fields that say how large the picture is. */
  dimensions: Field[];
  /** Other header bytes decoders branch on (component counts, bit depths, code sizes...). */
  headerBytes: Field[];
  /** Byte ranges of whole chunks/segments, for removal and duplication. */
  chunks: Array<{ what: string; start: number; end: number }>;
  /** Where the pixel payload starts (entropy-coded data, IDAT, VP8 data, LZW data). */
  payloadStart: number;
  /** End marker to re-append after a truncation ("truncated then EOI"). */
  trailer: Uint8Array;
}

function readField(bytes: Uint8Array, field: Field): number {
  let value = 0;
  for (let i = 0; i < field.width; i++) {
    const byte = bytes[field.offset + (field.littleEndian ? i : field.width - 1 - i)] ?? 0;
    value += byte * 2 ** (8 * i);
  }
  return value;
}

function writeField(bytes: Uint8Array, field: Field, value: number): void {
  let v = Math.max(0, Math.floor(value)) % 2 ** (8 * field.width);
  for (let i = 0; i < field.width; i++) {
    const at = field.offset + (field.littleEndian ? i : field.width - 1 - i);
    if (at < bytes.length) bytes[at] = v & 0xff;
    v = Math.floor(v / 256);
  }
}

const u16be = (b: Uint8Array, o: number) => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
const u32be = (b: Uint8Array, o: number) => (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
const u32le = (b: Uint8Array, o: number) => (((b[o + 3] ?? 0) << 24) | ((b[o + 2] ?? 0) << 16) | ((b[o + 1] ?? 0) << 8) | (b[o] ?? 0)) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

function jpegStructure(b: Uint8Array): Structure {
  const s: Structure = { lengths: [], dimensions: [], headerBytes: [], chunks: [], payloadStart: b.length, trailer: new Uint8Array([0xff, 0xd9]) };
  let o = 2;
  while (o + 4 <= b.length && b[o] === 0xff) {
    const marker = b[o + 1]!;
    if (marker === 0xff) {
      o++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      o += 2;
      continue;
    }
    const length = u16be(b, o + 2);
    const name = `FF${marker.toString(16).toUpperCase()}`;
    s.lengths.push({ what: `${name} length`, offset: o + 2, width: 2, littleEndian: false });
    s.chunks.push({ what: name, start: o, end: Math.min(b.length, o + 2 + length) });
    if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xde) {
      s.headerBytes.push({ what: `${name} precision`, offset: o + 4, width: 1, littleEndian: false });
      s.dimensions.push({ what: `${name} height`, offset: o + 5, width: 2, littleEndian: false });
      s.dimensions.push({ what: `${name} width`, offset: o + 7, width: 2, littleEndian: false });
      s.headerBytes.push({ what: `${name} components`, offset: o + 9, width: 1, littleEndian: false });
      const components = b[o + 9] ?? 0;
      for (let c = 0; c < components; c++) {
        s.headerBytes.push({ what: `${name} sampling ${c}`, offset: o + 11 + 3 * c, width: 1, littleEndian: false });
        s.headerBytes.push({ what: `${name} quant table ${c}`, offset: o + 12 + 3 * c, width: 1, littleEndian: false });
      }
    } else if (marker === 0xc4 || marker === 0xdb || marker === 0xdd) {
      s.headerBytes.push({ what: `${name} table id`, offset: o + 4, width: 1, littleEndian: false });
      if (marker === 0xdd) s.headerBytes.push({ what: 'restart interval', offset: o + 4, width: 2, littleEndian: false });
    } else if (marker === 0xda) {
      s.headerBytes.push({ what: 'SOS components', offset: o + 4, width: 1, littleEndian: false });
      const components = b[o + 4] ?? 0;
      const after = o + 5 + 2 * components;
      s.headerBytes.push({ what: 'SOS spectral start', offset: after, width: 1, littleEndian: false });
      s.headerBytes.push({ what: 'SOS spectral end', offset: after + 1, width: 1, littleEndian: false });
      s.headerBytes.push({ what: 'SOS approximation', offset: after + 2, width: 1, littleEndian: false });
      s.payloadStart = Math.min(s.payloadStart, o + 2 + length);
      // Entropy-coded data follows; later scans of a progressive file start at
      // the next non-RST, non-stuffed marker.
      o += 2 + length;
      while (o + 1 < b.length && !(b[o] === 0xff && b[o + 1] !== 0 && !(b[o + 1]! >= 0xd0 && b[o + 1]! <= 0xd7))) o++;
      continue;
    } else if (marker === 0xd9) {
      break;
    }
    o += 2 + length;
  }
  return s;
}

function pngStructure(b: Uint8Array): Structure {
  const s: Structure = { lengths: [], dimensions: [], headerBytes: [], chunks: [], payloadStart: b.length, trailer: new Uint8Array([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]) };
  let o = 8;
  while (o + 12 <= b.length) {
    const length = u32be(b, o);
    const type = ascii(b, o + 4, 4);
    s.lengths.push({ what: `${type} length`, offset: o, width: 4, littleEndian: false });
    s.chunks.push({ what: type, start: o, end: Math.min(b.length, o + 12 + length) });
    if (type === 'IHDR') {
      s.dimensions.push({ what: 'IHDR width', offset: o + 8, width: 4, littleEndian: false });
      s.dimensions.push({ what: 'IHDR height', offset: o + 12, width: 4, littleEndian: false });
      for (const [i, what] of ['bit depth', 'colour type', 'compression', 'filter', 'interlace'].entries()) {
        s.headerBytes.push({ what: `IHDR ${what}`, offset: o + 16 + i, width: 1, littleEndian: false });
      }
    } else if (type === 'IDAT') {
      s.payloadStart = Math.min(s.payloadStart, o + 8);
    } else if (type === 'acTL') {
      s.headerBytes.push({ what: 'acTL frames', offset: o + 8, width: 4, littleEndian: false });
    }
    if (type === 'IEND') break;
    o += 12 + length;
  }
  return s;
}

function webpStructure(b: Uint8Array): Structure {
  const s: Structure = { lengths: [{ what: 'RIFF size', offset: 4, width: 4, littleEndian: true }], dimensions: [], headerBytes: [], chunks: [], payloadStart: b.length, trailer: new Uint8Array() };
  let o = 12;
  while (o + 8 <= b.length) {
    const type = ascii(b, o, 4);
    const size = u32le(b, o + 4);
    s.lengths.push({ what: `${type} size`, offset: o + 4, width: 4, littleEndian: true });
    s.chunks.push({ what: type, start: o, end: Math.min(b.length, o + 8 + size + (size & 1)) });
    const d = o + 8;
    if (type === 'VP8X') {
      s.headerBytes.push({ what: 'VP8X flags', offset: d, width: 1, littleEndian: true });
      s.dimensions.push({ what: 'VP8X canvas width-1', offset: d + 4, width: 3, littleEndian: true });
      s.dimensions.push({ what: 'VP8X canvas height-1', offset: d + 7, width: 3, littleEndian: true });
    } else if (type === 'VP8 ') {
      s.headerBytes.push({ what: 'VP8 frame tag', offset: d, width: 3, littleEndian: true });
      s.dimensions.push({ what: 'VP8 width', offset: d + 6, width: 2, littleEndian: true });
      s.dimensions.push({ what: 'VP8 height', offset: d + 8, width: 2, littleEndian: true });
      s.payloadStart = Math.min(s.payloadStart, d + 10);
    } else if (type === 'VP8L') {
      s.headerBytes.push({ what: 'VP8L signature', offset: d, width: 1, littleEndian: true });
      s.dimensions.push({ what: 'VP8L width-1', offset: d + 1, width: 2, littleEndian: true, bits: 14 });
      s.headerBytes.push({ what: 'VP8L size/alpha/version bits', offset: d + 3, width: 2, littleEndian: true });
      s.payloadStart = Math.min(s.payloadStart, d + 5);
    } else if (type === 'ANIM') {
      s.headerBytes.push({ what: 'ANIM loop count', offset: d + 4, width: 2, littleEndian: true });
    } else if (type === 'ANMF') {
      s.dimensions.push({ what: 'ANMF x', offset: d, width: 3, littleEndian: true });
      s.dimensions.push({ what: 'ANMF width-1', offset: d + 6, width: 3, littleEndian: true });
      s.dimensions.push({ what: 'ANMF height-1', offset: d + 9, width: 3, littleEndian: true });
      // Frames hold their own VP8/VP8L/ALPH chunks: walk into the first one.
      o = d + 16;
      continue;
    } else if (type === 'ALPH') {
      s.headerBytes.push({ what: 'ALPH header', offset: d, width: 1, littleEndian: true });
    }
    o += 8 + size + (size & 1);
  }
  return s;
}

function gifStructure(b: Uint8Array): Structure {
  const s: Structure = { lengths: [], dimensions: [], headerBytes: [], chunks: [], payloadStart: b.length, trailer: new Uint8Array([0x3b]) };
  s.dimensions.push({ what: 'screen width', offset: 6, width: 2, littleEndian: true }, { what: 'screen height', offset: 8, width: 2, littleEndian: true });
  s.headerBytes.push({ what: 'screen flags', offset: 10, width: 1, littleEndian: true });
  const packed = b[10] ?? 0;
  let o = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
  const subBlocks = (what: string) => {
    while (o < b.length) {
      const size = b[o]!;
      s.lengths.push({ what: `${what} sub-block size`, offset: o, width: 1, littleEndian: true });
      o += 1 + size;
      if (size === 0) return;
    }
  };
  let images = 0;
  while (o < b.length && images < 3) {
    const start = o;
    const introducer = b[o]!;
    if (introducer === 0x21) {
      s.headerBytes.push({ what: `extension label ${b[o + 1]}`, offset: o + 1, width: 1, littleEndian: true });
      o += 2;
      subBlocks('extension');
      s.chunks.push({ what: 'extension', start, end: o });
    } else if (introducer === 0x2c) {
      images++;
      s.dimensions.push({ what: 'frame left', offset: o + 1, width: 2, littleEndian: true });
      s.dimensions.push({ what: 'frame width', offset: o + 5, width: 2, littleEndian: true });
      s.dimensions.push({ what: 'frame height', offset: o + 7, width: 2, littleEndian: true });
      s.headerBytes.push({ what: 'frame flags', offset: o + 9, width: 1, littleEndian: true });
      const flags = b[o + 9] ?? 0;
      o += 10 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
      s.headerBytes.push({ what: 'LZW minimum code size', offset: o, width: 1, littleEndian: true });
      s.payloadStart = Math.min(s.payloadStart, o + 1);
      o += 1;
      subBlocks('image data');
      s.chunks.push({ what: 'image', start, end: o });
    } else {
      break;
    }
  }
  return s;
}

export function structureOf(format: Format, bytes: Uint8Array): Structure {
  switch (format) {
    case 'jpeg':
      return jpegStructure(bytes);
    case 'png':
      return pngStructure(bytes);
    case 'webp':
      return webpStructure(bytes);
    case 'gif':
      return gifStructure(bytes);
  }
}

/** Values that sit on the edges decoders get wrong. */
function liesAbout(dice: Dice, field: Field, truth: number): number {
  const max = 2 ** (field.bits ?? 8 * field.width) - 1;
  return dice.pick([0, 1, 2, truth - 1, truth + 1, truth * 2, truth >> 1, max, max - 1, Math.floor(max / 2) + 1, dice.int(max + 1), 0x7fff, 0x8000, 65535, 65536, 0x7fffffff]);
}


/** Recomputes every PNG chunk CRC, so a mutation reaches the code behind the CRC check. */
function fixPngCrcs(b: Uint8Array): void {
  let o = 8;
  while (o + 12 <= b.length) {
    const length = u32be(b, o);
    if (o + 12 + length > b.length) return;
    const crc = crc32(b.subarray(o + 4, o + 8 + length));
    writeField(b, { what: 'crc', offset: o + 8 + length, width: 4, littleEndian: false }, crc);
    o += 12 + length;
  }
}

type Mutator = (dice: Dice, bytes: Uint8Array, structure: Structure) => { bytes: Uint8Array; step: string };

const concat = (...parts: Uint8Array[]) => joinChunks(parts, parts.reduce((n, p) => n + p.length, 0));

const MUTATORS: Record<string, Mutator> = {
  'bit flips': (dice, bytes) => {
    const n = dice.range(1, 8);
    for (let i = 0; i < n; i++) {
      const at = dice.int(bytes.length);
      bytes[at] = bytes[at]! ^ (1 << dice.int(8));
    }
    return { bytes, step: `${n} bit flips` };
  },
  'header bit flips': (dice, bytes, s) => {
    const end = Math.max(1, Math.min(bytes.length, s.payloadStart + 16));
    const n = dice.range(1, 4);
    for (let i = 0; i < n; i++) {
      const at = dice.int(end);
      bytes[at] = bytes[at]! ^ (1 << dice.int(8));
    }
    return { bytes, step: `${n} bit flips in the first ${end} bytes` };
  },
  'interesting bytes': (dice, bytes) => {
    const n = dice.range(1, 6);
    for (let i = 0; i < n; i++) bytes[dice.int(bytes.length)] = dice.pick([0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe]);
    return { bytes, step: `${n} bytes set to edge values` };
  },
  truncation: (dice, bytes, s) => {
    // Half the cuts land in the headers, where parsers read lengths.
    const at = dice.chance(0.5) ? dice.int(Math.min(bytes.length, s.payloadStart + 8)) : dice.int(bytes.length);
    return { bytes: bytes.slice(0, at), step: `truncated to ${at} of ${bytes.length} bytes` };
  },
  'truncation then end marker': (dice, bytes, s) => {
    const at = dice.range(Math.min(bytes.length, s.payloadStart), bytes.length - 1);
    return { bytes: concat(bytes.slice(0, at), s.trailer), step: `truncated to ${at} bytes, end marker appended` };
  },
  'dimension edit': (dice, bytes, s) => {
    if (s.dimensions.length === 0) return MUTATORS['bit flips']!(dice, bytes, s);
    const field = dice.pick(s.dimensions);
    const value = liesAbout(dice, field, readField(bytes, field));
    writeField(bytes, field, value);
    return { bytes, step: `${field.what} := ${value}` };
  },
  'length lie': (dice, bytes, s) => {
    if (s.lengths.length === 0) return MUTATORS['bit flips']!(dice, bytes, s);
    const field = dice.pick(s.lengths);
    const value = liesAbout(dice, field, readField(bytes, field));
    writeField(bytes, field, value);
    return { bytes, step: `${field.what} := ${value}` };
  },
  'header field edit': (dice, bytes, s) => {
    if (s.headerBytes.length === 0) return MUTATORS['interesting bytes']!(dice, bytes, s);
    const field = dice.pick(s.headerBytes);
    const value = dice.chance(0.5) ? liesAbout(dice, field, readField(bytes, field)) : readField(bytes, field) ^ (1 << dice.int(8 * field.width));
    writeField(bytes, field, value);
    return { bytes, step: `${field.what} := ${value}` };
  },
  'chunk removed or duplicated': (dice, bytes, s) => {
    if (s.chunks.length === 0) return MUTATORS.truncation!(dice, bytes, s);
    const chunk = dice.pick(s.chunks);
    const body = bytes.slice(chunk.start, chunk.end);
    if (dice.chance(0.5)) return { bytes: concat(bytes.slice(0, chunk.start), bytes.slice(chunk.end)), step: `${chunk.what} removed` };
    const times = dice.pick([1, 2, 50]);
    return { bytes: concat(bytes.slice(0, chunk.end), ...new Array<Uint8Array>(times).fill(body), bytes.slice(chunk.end)), step: `${chunk.what} repeated ${times} more times` };
  },
  'bytes inserted': (dice, bytes) => {
    const at = dice.int(bytes.length);
    const junk = new Uint8Array(dice.pick([1, 2, 7, 64, 1024]));
    const fill = dice.pick(['random', 'zero', 'ff']);
    for (let i = 0; i < junk.length; i++) junk[i] = fill === 'zero' ? 0 : fill === 'ff' ? 0xff : dice.int(256);
    return { bytes: concat(bytes.slice(0, at), junk, bytes.slice(at)), step: `${junk.length} ${fill} bytes inserted at ${at}` };
  },
  'range zeroed': (dice, bytes) => {
    const start = dice.int(bytes.length);
    const end = Math.min(bytes.length, start + dice.pick([4, 32, 256, 4096]));
    bytes.fill(dice.chance(0.5) ? 0 : 0xff, start, end);
    return { bytes, step: `bytes ${start}-${end} overwritten` };
  },
};

export const MUTATOR_NAMES = Object.keys(MUTATORS);

/** Case `index` of the run seeded `runSeed`: 1-3 mutations of one seed (round robin over seeds). */
export function fuzzCase(seeds: readonly Seed[], runSeed: number, index: number): FuzzCase {
  const dice = new Dice(rng((runSeed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0));
  const seed = seeds[index % seeds.length]!;
  let bytes: Uint8Array = seed.bytes.slice();
  const steps: string[] = [];
  const count = dice.pick([1, 1, 1, 2, 3]);
  for (let i = 0; i < count; i++) {
    const name = dice.pick(MUTATOR_NAMES);
    const result = MUTATORS[name]!(dice, bytes, structureOf(seed.format, bytes));
    bytes = result.bytes;
    steps.push(`${name}: ${result.step}`);
  }
  // Most PNG mutations would only ever meet the CRC check: repair CRCs in half the cases.
  if (seed.format === 'png' && dice.chance(0.5)) {
    fixPngCrcs(bytes);
    steps.push('CRCs repaired');
  }
  return { index, seed: seed.name, steps, bytes };
}
