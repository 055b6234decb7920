/**
 * Huffman tables and the entropy-coded-segment reader: bit buffer, baseline
 * block decoding (with a skip path for coefficients the output scale does not
 * need) and the four progressive scan kinds.
 *
 * Bits are kept in a 32-bit integer `buf` whose low `bits` bits are the unread
 * ones (higher bits are stale and masked off on every read). refill() tops it
 * up to 25..32 bits, enough for any Huffman code (<= 16 bits); magnitude bits
 * (<= 15) get their own refill check. The hot functions copy buf/bits into
 * locals and write them back, because V8 keeps locals in registers but must
 * store every field write.
 *
 * Truncation: when the reader meets a marker or the end of the data it stops
 * and feeds zero bits, counting them in padBits. Consuming any of those
 * (padBits > bits) means the scan wanted more data than it had; callers check
 * that at each restart, each MCU row and the end of each scan.
 */
import { JpegError } from './errors.ts';

/** Lookahead width of the fast tables. 9 bits holds most codes of real photos; larger tables cost cache misses. */
export const FAST_BITS = 9;
const FAST_SIZE = 1 << FAST_BITS;
const FAST_MASK = FAST_SIZE - 1;

export interface HuffmanTable {
  /** Lookahead -> (codeLength << 8) | symbol; 0 when the code is longer than FAST_BITS (or invalid). */
  readonly fast: Int32Array;
  /** Largest code of each length 1..16 (index = length), -1 where no code has that length. */
  readonly maxCode: Int32Array;
  /** values index of a code of that length = valOffset[length] + code. */
  readonly valOffset: Int32Array;
  readonly values: Uint8Array;
  /**
   * AC tables: lookahead -> value * 256 + (run << 4) + totalLength, when the
   * code and its magnitude bits both fit in the lookahead; 0 otherwise (and
   * for EOB/ZRL). One lookup decodes a whole coefficient.
   */
  readonly fastAc: Int32Array;
  /**
   * AC tables: lookahead -> (advance << 4) | totalLength for skipping
   * coefficients without computing them: advance = run + 1, 16 for ZRL and
   * 128 for EOB (which pushes k past 63 to end the block).
   */
  readonly skipAc: Int32Array;
}

/** Canonical Huffman decoding tables from a DHT segment (ITU T.81 Annex C). */
export function buildHuffmanTable(counts: Uint8Array, symbols: Uint8Array, isAc: boolean): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valOffset = new Int32Array(18);
  const fast = new Int32Array(FAST_SIZE);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1]!;
    if (n > 0) {
      valOffset[len] = k - code;
      for (let i = 0; i < n; i++, k++, code++) {
        const symbol = symbols[k]!;
        // A DC symbol is a magnitude category; above 15 it would read past our 32-bit buffer.
        if (!isAc && symbol > 15) throw new JpegError('corrupt', 'Huffman DC table has a symbol above 15.');
        if (len <= FAST_BITS) {
          const first = code << (FAST_BITS - len);
          fast.fill((len << 8) | symbol, first, first + (1 << (FAST_BITS - len)));
        }
      }
      maxCode[len] = code - 1;
    }
    // Over-subscribed tables (or one using the all-ones code) are invalid, as libjpeg rules.
    if (code >= 1 << len) throw new JpegError('corrupt', 'Huffman table is over-subscribed.');
    code <<= 1;
  }

  const fastAc = new Int32Array(FAST_SIZE);
  const skipAc = new Int32Array(FAST_SIZE);
  if (isAc) {
    for (let i = 0; i < FAST_SIZE; i++) {
      const e = fast[i]!;
      if (e === 0) continue;
      const len = e >> 8;
      const rs = e & 255;
      const run = rs >> 4;
      const s = rs & 15;
      if (s === 0) {
        // ZRL skips 16 zeros; every other s=0 symbol ends the block in a sequential scan (as libjpeg treats it).
        skipAc[i] = ((run === 15 ? 16 : 128) << 4) | len;
        continue;
      }
      if (len + s <= FAST_BITS) {
        const m = (i >> (FAST_BITS - len - s)) & ((1 << s) - 1);
        const value = m < 1 << (s - 1) ? m - (1 << s) + 1 : m;
        fastAc[i] = value * 256 + (run << 4) + len + s;
        skipAc[i] = ((run + 1) << 4) | (len + s);
      }
    }
  }
  return { fast, maxCode, valOffset, values: symbols, fastAc, skipAc };
}

