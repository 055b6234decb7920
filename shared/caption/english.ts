/**
 * The little English the edge caption needs: counts in words, plurals of the
 * detector's COCO labels and the classifier's kind names, articles, and
 * lists ("a dog, a bicycle and a car").
 */

const IRREGULAR_PLURALS: Record<string, string> = {
  person: 'people',
  mouse: 'mice',
  knife: 'knives',
  sheep: 'sheep',
  skis: 'skis',
  scissors: 'scissors',
  'sports ball': 'sports balls',
  'hair drier': 'hair driers',
  'cell phone': 'cell phones',
  broccoli: 'broccoli',
  'Maltese dog': 'Maltese dogs',
  'Pekinese': 'Pekinese',
  'Shih-Tzu': 'Shih-Tzus',
  'Boston bull': 'Boston terriers',
  'Lhasa apso': 'Lhasa apsos',
  'chow chow': 'chow chows',
};

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

export function plural(noun: string): string {
  const irregular = IRREGULAR_PLURALS[noun];
  if (irregular) return irregular;
  // Only the last word of a compound takes the plural ("wine glass" -> "wine glasses").
  const words = noun.split(' ');
  const last = words.pop()!;
  let pluralLast: string;
  if (/(s|x|z|ch|sh)$/i.test(last)) pluralLast = `${last}es`;
  else if (/[^aeiou]y$/i.test(last)) pluralLast = `${last.slice(0, -1)}ies`;
  else pluralLast = `${last}s`;
  return [...words, pluralLast].join(' ');
}

/** "a" or "an" by the sound of the first letter (good enough for the label sets used here). */
export function article(noun: string): string {
  if (/^(uni|use|eu|one)/i.test(noun)) return 'a';
  if (/^(hour|honest)/i.test(noun)) return 'an';
  return /^[aeiou]/i.test(noun) ? 'an' : 'a';
}

/** "a dog", "two dogs", "14 horses". */
export function counted(noun: string, count: number): string {
  if (count === 1) return `${article(noun)} ${noun}`;
  const number = count < NUMBER_WORDS.length ? NUMBER_WORDS[count]! : String(count);
  return `${number} ${plural(noun)}`;
}

/** "a", "a and b", "a, b and c". */
export function listJoin(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** First letter upper case (a sentence start), leaving the rest alone ("iPhone" stays inside a sentence). */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
