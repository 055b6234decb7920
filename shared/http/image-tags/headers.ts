/**
 * The two response headers, as RFC 8941 structured fields so any client's
 * structured-field parser reads them:
 *
 *   X-Image-Tags: "tabby cat";score=0.62, "tiger cat";score=0.21
 *   X-Image-Moderation: safe;drawing=0.01;hentai=0.0;neutral=0.97;porn=0.01;sexy=0.01
 *   X-Image-Moderation: flagged;by="porn";drawing=0.0;hentai=0.05;neutral=0.02;porn=0.91;sexy=0.02
 *
 * (a list of strings with a `score` parameter; a token with one decimal
 * parameter per category and, when flagged, the categories that flagged it).
 */
export interface ImageVerdict {
  tags: Array<{ label: string; score: number }>;
  moderation: { flagged: boolean; flagged_categories: string[]; categories: Record<string, number> };
}

export const TAGS_HEADER = 'x-image-tags';
export const MODERATION_HEADER = 'x-image-moderation';

/** An sf-decimal: at most three fractional digits, at least one. */
function decimal(value: number): string {
  const fixed = (Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000).toFixed(3).replace(/0+$/, '');
  return fixed.endsWith('.') ? `${fixed}0` : fixed;
}

/** An sf-string: printable ASCII only, `"` and `\` escaped (other characters become `?`). */
function sfString(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}

/** An sf-key: lowercase letters, digits, `_-.*`, starting with a letter. */
function sfKey(name: string): string | undefined {
  const key = name.toLowerCase().replace(/[^a-z0-9_.*-]/g, '_');
  return /^[a-z*]/.test(key) ? key : undefined;
}

export function tagsHeader(verdict: ImageVerdict): string {
  return verdict.tags.map((tag) => `${sfString(tag.label)};score=${decimal(tag.score)}`).join(', ');
}

export function moderationHeader(verdict: ImageVerdict): string {
  const { flagged, flagged_categories: by, categories } = verdict.moderation;
  const params = Object.entries(categories)
    .map(([name, score]) => [sfKey(name), score] as const)
    .filter((entry): entry is readonly [string, number] => entry[0] !== undefined && entry[0] !== 'by')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, score]) => `;${key}=${decimal(score)}`)
    .join('');
  return `${flagged ? 'flagged' : 'safe'}${flagged && by.length ? `;by=${sfString(by.join(' '))}` : ''}${params}`;
}