/** Decodes a code longer than FAST_BITS from 16 peeked bits: (length << 8) | symbol, or 0 if no code matches. */
function slowSymbol(t: HuffmanTable, code16: number): number {
  for (let len = FAST_BITS + 1; len <= 16; len++) {
    const c = code16 >>> (16 - len);
    if (c <= t.maxCode[len]!) return (len << 8) | t.values[t.valOffset[len]! + c]!;
  }
  return 0;
}

/**
 * Zigzag index -> natural (row-major) index, padded to 80 entries so a run
 * that overshoots 63 in corrupt data lands in scratch slots 64..79 instead of
 * a real coefficient; the block decoder reports it as corrupt afterwards.
 */
export const ZIGZAG_TO_NATURAL = new Int32Array(80);
{
  const zz = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43,
    36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
  ];
  for (let i = 0; i < 80; i++) ZIGZAG_TO_NATURAL[i] = i < 64 ? zz[i]! : 64 + (i - 64);
}

/** Identity order (padded like ZIGZAG_TO_NATURAL), for decoding into zigzag-ordered storage. */
export const IDENTITY_ORDER = new Int32Array(80).map((_, i) => i);

export class EntropyReader {
  private readonly data: Uint8Array;
  private readonly end: number;
  /** Next byte to load into the bit buffer; when stopped, the 0xFF of the marker that stopped the reader (or end). */
  pos = 0;
  buf = 0;
  bits = 0;
  /** Zero bits fed after the data stopped; consuming any of them means the scan ran out of data. */
  padBits = 0;
  stopped = false;
  /** Progressive: blocks left in the current end-of-band run. */
  eobrun = 0;
  /** DC predictors per component index in the frame. */
  readonly pred = new Int32Array(4);

  constructor(data: Uint8Array) {
    this.data = data;
    this.end = data.length;
  }

  /** Starts an entropy-coded segment at pos (the byte after a SOS header or RST marker). */
  start(pos: number): void {
    this.pos = pos;
    this.buf = 0;
    this.bits = 0;
    this.padBits = 0;
    this.stopped = false;
    this.eobrun = 0;
    this.pred.fill(0);
  }

  refill(): void {
    const data = this.data;
    const end = this.end;
    let buf = this.buf;
    let bits = this.bits;
    let pos = this.pos;
    let stopped = this.stopped;
    while (bits <= 24) {
      let b = 0;
      if (!stopped && pos < end) {
        b = data[pos]!;
        if (b !== 0xff) pos++;
        else if (pos + 1 < end && data[pos + 1] === 0) pos += 2; // stuffed 0xFF00 is a data 0xFF
        else {
          stopped = true; // a marker (or fill bytes before one, or 0xFF as the last byte)
          b = 0;
        }
      } else stopped = true;
      if (stopped) this.padBits += 8;
      buf = (buf << 8) | b;
      bits += 8;
    }
    this.buf = buf;
    this.bits = bits;
    this.pos = pos;
    this.stopped = stopped;
  }

  /** True once the decoder has consumed bits beyond the real data. */
  overran(): boolean {
    return this.padBits > this.bits;
  }

  /**
   * The error for data that ended before the scan did: truncated when it is
   * the end of the file or EOI (a cut file, possibly with EOI re-appended),
   * corrupt when some other marker interrupts the scan.
   */
  premature(): JpegError {
    const marker = this.markerAt(this.pos);
    if (marker < 0 || marker === 0xd9) return new JpegError('truncated', 'The JPEG data ends before the image is complete.');
    return new JpegError('corrupt', `Marker 0xFF${marker.toString(16).toUpperCase()} interrupts the entropy-coded data.`);
  }

  /** The marker code at pos, skipping 0xFF fill bytes; -1 if the data ends first. */
  private markerAt(pos: number): number {
    const data = this.data;
    while (pos + 1 < this.end && data[pos] === 0xff && data[pos + 1] === 0xff) pos++;
    if (pos + 1 >= this.end || data[pos] !== 0xff) return -1;
    return data[pos + 1]!;
  }

  /** Error for a bit pattern that is no Huffman code; `bits` is the caller's live bit count. */
  private badCode(bits: number): JpegError {
    // If the 16-bit window reached into padding, the real data ran out mid-code.
    if (this.padBits > bits - 16) {
      this.bits = bits;
      if (this.stopped) return this.premature();
    }
    return new JpegError('corrupt', 'Invalid Huffman code in the entropy-coded data.');
  }

