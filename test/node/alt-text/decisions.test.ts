import { describe, expect, it } from 'vitest';
import { readAltTextConfig } from '../../../shared/alt-text/config.ts';
import { decideAlt, decorativeReason, destinationOf, needsAnalysis } from '../../../shared/alt-text/decide.ts';
import { decodeAttribute, encodeAttribute } from '../../../shared/alt-text/html-entities.ts';
import type { ImageAnalysis, Occurrence } from '../../../shared/alt-text/model.ts';
import { publicLocation } from '../../../shared/alt-text/redirects.ts';
import { moderationHeader, tagsHeader } from '../../../shared/http/image-tags/headers.ts';

/**
 * The pure parts of the alt-text proxy: the WAI decision tree, attribute
 * decoding, the tagging headers and the redirect mapping (which local
 * miniflare cannot show end to end: it follows redirects itself).
 */
const ORIGIN = 'https://site.example';
const analysis: ImageAnalysis = { sha256: 'a'.repeat(64), caption: 'Two dogs on a beach.', source: 'edge', confidence: 0.5 };
const textImage: ImageAnalysis = { ...analysis, text: 'OPEN\n7 days   a week' };
const occurrence = (context: Partial<Occurrence['context']>, decorative?: Occurrence['decorative']): Occurrence => ({
  slot: 's',
  src: `${ORIGIN}/a.jpg`,
  context: { kind: 'none', otherContent: false, ...context },
  ...(decorative ? { decorative } : {}),
});

describe('decorativeReason', () => {
  it('reads decorative images from the markup', () => {
    expect(decorativeReason({ src: '/a.jpg', ariaHidden: 'true' })).toBe('aria-hidden');
    expect(decorativeReason({ src: '/a.jpg', role: 'presentation' })).toBe('presentation');
    expect(decorativeReason({ src: '/a.jpg', role: 'none' })).toBe('presentation');
    expect(decorativeReason({ src: '/a.jpg', width: '1', height: '1' })).toBe('tiny');
    expect(decorativeReason({ src: '/a.jpg', width: '600', height: '2px' })).toBe('tiny');
    expect(decorativeReason({ src: '/images/spacer.gif' })).toBe('spacer');
    expect(decorativeReason({ src: 'https://cdn.example/t/1x1.png?x=1' })).toBe('spacer');
  });

  it('does not call ordinary images decorative', () => {
    expect(decorativeReason({ src: '/photos/clear-sky.jpg', width: '320', height: '200' })).toBeUndefined();
    expect(decorativeReason({ src: '/a.jpg', ariaHidden: 'false', role: 'img' })).toBeUndefined();
    expect(decorativeReason({ src: '/a.jpg', width: '12' })).toBeUndefined();
  });
});

describe('destinationOf', () => {
  it('says where a link leads when its URL says it in words', () => {
    expect(destinationOf(`${ORIGIN}/pricing`, ORIGIN)).toBe('Pricing');
    expect(destinationOf(`${ORIGIN}/docs/getting_started.html`, ORIGIN)).toBe('Getting started');
    expect(destinationOf(`${ORIGIN}/`, ORIGIN)).toBe('Home page');
    expect(destinationOf('https://www.github.com/x/y', ORIGIN)).toBe('github.com');
    expect(destinationOf('mailto:hello@site.example', ORIGIN)).toBe('Email hello@site.example');
  });

  it('says nothing when the URL is an id', () => {
    expect(destinationOf(`${ORIGIN}/p/12345`, ORIGIN)).toBeUndefined();
    expect(destinationOf(`${ORIGIN}/index.html`, ORIGIN)).toBeUndefined();
    expect(destinationOf(`${ORIGIN}/?id=3`, ORIGIN)).toBeUndefined();
    expect(destinationOf('javascript:void(0)', ORIGIN)).toBeUndefined();
  });
});

