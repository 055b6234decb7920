import { decorativeReason } from './decide.ts';
import { decodeAttribute, encodeAttribute } from './html-entities.ts';
import { languageTag, slotKey, type ImageContext, type Occurrence, type PageRecord } from './model.ts';

/**
 * Streams an HTML page through HTMLRewriter and fills missing alt text from
 * the page's record, never waiting on a model.
 *
 * Cost: the page record is one KV read started before the origin is even
 * asked (see proxy.ts), so by the time the first `<img>` streams past it has
 * almost always arrived; an image handler awaits it only if it has not. No
 * handler makes a read of its own: a KV read per image would hold the stream
 * once per image (HTMLRewriter waits for an async handler before it emits
 * anything after that element), which bench/alt-text.mjs measures.
 *
 * Only the `alt` and `data-alt-source` attributes of an `<img>` without any
 * alt are ever touched; every other byte streams through as it came (an edited
 * start tag is re-serialised by lol-html with single spaces between its
 * attributes, each attribute's own quoting kept).
 */
export const GENERATED_MARK = 'data-alt-source';

export interface RewriteOptions {
  /** The page's public URL (what relative image URLs resolve against). */
  pageUrl: URL;
  /** The page's record, already being read. */
  record: Promise<PageRecord | undefined>;
  /** Called once the whole page has streamed: the images still without alt, and the page's language. */
  onMisses(misses: Occurrence[], lang: string | undefined): void;
}

interface Control {
  context: ImageContext;
  /** Images seen inside, each with its own context object (filled as the control streams). */
  images: ImageContext[];
}

/** An attribute's value as the author meant it (lol-html gives it with its character references). */
const attribute = (element: Element, name: string): string | undefined => {
  const raw = element.getAttribute(name);
  return raw === null ? undefined : decodeAttribute(raw);
};

export function rewriteHtml(response: Response, options: RewriteOptions): Response {
  let base = options.pageUrl;
  let baseSeen = false;
  let lang: string | undefined;
  let record: PageRecord | undefined;
  let recordReady = false;
  const recordPromise = options.record.then(
    (value) => {
      record = value;
      recordReady = true;
      return value;
    },
    () => {
      recordReady = true;
      return undefined;
    },
  );
  const controls: Control[] = [];
  /** Images the record had nothing for (decorative ones included until the record is checked). */
  const candidates = new Map<string, Occurrence>();
  const entryOf = (current: PageRecord | undefined, slot: string) => (current && current.lang === lang ? current.images[slot] : undefined);

  const openControl = (element: Element, kind: 'link' | 'button') => {
    let href: string | undefined;
    if (kind === 'link') {
      try {
        href = new URL(attribute(element, 'href') ?? '', base).href;
      } catch {
        href = undefined;
      }
    }
    const label = attribute(element, 'aria-label')?.trim() || attribute(element, 'title')?.trim() || undefined;
    const control: Control = { context: { kind, href, label, otherContent: false }, images: [] };
    controls.push(control);
    try {
      element.onEndTag(() => {
        const index = controls.lastIndexOf(control);
        if (index >= 0) controls.splice(index, 1);
      });
    } catch {
      // An element that cannot have an end tag: nothing to close.
    }
  };

  /** Text or an image with alt inside a control: its images are not its only content. */
  const contentSeen = () => {
    for (const control of controls) {
      control.context.otherContent = true;
      for (const image of control.images) image.otherContent = true;
    }
  };

  const rewriter = new HTMLRewriter()
    .on('html', {
      element(element) {
        lang = languageTag(attribute(element, 'lang') ?? attribute(element, 'xml:lang'));
      },
    })
    .on('base[href]', {
      element(element) {
        if (baseSeen) return;
        baseSeen = true;
        try {
          base = new URL(attribute(element, 'href')!, options.pageUrl);
        } catch {
          // An invalid base is ignored, as browsers do.
        }
      },
    })
    .on('a[href]', { element: (element) => openControl(element, 'link') })
    .on('button', { element: (element) => openControl(element, 'button') })
    .on('img', {
      element(element) {
        if (element.hasAttribute('alt')) {
          if (attribute(element, 'alt')!.trim()) contentSeen();
          return;
        }
        const rawSrc = attribute(element, 'src')?.trim();
        if (!rawSrc || rawSrc.startsWith('data:')) return;
        let src: string;
        try {
          src = new URL(rawSrc, base).href;
        } catch {
          return;
        }
        const control = controls[controls.length - 1];
        const context: ImageContext = control
          ? { ...control.context, title: attribute(element, 'title')?.trim() || undefined, otherContent: control.context.otherContent }
          : { kind: 'none', otherContent: false };
        control?.images.push(context);
        const slot = slotKey(src, context);
        const decorative = decorativeReason({
          src: rawSrc,
          width: element.getAttribute('width'),
          height: element.getAttribute('height'),
          role: element.getAttribute('role'),
          ariaHidden: element.getAttribute('aria-hidden'),
        });
        const apply = (alt: string) => {
          element.setAttribute('alt', encodeAttribute(alt));
          element.setAttribute(GENERATED_MARK, 'auto');
        };
        // Decorative needs no model: fixed on the first view already, and
        // recorded (for the report) once the page's record is known at the end.
        if (decorative) {
          apply('');
          if (!candidates.has(slot)) candidates.set(slot, { slot, src, context, decorative });
          return;
        }
        const fromRecord = (current: PageRecord | undefined) => {
          const entry = entryOf(current, slot);
          if (entry) {
            if (entry.alt !== null) apply(entry.alt);
          } else if (!candidates.has(slot)) {
            candidates.set(slot, { slot, src, context });
          }
        };
        if (recordReady) return fromRecord(record);
        return recordPromise.then(fromRecord);
      },
    })
    .onDocument({
      text(chunk) {
        if (controls.length && chunk.text.trim()) contentSeen();
      },
      async end() {
        const current = await recordPromise;
        options.onMisses([...candidates.values()].filter((occurrence) => !entryOf(current, occurrence.slot)), lang);
      },
    });
  return rewriter.transform(response);
}
