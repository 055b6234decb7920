import { existsSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHarness, type TestHarness } from 'wrangler';
import { addedAlts } from './html-diff.ts';
import { ARTICLE, IMAGES, SECOND, startOrigin, type OriginServer } from './origin-server.ts';

/**
 * The alt-text proxy end to end: its Worker (functions/alt-text) in front of a
 * local origin, the API Worker and the OCR Worker behind its VISION binding,
 * the real edge models, miniflare's local KV and Queues. Nothing is mocked.
 */
const PAGE = '/articles/field-notes.html';
const SECOND_PAGE = '/articles/second.html';
const CONSUMER_AGENT = 'edge-vision-alt-text';
const CHROMIUM = '/usr/bin/chromium';

interface Report {
  page: string;
  lang: string | null;
  images: Array<{ src: string; context: string; alt: string | null; reason: string; source: string; confidence?: number; detail?: string }>;
}

let origin: OriginServer;
let harness: TestHarness;
let proxyUrl: URL;

async function text(path: string): Promise<{ status: number; type: string | null; body: string }> {
  const response = await harness.fetch(path);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** Polls the report until `done` holds: the consumer runs after the view, in the background. */
async function reportWhen(page: string, done: (report: Report) => boolean, timeoutMs = 120_000): Promise<Report> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const response = await harness.fetch(`/v1/alt-text/report?page=${encodeURIComponent(page)}`);
    last = await response.text();
    if (response.status === 200 && done(JSON.parse(last) as Report)) return JSON.parse(last) as Report;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no complete report for ${page} within ${timeoutMs} ms; last answer: ${last.slice(0, 300)}`);
}

/** What the API itself answers for an image, to compare the generated alt with. */
async function apiAnswer(path: string, image: string): Promise<Record<string, unknown>> {
  const bytes = readFileSync(new URL(`../../fixtures/${IMAGES[image]}`, import.meta.url));
  const response = await harness.getWorker('edge-vision-api').fetch(path, { method: 'POST', body: bytes });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

const logEvents = (event: string) =>
  harness
    .getLogs()
    .map((log) => {
      try {
        return JSON.parse(log.message) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    })
    .filter((entry) => entry?.event === event);

beforeAll(async () => {
  origin = await startOrigin();
  harness = createTestHarness({
    workers: [
      { configPath: 'functions/alt-text/wrangler.toml', vars: { ORIGIN: origin.origin } },
      // The consumer's calls all come from one address: the API's per-IP limit is not what is tested here.
      { configPath: 'wrangler.toml', vars: { RATE_LIMITS: 'off' } },
      { configPath: 'functions/ocr/wrangler.toml' },
      // The API's MobileCLIP bindings must resolve, as in production (idle here).
      { configPath: 'functions/model-host/wrangler.clip-image.toml' },
      { configPath: 'functions/model-host/wrangler.clip-text.toml' },
    ],
  });
  proxyUrl = (await harness.listen()).url;
}, 180_000);

afterAll(async () => {
  await harness?.close();
  await origin?.close();
});

describe('alt-text proxy', () => {
  it('passes non-HTML answers through untouched, byte for byte', async () => {
    const json = await text('/data.json');
    expect(json.type).toBe('application/json');
    expect(json.body).toBe('{"img":"<img src=\\"/img/cat.jpg\\">"}');

    const image = await harness.fetch('/img/cat.jpg');
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await image.arrayBuffer()).equals(readFileSync(new URL('../../fixtures/photos/cat-chelsea.jpg', import.meta.url)))).toBe(true);
    // IMAGE_TAGS is off by default.
    expect(image.headers.get('x-image-tags')).toBeNull();

    const missing = await harness.fetch('/nowhere');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('not found');
  });

  it('serves the first view unchanged (decorative images aside, which need no model) and queues the rest', async () => {
    const first = await text(PAGE);
    expect(first.status).toBe(200);
    // Decorative images are decided from the markup alone, so they are fixed at once; nothing else is touched.
    expect(addedAlts(ARTICLE, first.body)).toEqual([
      { src: '/img/spacer.gif', alt: '', mark: 'auto' },
      { src: '/img/divider.png', alt: '', mark: 'auto' },
      { src: '/img/hidden.jpg', alt: '', mark: 'auto' },
    ]);
    // Nothing of the page waited on a model: no image was even fetched yet by the time the page was complete.
    expect(origin.hits('/img/dog-bicycle-truck.jpg', CONSUMER_AGENT)).toBe(0);
  });

  it('gives each kind of image the right alt on a later view, and changes nothing else', async () => {
    const report = await reportWhen(PAGE, (r) => r.images.length === 12);
    const second = await text(PAGE);
    const added = new Map(addedAlts(ARTICLE, second.body).map((entry) => [entry.src, entry]));
    for (const entry of added.values()) expect(entry.mark).toBe('auto');

    // An author's alt, alt="" included, and data: URLs are never touched (addedAlts checks the bytes).
    for (const untouched of ['/img/cat.jpg', '/img/flowers.jpg', '/img/cmyk.jpg']) expect(added.has(untouched)).toBe(false);

    // A picture on its own: the API's short alt caption for it, exactly.
    const dogCaption = await apiAnswer('/v1/caption?style=alt', 'dog-bicycle-truck.jpg');
    expect(added.get('/img/dog-bicycle-truck.jpg')!.alt).toBe(dogCaption.alt_text);
    expect(dogCaption.alt_text).toMatch(/dog/i);

    // The only content of a link: where it leads when the URL says it in words ...
    expect(added.get('/img/coffee.png')!.alt).toBe('Pricing');
    // ... the link's own title when it has one ...
    expect(added.get('/img/eagle.jpg')!.alt).toBe('Our 2024 gallery');
    // ... else (an id in the URL) the caption.
    const giraffeCaption = await apiAnswer('/v1/caption?style=alt', 'giraffe-zebra.jpg');
    expect(added.get('/img/giraffe-zebra.jpg')!.alt).toBe(giraffeCaption.alt_text);
    // A link that has its own text: the image is redundant.
    expect(added.get('/img/horses.jpg')!.alt).toBe('');
    // An image of text inside a link: its words.
    expect(added.get('/img/sign.jpg')!.alt).toBe('FIRE EXIT Keep this door clear No parking 8am - 6pm');
    // A button says what it does (its aria-label, character references decoded).
    expect(added.get('/img/raccoon.jpg')!.alt).toBe('Play & pause the raccoon video');
    // Decorative.
    for (const decorative of ['/img/spacer.gif', '/img/divider.png', '/img/hidden.jpg']) expect(added.get(decorative)!.alt).toBe('');
    // An image of text: its OCR text, cut at a word past 250 characters.
    const pageText = added.get('/img/page-text.png')!.alt;
    const ocr = await apiAnswer('/v1/ocr', 'page-text.png');
    expect(pageText.startsWith('Region-based segmentation Let us first determine markers')).toBe(true);
    expect(pageText.length).toBeLessThanOrEqual(250);
    expect((ocr.text as string).replace(/\s+/g, ' ').startsWith(pageText.replace(/…$/, ''))).toBe(true);

    expect(added.size).toBe(11);

    // The report says what was generated and why, and that the CMYK JPEG could not be read.
    const bySrc = new Map(report.images.map((image) => [new URL(image.src).pathname, image]));
    expect(report.lang).toBe('en');
    expect(bySrc.get('/img/dog-bicycle-truck.jpg')).toMatchObject({ reason: 'caption', source: 'edge', context: 'none' });
    expect(bySrc.get('/img/coffee.png')).toMatchObject({ reason: 'destination', context: 'link' });
    expect(bySrc.get('/img/eagle.jpg')).toMatchObject({ reason: 'label', context: 'link' });
    expect(bySrc.get('/img/horses.jpg')).toMatchObject({ reason: 'redundant', alt: '' });
    expect(bySrc.get('/img/sign.jpg')).toMatchObject({ reason: 'text', source: 'ocr' });
    expect(bySrc.get('/img/raccoon.jpg')).toMatchObject({ reason: 'label', context: 'button' });
    expect(bySrc.get('/img/hidden.jpg')).toMatchObject({ reason: 'decorative', alt: '' });
    expect(bySrc.get('/img/cmyk.jpg')).toMatchObject({ reason: 'failed', alt: null });
    expect(bySrc.get('/img/cmyk.jpg')!.detail).toMatch(/CMYK/);
  });

  it('fetches and captions each image once however many pages use it', async () => {
    const first = await text(SECOND_PAGE);
    expect(addedAlts(SECOND, first.body)).toEqual([]);
    await reportWhen(SECOND_PAGE, (r) => r.images.length === 2);
    const second = await text(SECOND_PAGE);
    const added = addedAlts(SECOND, second.body);
    expect(added.map((entry) => entry.src)).toEqual(['/img/dog-bicycle-truck.jpg', '/img/grace-hopper.jpg']);

    // The shared photo was fetched by the consumer once, for the first page, and captioned once.
    expect(origin.hits('/img/dog-bicycle-truck.jpg', CONSUMER_AGENT)).toBe(1);
    expect(origin.hits('/img/grace-hopper.jpg', CONSUMER_AGENT)).toBe(1);
    const captioned = logEvents('alt_captioned').map((entry) => entry!.sha256);
    expect(captioned.length).toBe(new Set(captioned).size);
    const dog = (await apiAnswer('/v1/inspect', 'dog-bicycle-truck.jpg')).image as { sha256: string };
    expect(captioned.filter((sha) => sha === dog.sha256)).toHaveLength(1);

    // Further views find everything in the page record and queue nothing.
    const queued = logEvents('alt_enqueued').length;
    await text(SECOND_PAGE);
    await text(PAGE);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(logEvents('alt_enqueued').length).toBe(queued);
  });

  it('applies what it knows to personal pages but learns nothing from them', async () => {
    const queued = logEvents('alt_enqueued').length;
    const view = await text('/account/home.html');
    expect(addedAlts(SECOND, view.body)).toEqual([]);
    const withKey = await harness.fetch(PAGE, { headers: { authorization: 'Bearer someone' } });
    expect(addedAlts(ARTICLE, await withKey.text()).length).toBe(11);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(logEvents('alt_enqueued').length).toBe(queued);
    expect((await harness.fetch('/v1/alt-text/report?page=/account/home.html')).status).toBe(404);
  });

  it('answers 404 problem+json for a page it has generated nothing for', async () => {
    const response = await harness.fetch('/v1/alt-text/report?page=/never-seen.html');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(((await response.json()) as { code: string }).code).toBe('not_found');
  });

  it('tags the images it passes through when IMAGE_TAGS is on, from their second request', async () => {
    await harness.update((current) => ({
      ...current,
      workers: current.workers.map((worker, i) => (i === 0 && 'configPath' in worker ? { ...worker, vars: { ...worker.vars, IMAGE_TAGS: 'on' } } : worker)),
    }));
    const first = await harness.fetch('/img/grace-hopper.jpg');
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(bytes.equals(readFileSync(new URL('../../fixtures/photos/portrait-grace-hopper.jpg', import.meta.url)))).toBe(true);
    // A new image is never held for its tags under the `pass` policy: they are computed after the response.
    expect(first.headers.get('x-image-tags')).toBeNull();
    let tags: string | null = null;
    for (let i = 0; i < 60 && !tags; i++) {
      const again = await harness.fetch('/img/grace-hopper.jpg');
      await again.arrayBuffer();
      tags = again.headers.get('x-image-tags');
      if (tags) expect(again.headers.get('x-image-moderation')).toMatch(/^safe;/);
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(tags).toMatch(/^"[^"]+";score=[0-9.]+(, "[^"]+";score=[0-9.]+){4}$/);
    // HTML is not an image: no tags, and the page still gets its alt text.
    const html = await harness.fetch(PAGE);
    expect(html.headers.get('x-image-tags')).toBeNull();
    expect(await html.text()).toContain('data-alt-source="auto"');
  });

  it.skipIf(!existsSync(CHROMIUM))('lets a real browser read the generated accessible names', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(new URL(PAGE, proxyUrl).href, { waitUntil: 'load' });
      const dogCaption = (await apiAnswer('/v1/caption?style=alt', 'dog-bicycle-truck.jpg')).alt_text as string;

      // Playwright's accessible-name computation (getByRole).
      for (const name of [dogCaption, 'Chelsea, our cat, on the rug', 'Pricing', 'Our 2024 gallery', 'Play & pause the raccoon video', 'FIRE EXIT Keep this door clear No parking 8am - 6pm']) {
        await expect.poll(() => page.getByRole('img', { name, exact: true }).count(), { message: name }).toBe(1);
      }
      expect(await page.getByRole('link', { name: 'Pricing', exact: true }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Play & pause the raccoon video', exact: true }).count()).toBe(1);

      // Chromium's own accessibility tree (CDP): decorative and redundant images are not in it as images.
      const cdp = await page.context().newCDPSession(page);
      const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: Array<{ role?: { value: string }; name?: { value: string }; ignored?: boolean }> };
      const imageNames = nodes.filter((node) => node.role?.value === 'image' && !node.ignored).map((node) => node.name?.value ?? '');
      expect(imageNames).toContain(dogCaption);
      expect(imageNames).toContain('Pricing');
      expect(imageNames).toContain('Play & pause the raccoon video');
      expect(imageNames.some((name) => name.startsWith('Region-based segmentation'))).toBe(true);
      // The author's cat and the 7 generated names; the CMYK image and the data: image have none.
      expect(imageNames.filter(Boolean)).toHaveLength(8);
    } finally {
      await browser.close();
    }
  });
});
