import { HTML5_ENTITIES } from './html-entities.ts';

/**
 * OpenAI CLIP's byte-level BPE tokenizer, ported from clip/simple_tokenizer.py
 * (MIT, Copyright (c) 2021 OpenAI; see models/clip-tokenizer/LICENSE). MobileCLIP's
 * text encoder (via open_clip) uses this tokenizer and this vocabulary unchanged.
 *
 * Differences from the Python original, all deliberate:
 * - ftfy.fix_text() is not run. Only its final step, NFC normalisation, is kept.
 *   Text that ftfy would repair (mojibake, curly quotes -> straight, ligatures,
 *   fullwidth letters, "\x85" -> "…") therefore tokenises as written.
 * - The BPE cache is a bounded LRU rather than an unbounded dict, because a
 *   Worker isolate lives for many requests.
 * - Lone surrogates (impossible to UTF-8 encode; Python raises) become U+FFFD.
 * Everything else (html.unescape twice, whitespace handling, lower-casing, the
 * pre-tokenisation regex, BPE and the id layout) follows the original, and the
 * tests check ids against it.
 */

export const CLIP_CONTEXT_LENGTH = 77;
export const CLIP_START_TOKEN = 49406; // <|startoftext|>
export const CLIP_END_TOKEN = 49407; // <|endoftext|>
/** CLIP reads merges[1:49152-256-2+1] of its merge file: 48,894 merges. */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;

const DEFAULT_CACHE_SIZE = 10_000;
/** Ids 0..255 are the byte symbols, 256..511 the same with '</w>', then one per merge. */
const FIRST_MERGE_ID = 512;

/**
 * bytes_to_unicode(): every byte gets a printable stand-in character so BPE
 * never sees whitespace or control characters. Printable Latin-1 bytes stand
 * for themselves; the other 68 bytes map to U+0100.. in byte order. Vocabulary
 * ids follow the order of this list (printable bytes first), not byte values.
 */
const { BYTE_SYMBOL, BYTE_ID } = (() => {
  const order: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) order.push(b); // '!'..'~'
  for (let b = 0xa1; b <= 0xac; b++) order.push(b); // '¡'..'¬'
  for (let b = 0xae; b <= 0xff; b++) order.push(b); // '®'..'ÿ'
  const symbol = new Array<string>(256);
  for (const b of order) symbol[b] = String.fromCharCode(b);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (symbol[b] === undefined) {
      symbol[b] = String.fromCharCode(256 + next++);
      order.push(b);
    }
  }
  const id = new Int32Array(256);
  order.forEach((b, index) => (id[b] = index));
  return { BYTE_SYMBOL: symbol, BYTE_ID: id };
})();

// Python's `regex` module \s (the Unicode White_Space property). JavaScript's \s
// differs: it lacks U+0085 and adds U+FEFF, so it is spelled out.
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const WHITESPACE_RUN = new RegExp(`[${WS}]+`, 'gu');

/**
 * CLIP's pre-tokeniser: special tokens, English contractions, runs of letters,
 * single digits, runs of anything else that is not whitespace. CLIP compiles it
 * with IGNORECASE; the text is already lower-cased, so that only matters for
 * case-folding oddities, kept for fidelity.
 */