  /**
   * Position of the next marker at or after pos (the 0xFF just before its
   * code), skipping stuffed bytes, fill bytes and, if skipRst, RST markers.
   * -1 if the data ends first. Bounded by the input length: indexOf only
   * moves forward.
   */
  findMarker(pos: number, skipRst: boolean): number {
    const data = this.data;
    const end = this.end;
    while (pos < end) {
      const i = data.indexOf(0xff, pos);
      if (i < 0 || i + 1 >= end) return -1;
      const next = data[i + 1]!;
      if (next === 0) pos = i + 2;
      else if (next === 0xff) pos = i + 1;
      else if (skipRst && next >= 0xd0 && next <= 0xd7) pos = i + 2;
      else return i;
    }
    return -1;
  }

  /** Handles a restart marker between intervals: checks the interval was complete, then resets the decoder state. */
  restart(): void {
    // Bits left in the buffer are the encoder's 1-bit padding to a byte boundary: drop them.
    if (this.overran()) throw this.premature();
    const m = this.findMarker(this.pos, false);
    if (m < 0) throw new JpegError('truncated', 'The JPEG data ends before the image is complete.');
    const code = this.data[m + 1]!;
    if (code < 0xd0 || code > 0xd7) {
      this.pos = m;
      throw this.premature();
    }
    // libjpeg would resynchronise on an out-of-sequence RSTn; we accept any RSTn, as the data that follows is still a fresh interval.
    this.start(m + 2);
  }

  /** Checks that a scan ended within its data; returns the position of the marker that follows it. */
  finishScan(): number {
    if (this.overran()) throw this.premature();
    const m = this.findMarker(this.pos, false);
    if (m < 0) throw new JpegError('truncated', 'The JPEG data ends before the image is complete.');
    return m;
  }

