// The request mix of the load test: what a busy image API sees. Most traffic
// repeats images already analysed (cache hits), a steady share is new images
// (misses through the models), some is bad input that must stay a cheap 4xx.
// Seeded, so two runs send the same sequence.
import { readFileSync } from 'node:fs';

const fixture = (path) => readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url));

/** mulberry32, as in models/tools/mulberry32.ts (plain Node runs this file and does not load .ts). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildMix({ token, seed }) {
  const photos = ['photos/cat-chelsea.jpg', 'photos/dog-bicycle-truck.jpg', 'photos/eagle-shore.jpg', 'photos/portrait-grace-hopper.jpg', 'photos/coffee-cup-saucer.webp', 'photos/person-dog-horse.jpg'].map(fixture);
  const truncated = fixture('ingest/truncated.jpg');
  const pdf = fixture('ingest/document.pdf');
  const random = rng(seed);
  const pick = (items) => items[Math.floor(random() * items.length)];
  let unique = 0;
  // A new image with the same pixels: bytes after the end marker change its SHA-256.
  const fresh = () => Buffer.concat([pick(photos.slice(0, 4)), Buffer.from(`load-${seed}-${unique++}`)]);
  const auth = { authorization: `Bearer ${token}` };
  const image = (kind, path, body, expect = 200) => ({ kind, method: 'POST', path, body, expect, headers: { ...auth, 'content-type': 'application/octet-stream' } });
  const get = (kind, path, expect = 200) => ({ kind, method: 'GET', path, expect, headers: auth });

  const kinds = [
    [30, () => image('classify (hit)', '/v1/classify', pick(photos))],
    [10, () => image('detect (hit)', '/v1/detect', pick(photos))],
    [6, () => image('analyze (hit)', '/v1/analyze?features=tags,objects,faces,moderation,embedding', pick(photos))],
    [5, () => image('faces (hit)', '/v1/faces', pick(photos))],
    [10, () => image('inspect (miss)', '/v1/inspect', fresh())],
    [7, () => image('classify (miss)', '/v1/classify', fresh())],
    [3, () => image('moderate (miss)', '/v1/moderate', fresh())],
    // Reaches the GPU backend (a stand-in the load test breaks and slows for a while):
    // always 200, from the backend or, while it fails, from the edge models.
    [2, () => image('caption (miss)', '/v1/caption', fresh())],
    [5, () => get('models', '/v1/models')],
    [5, () => get('healthz', '/healthz')],
    [2, () => get('docs', '/docs')],
    [8, () => image('truncated jpeg', '/v1/classify', truncated, 422)],
    [4, () => image('pdf', '/v1/classify', pdf, 415)],
    [3, () => image('bad parameter', '/v1/classify?top_k=0', pick(photos), 400)],
    [2, () => ({ ...get('no key', '/v1/models', 401), headers: {} })],
  ];
  const total = kinds.reduce((n, [w]) => n + w, 0);
  const draw = () => {
    let r = random() * total;
    for (const [weight, make] of kinds) {
      r -= weight;
      if (r < 0) return make();
    }
    return kinds[0][1]();
  };

  // Every photo through every model once, so the load starts warm and the "hit" kinds are hits.
  const warmup = photos.flatMap((body) => [
    image('warm classify', '/v1/classify', body),
    image('warm detect', '/v1/detect', body),
    image('warm analyze', '/v1/analyze?features=tags,objects,faces,moderation,embedding', body),
    image('warm faces', '/v1/faces', body),
    image('warm caption', '/v1/caption', body),
  ]);

  return {
    warmup,
    /** autocannon's setupRequest: the next request of the mix; what to expect goes in the context. */
    next(request, context) {
      const chosen = draw();
      context.kind = chosen.kind;
      context.expect = chosen.expect;
      return { ...request, method: chosen.method, path: chosen.path, headers: chosen.headers, body: chosen.body };
    },
  };
}