const PRE_TOKEN = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${WS}\\p{L}\\p{N}]+`,
  'giu',
);

/** Python's str.isspace(): White_Space plus the separators U+001C..U+001F. */
function isPythonSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    (code >= 0x1c && code <= 0x20) ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** Python's str.strip(). A loop, not /\s+$/, which is quadratic on long space runs. */
function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonSpace(text.charCodeAt(start))) start++;
  while (end > start && isPythonSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

// Python's html.unescape(): the same reference syntax, the same fix-ups for
// numeric references (HTML5 "numeric character reference end state") and the
// same longest-prefix rule for named references without a ';'.
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;
const INVALID_CHARREFS: ReadonlyMap<number, string> = new Map([
  [0x00, '\uFFFD'], [0x0d, '\r'], [0x80, '\u20AC'], [0x81, '\x81'], [0x82, '\u201A'],
  [0x83, '\u0192'], [0x84, '\u201E'], [0x85, '\u2026'], [0x86, '\u2020'], [0x87, '\u2021'],
  [0x88, '\u02C6'], [0x89, '\u2030'], [0x8a, '\u0160'], [0x8b, '\u2039'], [0x8c, '\u0152'],
  [0x8d, '\x8d'], [0x8e, '\u017D'], [0x8f, '\x8f'], [0x90, '\x90'], [0x91, '\u2018'],
  [0x92, '\u2019'], [0x93, '\u201C'], [0x94, '\u201D'], [0x95, '\u2022'], [0x96, '\u2013'],
  [0x97, '\u2014'], [0x98, '\u02DC'], [0x99, '\u2122'], [0x9a, '\u0161'], [0x9b, '\u203A'],
  [0x9c, '\u0153'], [0x9d, '\x9d'], [0x9e, '\u017E'], [0x9f, '\u0178'],
]);

/** Code points html.unescape() drops: C0/C1 controls (not tab, LF, FF, CR), noncharacters. */
function isDroppedCodePoint(n: number): boolean {
  return (
    (n >= 0x01 && n <= 0x08) ||
    n === 0x0b ||
    (n >= 0x0e && n <= 0x1f) ||
    (n >= 0x7f && n <= 0x9f) ||
    (n >= 0xfdd0 && n <= 0xfdef) ||
    (n & 0xfffe) === 0xfffe
  );
}

function namedEntity(name: string): string | undefined {
  return Object.hasOwn(HTML5_ENTITIES, name) ? HTML5_ENTITIES[name] : undefined;
}

function replaceCharref(ref: string): string {
  if (ref[0] === '#') {
    const hex = ref[1] === 'x' || ref[1] === 'X';
    const digits = ref.slice(hex ? 2 : 1, ref.endsWith(';') ? -1 : undefined);
    // Absurdly long digit strings parse to huge numbers or Infinity: both are
    // > 0x10FFFF and become U+FFFD, as in Python.
    const n = parseInt(digits, hex ? 16 : 10);
    const fixed = INVALID_CHARREFS.get(n);
    if (fixed !== undefined) return fixed;
    if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return '\uFFFD';
    if (isDroppedCodePoint(n)) return '';
    return String.fromCodePoint(n);
  }
  const whole = namedEntity(ref);
  if (whole !== undefined) return whole;
  // "&ampfoo" -> "&foo": the longest known prefix of at least two characters.
  // Names are ASCII, so slicing by UTF-16 units finds the same prefix Python does.
  for (let length = ref.length - 1; length > 1; length--) {
    const value = namedEntity(ref.slice(0, length));
    if (value !== undefined) return value + ref.slice(length);
  }
  return '&' + ref;
}

function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF, (_match, ref: string) => replaceCharref(ref));
}

/** basic_clean + whitespace_clean + lower(), in CLIP's order. */
export function cleanText(text: string): string {
  // ftfy.fix_text() would go here; NFC is the part of it we keep (see top).
  let cleaned = text.normalize('NFC');
  // CLIP unescapes twice so "&amp;amp;" (double-escaped scraped captions) decodes fully.
  cleaned = pythonStrip(htmlUnescape(htmlUnescape(cleaned)));
  cleaned = pythonStrip(cleaned.replace(WHITESPACE_RUN, ' '));
  return cleaned.toLowerCase();
}

const utf8 = new TextEncoder();

export interface TokenizeOptions {
  /** Cut texts that do not fit, ending the row with the end token (default true). */
  truncate?: boolean;
}

export interface TokenizeResult {
  /** batch x contextLength, row-major: [49406, ...tokens, 49407, 0, 0, ...]. */
  ids: Int32Array;
  /** Per row, the ids before the zero padding (start and end tokens included). */
  lengths: number[];
}

export class ClipTokenizer {
  /** "left right" -> merge rank (0 = merged first); the merge's token id is 512 + rank. */
  private readonly ranks: Map<string, number>;
  /** Pre-token -> ids, least recently used first (Map keeps insertion order). */
  private readonly cache = new Map<string, readonly number[]>();
  private readonly cacheSize: number;

  private constructor(ranks: Map<string, number>, cacheSize: number) {
    this.ranks = ranks;
    this.cacheSize = cacheSize;
  }

  /**
   * Builds a tokenizer from models/clip-tokenizer/merges.txt: exactly the
   * 48,894 merges CLIP uses, one "left right" per line, no header.
   */
  static fromMerges(text: string, options: { cacheSize?: number } = {}): ClipTokenizer {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (lines.length !== CLIP_MERGE_COUNT) {
      throw new Error(
        `ClipTokenizer: expected ${CLIP_MERGE_COUNT} merges (models/clip-tokenizer/merges.txt), got ${lines.length} lines`,
      );
    }
    const ranks = new Map<string, number>();
    for (let rank = 0; rank < lines.length; rank++) {
      let line = lines[rank]!;
      // Tolerate a CRLF checkout; the key must be exactly "left right".
      if (line.endsWith('\r')) line = line.slice(0, -1);
      const space = line.indexOf(' ');
      if (space <= 0 || space === line.length - 1 || line.indexOf(' ', space + 1) !== -1) {
        throw new Error(`ClipTokenizer: merge ${rank + 1} is not "left right": ${JSON.stringify(line)}`);
      }
      ranks.set(line, rank);
    }
    const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new RangeError('ClipTokenizer: cacheSize must be an integer >= 0');
    return new ClipTokenizer(ranks, cacheSize);
  }

  /** Token ids of one text, without start/end tokens and without truncation. */
  encode(text: string): number[] {
    return this.encodeUpTo(text, Infinity);
  }

  /**
   * Rows of `[49406, ...tokens, 49407]` zero-padded to contextLength, as CLIP's
   * and open_clip's tokenize() return them. A text that does not fit keeps its
   * first contextLength - 2 tokens and still ends with 49407 (open_clip's rule),
   * or throws when truncate is false.
   */
  tokenize(texts: readonly string[], contextLength = CLIP_CONTEXT_LENGTH, options: TokenizeOptions = {}): TokenizeResult {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new RangeError(`ClipTokenizer: contextLength must be an integer >= 2, got ${contextLength}`);
    }
    const truncate = options.truncate ?? true;
    const room = contextLength - 2;
    const ids = new Int32Array(texts.length * contextLength);
    const lengths: number[] = [];
    texts.forEach((text, row) => {
      // One token past the room is enough to know the text does not fit; stopping
      // there bounds the work for very long inputs.
      const tokens = this.encodeUpTo(text, room + 1);
      if (tokens.length > room) {
        if (!truncate) {
          throw new Error(
            `ClipTokenizer: text ${row} is too long for context length ${contextLength} ` +
              `(more than ${room} tokens besides the start and end tokens); pass { truncate: true } to cut it`,
          );
        }
        tokens.length = room;
      }
      const offset = row * contextLength;
      ids[offset] = CLIP_START_TOKEN;
      ids.set(tokens, offset + 1);
      ids[offset + 1 + tokens.length] = CLIP_END_TOKEN;
      lengths.push(tokens.length + 2);
    });
    return { ids, lengths };
  }

  /** Encodes until more than `limit` ids have been produced (then stops early). */
  private encodeUpTo(text: string, limit: number): number[] {
    const out: number[] = [];
    for (const match of cleanText(text).matchAll(PRE_TOKEN)) {
      const token = match[0];
      // CLIP maps the literal special-token strings to their ids (its BPE cache is
      // seeded with them), so user text can contain them; kept for fidelity.
      if (token === '<|startoftext|>') out.push(CLIP_START_TOKEN);
      else if (token === '<|endoftext|>') out.push(CLIP_END_TOKEN);
      else for (const id of this.cachedBpe(token)) out.push(id);
      if (out.length > limit) break;
    }
    return out;
  }

  private cachedBpe(token: string): readonly number[] {
    const hit = this.cache.get(token);
    if (hit !== undefined) {
      // Re-insert to mark it most recently used.
      this.cache.delete(token);
      this.cache.set(token, hit);
      return hit;
    }
    const ids = this.bpe(token);
    if (this.cacheSize > 0) {
      if (this.cache.size >= this.cacheSize) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(token, ids);
    }
    return ids;
  }

  /**
   * CLIP's bpe(): start from one symbol per UTF-8 byte (the last one marked
   * end-of-word with '</w>'), then repeatedly merge every occurrence, left to
   * right, of the adjacent pair whose merge ranks lowest, until none is mergeable.
   * Ids ride along with the symbols: the merge of rank r makes token 512 + r
   * (build-vocab.mjs checks no two merges make the same token, so this is the
   * id CLIP's vocabulary gives it).
   */
  private bpe(token: string): number[] {
    const bytes = utf8.encode(token);
    const last = bytes.length - 1;
    let symbols: string[] = [];
    let ids: number[] = [];
    for (let i = 0; i <= last; i++) {
      const byte = bytes[i]!;
      symbols.push(i === last ? BYTE_SYMBOL[byte]! + '</w>' : BYTE_SYMBOL[byte]!);
      ids.push(i === last ? BYTE_ID[byte]! + 256 : BYTE_ID[byte]!);
    }
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(symbols[i] + ' ' + symbols[i + 1]);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          first = symbols[i]!;
          second = symbols[i + 1]!;
        }
      }
      if (bestRank === Infinity) break;
      const merged = first + second;
      const mergedId = FIRST_MERGE_ID + bestRank;
      const nextSymbols: string[] = [];
      const nextIds: number[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === first && symbols[i + 1] === second) {
          nextSymbols.push(merged);
          nextIds.push(mergedId);
          i++; // the pair's second half is consumed too
        } else {
          nextSymbols.push(symbols[i]!);
          nextIds.push(ids[i]!);
        }
      }
      symbols = nextSymbols;
      ids = nextIds;
    }
    return ids;
  }
}

/** The int64 tensor data MobileCLIP's ONNX text encoders take ([batch, 77]). */
export function toBigInt64(ids: Int32Array): BigInt64Array {
  const out = new BigInt64Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i]!);
  return out;
}
