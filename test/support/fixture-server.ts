import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/**
 * A real HTTP origin on loopback for the Worker under test to fetch image
 * URLs from: it serves test/fixtures and a few misbehaving paths. Its origin
 * is handed to the Worker as ALLOW_HTTP_ORIGINS (the operator's explicit
 * opt-in for plain http to a local host).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    fixtureOrigin: string;
  }
}

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

function handle(server: Server) {
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/redirect-to-private') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      return;
    }
    if (url.pathname === '/redirect-to-photo') {
      res.writeHead(301, { location: '/ingest/photo.jpg' }).end();
      return;
    }
    if (url.pathname === '/slow') {
      // Headers at once, then a byte every 200 ms: only a whole-fetch timeout ends it.
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const timer = setInterval(() => res.write(Buffer.from([0xff])), 200);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (url.pathname === '/not-found') {
      res.writeHead(404).end();
      return;
    }
    const file = normalize(join(fixtures, url.pathname));
    if (!file.startsWith(fixtures) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
}

export default async function setup(project: TestProject) {
  const server = createServer();
  handle(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fixture server has no port');
  project.provide('fixtureOrigin', `http://127.0.0.1:${address.port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
