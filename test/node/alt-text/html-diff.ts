/**
 * Checks that a rewritten page differs from the origin's only by `alt` and
 * `data-alt-source` attributes added to `<img>` tags that had no alt: every
 * byte outside the `<img>` start tags is identical, untouched tags are
 * identical, and each touched tag holds exactly the original attributes (each
 * written as before) followed by the two added ones. lol-html re-serialises an
 * edited tag with single spaces between attributes, so the whitespace inside a
 * touched tag is the one thing allowed to change.
 *
 * Returns what was added, by the image's src, in document order.
 */
export interface AddedAlt {
  src: string;
  /** The alt as the browser will read it (character references decoded). */
  alt: string;
  mark: string;
}

const IMG_TAG = /<img\b[^>]*>/gi;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;

function split(html: string): { between: string[]; tags: string[] } {
  const between: string[] = [];
  const tags: string[] = [];
  let last = 0;
  for (const match of html.matchAll(IMG_TAG)) {
    between.push(html.slice(last, match.index));
    tags.push(match[0]);
    last = match.index + match[0].length;
  }
  between.push(html.slice(last));
  return { between, tags };
}

function attributes(tag: string): Array<[string, string | null]> {
  const inner = tag.replace(/^<img/i, '').replace(/\/?>$/, '');
  return [...inner.matchAll(ATTRIBUTE)].map((m) => [m[1]!, m[2] ?? null]);
}

const unquote = (raw: string | null) => (raw === null ? '' : raw.replace(/^["']|["']$/g, ''));
const decode = (text: string) =>
  text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

export function addedAlts(original: string, rewritten: string): AddedAlt[] {
  const before = split(original);
  const after = split(rewritten);
  if (before.tags.length !== after.tags.length) throw new Error(`img tag count changed: ${before.tags.length} -> ${after.tags.length}`);
  before.between.forEach((segment, i) => {
    if (segment !== after.between[i]) throw new Error(`bytes outside img tags changed in segment ${i}: ${JSON.stringify(segment.slice(0, 120))} -> ${JSON.stringify(after.between[i]!.slice(0, 120))}`);
  });
  const added: AddedAlt[] = [];
  before.tags.forEach((tag, i) => {
    const now = after.tags[i]!;
    if (tag === now) return;
    const was = attributes(tag);
    const is = attributes(now);
    if (was.some(([name]) => name.toLowerCase() === 'alt')) throw new Error(`an author's alt was touched: ${tag} -> ${now}`);
    const kept = is.slice(0, was.length);
    if (JSON.stringify(kept) !== JSON.stringify(was)) throw new Error(`attributes of ${tag} changed: ${now}`);
    const extra = is.slice(was.length);
    if (extra.length !== 2 || extra[0]![0] !== 'alt' || extra[1]![0] !== 'data-alt-source') throw new Error(`unexpected attributes added to ${tag}: ${now}`);
    const src = unquote(was.find(([name]) => name.toLowerCase() === 'src')?.[1] ?? null);
    added.push({ src, alt: decode(unquote(extra[0]![1])), mark: unquote(extra[1]![1]) });
  });
  return added;
}