describe('decideAlt (WAI decision tree)', () => {
  it('walks the tree in order', () => {
    expect(decideAlt(occurrence({}, 'tiny'), undefined, ORIGIN)).toMatchObject({ alt: '', reason: 'decorative' });
    expect(decideAlt(occurrence({ kind: 'link', href: `${ORIGIN}/about`, otherContent: true }), undefined, ORIGIN)).toMatchObject({ alt: '', reason: 'redundant' });
    expect(decideAlt(occurrence({ kind: 'link', href: `${ORIGIN}/p/1`, label: 'Our  shop' }), undefined, ORIGIN)).toMatchObject({ alt: 'Our shop', reason: 'label' });
    expect(decideAlt(occurrence({ kind: 'button', title: 'Close' }), undefined, ORIGIN)).toMatchObject({ alt: 'Close', reason: 'label' });
    expect(decideAlt(occurrence({ kind: 'link', href: `${ORIGIN}/contact-us` }), textImage, ORIGIN)).toMatchObject({ alt: 'OPEN 7 days a week', reason: 'text' });
    expect(decideAlt(occurrence({ kind: 'link', href: `${ORIGIN}/contact-us` }), analysis, ORIGIN)).toMatchObject({ alt: 'Contact us', reason: 'destination' });
    expect(decideAlt(occurrence({ kind: 'button' }), analysis, ORIGIN)).toMatchObject({ alt: 'Two dogs on a beach.', reason: 'caption' });
    expect(decideAlt(occurrence({}), textImage, ORIGIN)).toMatchObject({ alt: 'OPEN 7 days a week', reason: 'text', source: 'ocr' });
    expect(decideAlt(occurrence({}), analysis, ORIGIN)).toEqual({ alt: 'Two dogs on a beach.', reason: 'caption', source: 'edge', confidence: 0.5 });
  });

  it('asks the models only when the answer depends on the picture', () => {
    expect(needsAnalysis(occurrence({}, 'spacer'))).toBe(false);
    expect(needsAnalysis(occurrence({ kind: 'link', otherContent: true }))).toBe(false);
    expect(needsAnalysis(occurrence({ kind: 'link', label: 'Home' }))).toBe(false);
    expect(needsAnalysis(occurrence({ kind: 'link' }))).toBe(true);
    expect(needsAnalysis(occurrence({}))).toBe(true);
  });

  it('cuts long text at a word', () => {
    const long = { ...analysis, text: 'word '.repeat(100) };
    const { alt } = decideAlt(occurrence({}), long, ORIGIN);
    expect(alt!.length).toBeLessThanOrEqual(250);
    expect(alt!.endsWith('word…')).toBe(true);
  });
});

describe('attribute text', () => {
  it('decodes what lol-html hands over as written', () => {
    expect(decodeAttribute('Tea &amp; cake &#233;t&eacute; &quot;x&quot; &#x1F600; &bogus; &Uuml;ber')).toBe('Tea & cake été "x" 😀 &bogus; Über');
    expect(decodeAttribute('/a?b=1&amp;c=2')).toBe('/a?b=1&c=2');
  });

  it('escapes & so a caption never turns into markup', () => {
    expect(encodeAttribute('a &lt; b & c')).toBe('a &amp;lt; b &amp; c');
  });
});

describe('image tag headers', () => {
  const verdict = {
    tags: [
      { label: 'tabby, tabby cat', score: 0.6234 },
      { label: 'say "cheese" \\ é', score: 0.0001 },
    ],
    moderation: { flagged: true, flagged_categories: ['porn', 'sexy'], categories: { porn: 0.91, Sexy: 0.05, neutral: 0.04, drawing: 0, hentai: 1 } },
  };

  it('writes RFC 8941 structured fields', () => {
    expect(tagsHeader(verdict)).toBe('"tabby, tabby cat";score=0.623, "say \\"cheese\\" \\\\ ?";score=0.0');
    expect(moderationHeader(verdict)).toBe('flagged;by="porn sexy";drawing=0.0;hentai=1.0;neutral=0.04;porn=0.91;sexy=0.05');
    expect(moderationHeader({ ...verdict, moderation: { flagged: false, flagged_categories: [], categories: { neutral: 0.97 } } })).toBe('safe;neutral=0.97');
  });
});

describe('redirects and configuration', () => {
  const config = readAltTextConfig({ ORIGIN: 'http://127.0.0.1:8080/ignored/path' });

  it('maps a redirect to the origin onto the proxy, and leaves others alone', () => {
    const toOrigin = publicLocation(new Response(null, { status: 301, headers: { location: 'http://127.0.0.1:8080/new?a=1#top' } }), config, 'https://site.example');
    expect(toOrigin.headers.get('location')).toBe('https://site.example/new?a=1#top');
    const relative = publicLocation(new Response(null, { status: 302, headers: { location: '/login' } }), config, 'https://site.example');
    expect(relative.headers.get('location')).toBe('https://site.example/login');
    const elsewhere = publicLocation(new Response(null, { status: 302, headers: { location: 'https://auth.example/x' } }), config, 'https://site.example');
    expect(elsewhere.headers.get('location')).toBe('https://auth.example/x');
  });

  it('refuses a missing or odd ORIGIN loudly', () => {
    expect(config.origin.href).toBe('http://127.0.0.1:8080/');
    expect(() => readAltTextConfig({})).toThrow(/ORIGIN is not set/);
    expect(() => readAltTextConfig({ ORIGIN: 'ftp://x' })).toThrow(/http\(s\)/);
    expect(() => readAltTextConfig({ ORIGIN: 'https://x.example', PAGE_TTL_SECONDS: '5' })).toThrow(/at least 60/);
    expect(() => readAltTextConfig({ ORIGIN: 'https://x.example', IMAGE_POLICY: 'hide' })).toThrow(/IMAGE_POLICY/);
  });
});
