import { ALT_MAX_CHARS, CAPTION_MAX_CHARS, clip, DETAILED_MAX_CHARS } from './alt-text.ts';
import { capitalize, counted, listJoin } from './english.ts';
import { kindOf, objectOfKind, SCENES } from './imagenet-groups.ts';

/**
 * The edge caption: a short, honest sentence built only from what the edge
 * models found — objects with counts (detector), a more specific kind or a
 * setting (classifier), and the words of an image of text (OCR), e.g. "Two
 * people and a sports ball." It never names anything no model reported, and
 * its confidence is kept below a GPU captioner's. A pure function, so any
 * Worker can compose alt text from the same sections.
 */
export interface EdgeFindings {
  /** Classifier labels, best first. */
  tags: ReadonlyArray<{ label: string; score: number }>;
  /** Detector objects, best first. */
  objects: ReadonlyArray<{ label: string; score: number; box: Box }>;
  /** OCR result, when it was run. */
  text?: { lines: ReadonlyArray<{ text: string; score: number; box: Box }> } | undefined;
  /** Upright image size, to judge how much of the picture is text. */
  width: number;
  height: number;
}

interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface EdgeCaption {
  /** One sentence, 125 characters or fewer, no "image of"; for an image of text, the text itself. */
  alt: string;
  /** One sentence. */
  caption: string;
  /** A few sentences: the caption, then what else the models suggested and the text they read. */
  detailed: string;
  /** 0-0.6: how sure the models were of what the caption names (never as high as a GPU captioner's). */
  confidence: number;
  /** What the caption names, for logs and tests. */
  named: string[];
}

/** Below these scores a finding is not named. */
export const THRESHOLDS = {
  object: 0.4,
  tag: 0.3,
  /** A tag between this and `tag` is named with a hedge ("Possibly a zebra."). */
  hedgedTag: 0.12,
  /** The classifier judges the whole picture: only a confident label may rename a detected object. */
  kind: 0.6,
  scene: 0.2,
  textLine: 0.6,
} as const;

/** Edge captions are capped below this confidence: a few small models are not a captioner. */
const MAX_CONFIDENCE = 0.6;
const MAX_GROUPS = 4;

interface Group {
  label: string;
  name: string;
  count: number;
  score: number;
}

function objectGroups(findings: EdgeFindings): Group[] {
  const groups = new Map<string, Group>();
  for (const object of findings.objects) {
    if (object.score < THRESHOLDS.object) continue;
    const group = groups.get(object.label);
    if (group) group.count++;
    else groups.set(object.label, { label: object.label, name: object.label, count: 1, score: object.score });
  }
  // A confident classifier label that is a kind of a detected object names it more precisely
  // ("two dogs" -> "two cocker spaniels").
  for (const tag of findings.tags) {
    if (tag.score < THRESHOLDS.kind) continue;
    const object = objectOfKind(tag.label);
    const group = object ? groups.get(object) : undefined;
    if (group && group.name === group.label) group.name = kindOf(object!, tag.label)!;
  }
  return [...groups.values()];
}

function sceneOf(findings: EdgeFindings): { tag: string; alone: string; setting: string; score: number } | undefined {
  const tag = findings.tags.find((t) => t.score >= THRESHOLDS.scene && SCENES[t.label]);
  return tag ? { tag: tag.label, ...SCENES[tag.label]!, score: tag.score } : undefined;
}

interface TextFinding {
  text: string;
  score: number;
  /** Mostly text: the words are what the picture is (a page, a sign, a screenshot). */
  isTextImage: boolean;
}