  /**
   * Sequential (baseline/extended) block: DC, then AC coefficients up to
   * zigzag index `limit` written as coefficient * qf[k] to blk[order[k]];
   * the remaining AC symbols are decoded only to skip their bits. Returns
   * the highest zigzag index written (0: DC only). blk must be zero except
   * where the caller will not read. The DC is left in blk[order[0]] and the
   * raw predictor in pred[ci].
   */
  decodeBlock(dcT: HuffmanTable, acT: HuffmanTable, ci: number, blk: Float64Array, qf: Float64Array, order: Int32Array, limit: number): number {
    const data = this.data;
    const end = this.end;
    let buf = this.buf;
    let bits = this.bits;

    // DC: a magnitude category, then that many bits of difference from the predictor.
    if (bits < 16) {
      this.buf = buf;
      this.bits = bits;
      this.refill();
      buf = this.buf;
      bits = this.bits;
    }
    let e = dcT.fast[(buf >>> (bits - FAST_BITS)) & FAST_MASK]!;
    if (e === 0) {
      e = slowSymbol(dcT, (buf >>> (bits - 16)) & 0xffff);
      if (e === 0) throw this.badCode(bits);
    }
    bits -= e >> 8;
    let s = e & 15;
    let diff = 0;
    if (s !== 0) {
      if (bits < s) {
        this.buf = buf;
        this.bits = bits;
        this.refill();
        buf = this.buf;
        bits = this.bits;
      }
      diff = (buf >>> (bits - s)) & ((1 << s) - 1);
      bits -= s;
      if (diff < 1 << (s - 1)) diff -= (1 << s) - 1;
    }
    const dc = this.pred[ci]! + diff;
    this.pred[ci] = dc;
    blk[order[0]!] = dc * qf[0]!;

    // AC coefficients the output needs.
    let k = 1;
    let last = 0;
    while (k <= limit) {
      if (bits < 16) {
        // Fast path: two plain bytes (no 0xFF, so no stuffing or marker); otherwise the general refill.
        const pos = this.pos;
        if (pos + 1 < end && data[pos] !== 0xff && data[pos + 1] !== 0xff && !this.stopped) {
          buf = (buf << 16) | (data[pos]! << 8) | data[pos + 1]!;
          bits += 16;
          this.pos = pos + 2;
        } else {
          this.buf = buf;
          this.bits = bits;
          this.refill();
          buf = this.buf;
          bits = this.bits;
        }
      }
      const look = (buf >>> (bits - FAST_BITS)) & FAST_MASK;
      e = acT.fastAc[look]!;
      if (e !== 0) {
        k += (e >> 4) & 15;
        bits -= e & 15;
        blk[order[k]!] = (e >> 8) * qf[k]!;
        last = k;
        k++;
        continue;
      }
      e = acT.fast[look]!;
      if (e === 0) {
        e = slowSymbol(acT, (buf >>> (bits - 16)) & 0xffff);
        if (e === 0) throw this.badCode(bits);
      }
      bits -= e >> 8;
      const rs = e & 255;
      s = rs & 15;
      if (s === 0) {
        if (rs === 0xf0) {
          k += 16;
          continue;
        }
        k = 128; // end of block
        break;
      }
      k += rs >> 4;
      if (bits < s) {
        this.buf = buf;
        this.bits = bits;
        this.refill();
        buf = this.buf;
        bits = this.bits;
      }
      let v = (buf >>> (bits - s)) & ((1 << s) - 1);
      bits -= s;
      if (v < 1 << (s - 1)) v -= (1 << s) - 1;
      blk[order[k]!] = v * qf[k]!;
      last = k;
      k++;
    }

    // AC coefficients the output scale ignores: only their lengths matter.
    while (k <= 63) {
      if (bits < 16) {
        // Fast path: two plain bytes (no 0xFF, so no stuffing or marker); otherwise the general refill.
        const pos = this.pos;
        if (pos + 1 < end && data[pos] !== 0xff && data[pos + 1] !== 0xff && !this.stopped) {
          buf = (buf << 16) | (data[pos]! << 8) | data[pos + 1]!;
          bits += 16;
          this.pos = pos + 2;
        } else {
          this.buf = buf;
          this.bits = bits;
          this.refill();
          buf = this.buf;
          bits = this.bits;
        }
      }
      const look = (buf >>> (bits - FAST_BITS)) & FAST_MASK;
      e = acT.skipAc[look]!;
      if (e !== 0) {
        bits -= e & 15;
        k += e >> 4;
        continue;
      }
      e = acT.fast[look]!;
      if (e === 0) {
        e = slowSymbol(acT, (buf >>> (bits - 16)) & 0xffff);
        if (e === 0) throw this.badCode(bits);
      }
      bits -= e >> 8;
      const rs = e & 255;
      s = rs & 15;
      if (s === 0) {
        if (rs === 0xf0) {
          k += 16;
          continue;
        }
        k = 128;
        break;
      }
      k += (rs >> 4) + 1;
      if (bits < s) {
        this.buf = buf;
        this.bits = bits;
        this.refill();
        buf = this.buf;
        bits = this.bits;
      }
      bits -= s;
    }
    this.buf = buf;
    this.bits = bits;
    // k is 64 after a coefficient at 63, >= 128 after EOB; anything else overran the block.
    if (k > 64 && k < 128) throw new JpegError('corrupt', 'AC coefficient run goes past the end of a block.');
    return last;
  }

  // --- Progressive (ITU T.81 G.1.2). Less hot than baseline: plain field-based helpers, which V8 inlines.

  private symbol(t: HuffmanTable): number {
    if (this.bits < 16) this.refill();
    const bits = this.bits;
    let e = t.fast[(this.buf >>> (bits - FAST_BITS)) & FAST_MASK]!;
    if (e === 0) {
      e = slowSymbol(t, (this.buf >>> (bits - 16)) & 0xffff);
      if (e === 0) throw this.badCode(bits);
    }
    this.bits = bits - (e >> 8);
    return e & 255;
  }

  /** n raw bits, n <= 15. */
  private getBits(n: number): number {
    if (this.bits < n) this.refill();
    const bits = this.bits - n;
    this.bits = bits;
    return (this.buf >>> bits) & ((1 << n) - 1);
  }

  private getBit(): number {
    if (this.bits < 1) this.refill();
    const bits = this.bits - 1;
    this.bits = bits;
    return (this.buf >>> bits) & 1;
  }

