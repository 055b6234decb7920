import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';

/**
 * A site's origin on loopback, for the alt-text proxy to sit in front of: HTML
 * pages with every kind of image the WAI decision tree distinguishes, the
 * images themselves (real photos and images of text from test/fixtures), and
 * a few non-HTML answers. It counts requests per path and user agent, so
 * tests can check that the consumer fetched each image once.
 */
const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** /img/<name> -> fixture file. */
export const IMAGES: Record<string, string> = {
  'cat.jpg': 'photos/cat-chelsea.jpg',
  'flowers.jpg': 'photos/flower-dahlia-orange.jpg',
  'dog-bicycle-truck.jpg': 'photos/dog-bicycle-truck.jpg',
  'coffee.png': 'photos/coffee-cup-saucer.png',
  'eagle.jpg': 'photos/eagle-shore.jpg',
  'giraffe-zebra.jpg': 'photos/giraffe-zebra.jpg',
  'horses.jpg': 'photos/horses-herd.jpg',
  'raccoon.jpg': 'photos/raccoon-face.jpg',
  'spacer.gif': 'photos/animated-traffic-light-drawing.gif',
  'divider.png': 'photos/blossom-branch.png',
  'hidden.jpg': 'photos/pagoda-temple-china.jpg',
  'sign.jpg': 'ocr/sign-english.jpg',
  'page-text.png': 'photos/page-english-text.png',
  'cmyk.jpg': 'photos/rocket-launch-cmyk.jpg',
  'grace-hopper.jpg': 'photos/portrait-grace-hopper.jpg',
};

const TYPES: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif' };

/**
 * The main test page. Written with the irregular markup real sites have
 * (single quotes, unquoted values, upper case, extra spaces, a multi-line tag,
 * `&amp;`), so the byte-for-byte checks mean something.
 */
export const ARTICLE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Field notes &amp; photos</title>
  <style>img { max-width: 200px; }</style>
</head>
<body>
  <h1>Field notes &amp; photos</h1>
  <p>Author's alt: <img src="/img/cat.jpg" alt="Chelsea, our cat, on the rug"></p>
  <p>Decorative by decision: <img src='/img/flowers.jpg' alt=""></p>
  <p>No alt at all: <img src="/img/dog-bicycle-truck.jpg"   width="384" class=photo  ></p>
  <nav>
    <a href="/pricing"><img src="/img/coffee.png"></a>
    <a href="/gallery/2024" title="Our 2024 gallery"><IMG SRC="/img/eagle.jpg"></a>
    <a href="/p/12345"><img src="/img/giraffe-zebra.jpg" width=250></a>
    <a href="/about"><img src="/img/horses.jpg"> About our horses</a>
    <a href="/signup"><img src="/img/sign.jpg"></a>
  </nav>
  <button type="button" aria-label="Play &amp; pause the raccoon video"><img src="/img/raccoon.jpg"></button>
  <p>Spacer<img src="/img/spacer.gif" width="1" height="1">here.</p>
  <img src="/img/divider.png" role="presentation">
  <img src="/img/hidden.jpg" aria-hidden="true">
  <figure><img
      src="/img/page-text.png"
      loading=lazy></figure>
  <p>Not an image the models read: <img src="/img/cmyk.jpg"></p>
  <p>Inline <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="12"> data image.</p>
  <script>document.title = document.title + "";</script>
</body>
</html>
`;

/** A second page that uses one of the first page's images: it must not be fetched or captioned again. */
export const SECOND = `<!doctype html>
<html lang=en><body><p>Same photo again: <img src="/img/dog-bicycle-truck.jpg"></p><p><img src="/img/grace-hopper.jpg"></p></body></html>
`;

export interface OriginServer {
  origin: string;
  /** Requests per path, split by user agent. */
  hits(path: string, userAgent?: string): number;
  close(): Promise<void>;
}

export async function startOrigin(
  pages: Record<string, string> = { '/articles/field-notes.html': ARTICLE, '/articles/second.html': SECOND, '/account/home.html': SECOND },
): Promise<OriginServer> {
  const log: Array<{ path: string; userAgent: string }> = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin.local');
    log.push({ path: url.pathname, userAgent: req.headers['user-agent'] ?? '' });
    const page = pages[url.pathname];
    if (page !== undefined) {
      // Pages under /account are personal: the origin says so, as sites do.
      const cacheControl = url.pathname.startsWith('/account/') ? 'private, no-cache' : 'no-cache';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': cacheControl }).end(page);
      return;
    }
    const image = url.pathname.startsWith('/img/') ? IMAGES[url.pathname.slice(5)] : undefined;
    if (image) {
      const bytes = readFileSync(fixtures + image);
      res.writeHead(200, { 'content-type': TYPES[image.split('.').pop()!]!, 'content-length': bytes.byteLength }).end(bytes);
      return;
    }
    if (url.pathname === '/data.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"img":"<img src=\\"/img/cat.jpg\\">"}');
      return;
    }
    if (url.pathname === '/old-page') {
      res.writeHead(301, { location: `http://${req.headers.host}/articles/field-notes.html` }).end();
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('origin server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    hits: (path, userAgent) => log.filter((entry) => entry.path === path && (userAgent === undefined || entry.userAgent === userAgent)).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
