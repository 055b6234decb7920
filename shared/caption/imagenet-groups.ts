/**
 * What the edge classifier's ImageNet labels mean for a caption: which labels
 * name a kind of an object the detector finds (a dog breed is a "dog"), and
 * which name a setting rather than a thing ("seashore" -> "on a beach").
 * Only labels of the bundled ImageNet-1k classifier appear here.
 */

/** ImageNet-1k classes 151-268: dog breeds (WordNet hyponyms of "dog"). */
const DOG_BREEDS = [
  'Chihuahua', 'Japanese spaniel', 'Maltese dog', 'Pekinese', 'Shih-Tzu', 'Blenheim spaniel', 'papillon',
  'toy terrier', 'Rhodesian ridgeback', 'Afghan hound', 'basset hound', 'beagle', 'bloodhound', 'bluetick',
  'black-and-tan coonhound', 'Walker hound', 'English foxhound', 'redbone', 'borzoi', 'Irish wolfhound',
  'Italian greyhound', 'whippet', 'Ibizan hound', 'Norwegian elkhound', 'otterhound', 'Saluki', 'Scottish deerhound',
  'Weimaraner', 'Staffordshire bullterrier', 'American Staffordshire terrier', 'Bedlington terrier', 'Border terrier',
  'Kerry blue terrier', 'Irish terrier', 'Norfolk terrier', 'Norwich terrier', 'Yorkshire terrier',
  'wire-haired fox terrier', 'Lakeland terrier', 'Sealyham terrier', 'Airedale terrier', 'cairn terrier',
  'Australian terrier', 'Dandie Dinmont terrier', 'Boston bull', 'miniature schnauzer', 'giant schnauzer',
  'standard schnauzer', 'Scotch terrier', 'Tibetan terrier', 'silky terrier', 'soft-coated wheaten terrier',
  'West Highland white terrier', 'Lhasa apso', 'flat-coated retriever', 'curly-coated retriever', 'golden retriever',
  'Labrador retriever', 'Chesapeake Bay retriever', 'German short-haired pointer', 'vizsla', 'English setter',
  'Irish setter', 'Gordon setter', 'Brittany spaniel', 'clumber spaniel', 'English springer spaniel',
  'Welsh springer spaniel', 'cocker spaniel', 'Sussex spaniel', 'Irish water spaniel', 'kuvasz', 'schipperke',
  'groenendael', 'malinois', 'briard', 'kelpie', 'komondor', 'Old English sheepdog', 'Shetland sheepdog', 'collie',
  'Border collie', 'Bouvier des Flandres', 'Rottweiler', 'German shepherd dog', 'Doberman pinscher',
  'miniature pinscher', 'Greater Swiss Mountain dog', 'Bernese mountain dog', 'Appenzeller', 'EntleBucher', 'boxer',
  'bull mastiff', 'Tibetan mastiff', 'French bulldog', 'Great Dane', 'Saint Bernard', 'Eskimo dog', 'malamute',
  'Siberian husky', 'dalmatian', 'affenpinscher', 'basenji', 'pug', 'Leonberg', 'Newfoundland dog', 'Great Pyrenees',
  'Samoyed', 'Pomeranian', 'chow chow', 'keeshond', 'Brabancon griffon', 'Pembroke', 'Cardigan', 'toy poodle',
  'miniature poodle', 'standard poodle', 'Mexican hairless',
];

/** ImageNet-1k classes 281-285, domestic cats. "tiger cat" means a striped tabby, not a tiger. */
const CAT_KINDS: Record<string, string> = {
  'tabby cat': 'tabby cat',
  'tiger cat': 'tabby cat',
  'Egyptian cat': 'tabby cat',
  'Persian cat': 'Persian cat',
  'Siamese cat': 'Siamese cat',
};

const KINDS: Record<string, Record<string, string>> = {
  dog: Object.fromEntries(DOG_BREEDS.map((breed) => [breed, breed])),
  cat: CAT_KINDS,
};

/** The more specific name for a detector label that a classifier label gives, e.g. ("dog", "cocker spaniel"). */
export function kindOf(objectLabel: string, tag: string): string | undefined {
  return KINDS[objectLabel]?.[tag];
}

/** The detector label a classifier label is a kind of, when there is one ("beagle" -> "dog"). */
export function objectOfKind(tag: string): string | undefined {
  for (const [object, kinds] of Object.entries(KINDS)) if (kinds[tag]) return object;
  return undefined;
}

/** ImageNet's landscape classes (970-980) as a whole-picture noun phrase and as a setting. */
export const SCENES: Record<string, { alone: string; setting: string }> = {
  alp: { alone: 'a mountain landscape', setting: 'in the mountains' },
  cliff: { alone: 'a cliff', setting: 'by a cliff' },
  'coral reef': { alone: 'a coral reef', setting: 'on a coral reef' },
  geyser: { alone: 'a geyser', setting: 'by a geyser' },
  lakeside: { alone: 'a lakeside', setting: 'by a lake' },
  promontory: { alone: 'a headland by the sea', setting: 'on a headland' },
  sandbar: { alone: 'a sandbar', setting: 'on a sandbar' },
  seashore: { alone: 'a beach', setting: 'on a beach' },
  valley: { alone: 'a valley', setting: 'in a valley' },
  volcano: { alone: 'a volcano', setting: 'near a volcano' },
};