function textOf(findings: EdgeFindings, groups: Group[]): TextFinding | undefined {
  const lines = (findings.text?.lines ?? []).filter((line) => line.score >= THRESHOLDS.textLine && line.text.trim());
  if (!lines.length) return undefined;
  const text = lines.map((line) => line.text.trim()).join(' ');
  const area = lines.reduce((sum, { box }) => sum + Math.max(0, box.xmax - box.xmin) * Math.max(0, box.ymax - box.ymin), 0);
  const coverage = area / Math.max(1, findings.width * findings.height);
  const score = lines.reduce((sum, line) => sum + line.score, 0) / lines.length;
  const isTextImage = groups.length === 0 && (coverage >= 0.1 || text.length >= 60) && text.length >= 12;
  return { text, score, isTextImage };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const round2 = (x: number) => Math.round(x * 100) / 100;
const sentence = (text: string) => `${capitalize(text)}.`;

export function composeEdgeCaption(findings: EdgeFindings): EdgeCaption {
  const groups = objectGroups(findings);
  const scene = sceneOf(findings);
  const text = textOf(findings, groups);
  const topTag = findings.tags[0];

  if (text?.isTextImage) {
    // W3C WAI: for an image of text, the alt text is the text itself.
    const quoted = clip(text.text, CAPTION_MAX_CHARS - 20);
    return {
      alt: clip(text.text, ALT_MAX_CHARS),
      caption: `Text reading “${quoted}”.`,
      detailed: clip(`Text reading “${clip(text.text, DETAILED_MAX_CHARS - 40)}”.`, DETAILED_MAX_CHARS),
      confidence: round2(Math.min(MAX_CONFIDENCE, 0.6 * text.score)),
      named: ['text'],
    };
  }

  const textSuffix = (max: number) => (text ? ` with the text “${clip(text.text, max)}”` : '');
  let subjects: string[];
  let named: string[];
  let scores: number[];
  let hedge = '';
  let setting = scene && groups.length ? ` ${scene.setting}` : '';

  if (groups.length) {
    subjects = groups.map((g) => counted(g.name, g.count));
    named = groups.map((g) => g.name);
    scores = groups.map((g) => g.score);
    if (scene) {
      named.push(scene.tag);
      scores.push(scene.score);
    }
  } else if (scene) {
    subjects = [scene.alone];
    named = [scene.tag];
    scores = [scene.score];
  } else if (topTag && topTag.score >= THRESHOLDS.hedgedTag) {
    const object = objectOfKind(topTag.label);
    const name = object ? kindOf(object, topTag.label)! : topTag.label;
    subjects = [counted(name, 1)];
    named = [name];
    scores = [topTag.score];
    if (topTag.score < THRESHOLDS.tag) hedge = 'possibly ';
  } else if (text) {
    subjects = ['text'];
    named = ['text'];
    scores = [text.score];
    setting = '';
  } else {
    return {
      alt: 'Nothing the edge models could recognise with confidence.',
      caption: 'Nothing the edge models could recognise with confidence.',
      detailed: 'Nothing the edge models could recognise with confidence: no object, label or text scored high enough to be named.',
      confidence: 0.05,
      named: [],
    };
  }
  if (text && !named.includes('text')) {
    named.push('text');
    scores.push(text.score);
  }

  const caption = clip(sentence(`${hedge}${listJoin(subjects.slice(0, MAX_GROUPS))}${setting}${subjects[0] === 'text' ? '' : textSuffix(60)}`), CAPTION_MAX_CHARS);

  // Alt text: drop detail until one sentence fits in 125 characters.
  const altCandidates = [
    `${hedge}${listJoin(subjects.slice(0, MAX_GROUPS))}${setting}${subjects[0] === 'text' ? '' : textSuffix(40)}`,
    `${hedge}${listJoin(subjects.slice(0, MAX_GROUPS))}${setting}`,
    `${hedge}${listJoin(subjects.slice(0, 3))}`,
    `${hedge}${listJoin(subjects.slice(0, 2))}`,
  ];
  const alt = altCandidates.map(sentence).find((s) => s.length <= ALT_MAX_CHARS) ?? clip(sentence(altCandidates.at(-1)!), ALT_MAX_CHARS);

  const details = [caption];
  if (groups.length > MAX_GROUPS) details.push(sentence(`also ${listJoin(groups.slice(MAX_GROUPS).map((g) => counted(g.name, g.count)))}`));
  const used = new Set([...named, ...groups.map((g) => g.label)]);
  // Other suggestions, leaving out kinds of objects already named (no second guess at a dog's breed).
  const otherTags = findings.tags.filter((t) => {
    const object = objectOfKind(t.label);
    return t.score >= 0.1 && !used.has(t.label) && !(object && used.has(object)) && !(object && named.includes(kindOf(object, t.label)!));
  });
  if (otherTags.length) details.push(sentence(`the classifier also suggests ${listJoin(otherTags.slice(0, 3).map((t) => t.label))}`));
  if (text) details.push(`Text in the image reads “${clip(text.text, 600)}”.`);

  return {
    alt,
    caption,
    detailed: clip(details.join(' '), DETAILED_MAX_CHARS),
    confidence: round2(Math.min(MAX_CONFIDENCE, (hedge ? 0.5 : 0.6) * mean(scores))),
    named,
  };
}