  /** n magnitude bits as a signed value (T.81 F.2.2.1 EXTEND). */
  private receiveExtend(n: number): number {
    if (n === 0) return 0;
    const v = this.getBits(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  /** First DC scan of a block: the predicted DC, scaled by the point transform. Storage is zigzag-ordered, DC at off. */
  decodeDcFirst(t: HuffmanTable, ci: number, coefs: Int16Array, off: number, al: number): void {
    const dc = this.pred[ci]! + this.receiveExtend(this.symbol(t));
    this.pred[ci] = dc;
    coefs[off] = dc * (1 << al);
  }

  /** DC refinement: one more bit of precision. */
  decodeDcRefine(coefs: Int16Array, off: number, al: number): void {
    if (this.getBit()) coefs[off] = coefs[off]! | (1 << al);
  }

  /**
   * First AC scan over band ss..se. Coefficients below `stored` are kept in
   * coefs[off + k]; those above only set bit k of the block's 8-byte
   * nonzero mask at mask[moff], which later refinement scans need to parse.
   * lastNz[b] tracks the block's highest stored nonzero index, so output
   * need not scan all 64. The hottest progressive path, so written like
   * decodeBlock: locals, and the fastAc table decoding a whole coefficient.
   */
  decodeAcFirst(
    t: HuffmanTable,
    coefs: Int16Array,
    off: number,
    stored: number,
    mask: Uint8Array,
    moff: number,
    lastNz: Uint8Array,
    b: number,
    ss: number,
    se: number,
    al: number,
  ): void {
    if (this.eobrun > 0) {
      this.eobrun--;
      return;
    }
    const fastAc = t.fastAc;
    const fast = t.fast;
    const scale = 1 << al;
    const data = this.data;
    const end = this.end;
    let buf = this.buf;
    let bits = this.bits;
    let last = lastNz[b]!;
    for (let k = ss; k <= se; k++) {
      if (bits < 16) {
        // Fast path: two plain bytes (no 0xFF, so no stuffing or marker); otherwise the general refill.
        const pos = this.pos;
        if (pos + 1 < end && data[pos] !== 0xff && data[pos + 1] !== 0xff && !this.stopped) {
          buf = (buf << 16) | (data[pos]! << 8) | data[pos + 1]!;
          bits += 16;
          this.pos = pos + 2;
        } else {
          this.buf = buf;
          this.bits = bits;
          this.refill();
          buf = this.buf;
          bits = this.bits;
        }
      }
      const look = (buf >>> (bits - FAST_BITS)) & FAST_MASK;
      let e = fastAc[look]!;
      let v: number;
      if (e !== 0) {
        k += (e >> 4) & 15;
        bits -= e & 15;
        v = e >> 8;
      } else {
        e = fast[look]!;
        if (e === 0) {
          e = slowSymbol(t, (buf >>> (bits - 16)) & 0xffff);
          if (e === 0) throw this.badCode(bits);
        }
        bits -= e >> 8;
        const r = (e >> 4) & 15;
        const s = e & 15;
        if (s === 0) {
          if (r === 15) {
            k += 15;
            continue;
          }
          // EOBn: this block and the next (2^r - 1 + extra bits) blocks end here.
          let run = (1 << r) - 1;
          if (r !== 0) {
            if (bits < r) {
              this.buf = buf;
              this.bits = bits;
              this.refill();
              buf = this.buf;
              bits = this.bits;
            }
            run += (buf >>> (bits - r)) & ((1 << r) - 1);
            bits -= r;
          }
          this.eobrun = run;
          break;
        }
        k += r;
        if (bits < s) {
          this.buf = buf;
          this.bits = bits;
          this.refill();
          buf = this.buf;
          bits = this.bits;
        }
        v = (buf >>> (bits - s)) & ((1 << s) - 1);
        bits -= s;
        if (v < 1 << (s - 1)) v -= (1 << s) - 1;
      }
      if (k > se) {
        this.bits = bits;
        throw new JpegError('corrupt', 'AC coefficient run goes past the end of the spectral band.');
      }
      if (k < stored) {
        coefs[off + k] = v * scale;
        if (k > last) last = k;
      } else mask[moff + (k >> 3)] = mask[moff + (k >> 3)]! | (1 << (k & 7));
    }
    this.buf = buf;
    this.bits = bits;
    lastNz[b] = last;
  }

  /**
   * AC successive-approximation refinement (T.81 G.1.2.3, as libjpeg's
   * decode_mcu_AC_refine): a correction bit for every coefficient already
   * nonzero, interleaved with newly nonzero +-1 << al coefficients. Real
   * progressive photos spend most of their decode time here, so it works on
   * locals, and in end-of-band runs it visits only coefficients that can be
   * nonzero (up to lastNz[b] in storage, set bits of the mask above it).
   */
  decodeAcRefine(
    t: HuffmanTable,
    coefs: Int16Array,
    off: number,
    stored: number,
    mask: Uint8Array,
    moff: number,
    lastNz: Uint8Array,
    b: number,
    ss: number,
    se: number,
    al: number,
  ): void {
    const p1 = 1 << al;
    const m1 = -1 << al;
    const fast = t.fast;
    const data = this.data;
    const end = this.end;
    let buf = this.buf;
    let bits = this.bits;
    let eobrun = this.eobrun;
    let k = ss;
    if (eobrun === 0) {
      for (; k <= se; k++) {
        if (bits < 16) {
          const pos = this.pos;
          if (pos + 1 < end && data[pos] !== 0xff && data[pos + 1] !== 0xff && !this.stopped) {
            buf = (buf << 16) | (data[pos]! << 8) | data[pos + 1]!;
            bits += 16;
            this.pos = pos + 2;
          } else {
            this.buf = buf;
            this.bits = bits;
            this.refill();
            buf = this.buf;
            bits = this.bits;
          }
        }
        let e = fast[(buf >>> (bits - FAST_BITS)) & FAST_MASK]!;
        if (e === 0) {
          e = slowSymbol(t, (buf >>> (bits - 16)) & 0xffff);
          if (e === 0) throw this.badCode(bits);
        }
        bits -= e >> 8;
        let r = (e >> 4) & 15;
        let s = 0;
        if ((e & 15) !== 0) {
          // Only magnitude 1 is legal here; libjpeg warns and carries on, so do we. Then its sign bit.
          if (bits < 1) {
            this.buf = buf;
            this.bits = bits;
            this.refill();
            buf = this.buf;
            bits = this.bits;
          }
          bits--;
          s = (buf >>> bits) & 1 ? p1 : m1;
        } else if (r !== 15) {
          // EOBr: this block and the next (2^r - 1 + extra bits) end their band here.
          eobrun = 1 << r;
          if (r !== 0) {
            if (bits < r) {
              this.buf = buf;
              this.bits = bits;
              this.refill();
              buf = this.buf;
              bits = this.bits;
            }
            eobrun += (buf >>> (bits - r)) & ((1 << r) - 1);
            bits -= r;
          }
          break;
        }
        // Walk over already-nonzero coefficients (refining each) until r zero ones are passed.
        while (k <= se) {
          let nonzero: boolean;
          let c = 0;
          if (k < stored) {
            c = coefs[off + k]!;
            nonzero = c !== 0;
          } else nonzero = ((mask[moff + (k >> 3)]! >> (k & 7)) & 1) !== 0;
          if (nonzero) {
            if (bits < 1) {
              this.buf = buf;
              this.bits = bits;
              this.refill();
              buf = this.buf;
              bits = this.bits;
            }
            bits--;
            // Beyond `stored` the refined value is not needed, only its bit consumed.
            if ((buf >>> bits) & 1 && k < stored && (c & p1) === 0) coefs[off + k] = c >= 0 ? c + p1 : c + m1;
          } else {
            if (r === 0) break;
            r--;
          }
          k++;
        }
        if (s !== 0 && k <= se) {
          if (k < stored) {
            coefs[off + k] = s;
            if (k > lastNz[b]!) lastNz[b] = k;
          } else mask[moff + (k >> 3)] = mask[moff + (k >> 3)]! | (1 << (k & 7));
        }
      }
    }
    if (eobrun > 0) {
      // Rest of the band in an end-of-band run: correction bits for nonzero coefficients only.
      const top = Math.min(se, stored - 1, lastNz[b]!);
      for (; k <= top; k++) {
        const c = coefs[off + k]!;
        if (c === 0) continue;
        if (bits < 1) {
          this.buf = buf;
          this.bits = bits;
          this.refill();
          buf = this.buf;
          bits = this.bits;
        }
        bits--;
        if ((buf >>> bits) & 1 && (c & p1) === 0) coefs[off + k] = c >= 0 ? c + p1 : c + m1;
      }
      if (k < stored) k = stored;
      while (k <= se) {
        const m = mask[moff + (k >> 3)]! >> (k & 7);
        if (m === 0) {
          k = (k | 7) + 1; // no nonzero coefficient left in this mask byte
          continue;
        }
        if (m & 1) {
          if (bits < 1) {
            this.buf = buf;
            this.bits = bits;
            this.refill();
            buf = this.buf;
            bits = this.bits;
          }
          bits--;
        }
        k++;
      }
      eobrun--;
    }
    this.buf = buf;
    this.bits = bits;
    this.eobrun = eobrun;
  }
}
