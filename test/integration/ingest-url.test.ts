import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { expectProblem, postJson } from '../support/client.ts';

const origin = inject('fixtureOrigin');
const inspectUrl = (url: string) => postJson('/v1/inspect', { image: { url } });

describe('image URLs', () => {
  it('fetches an allowed origin and reports the same image as an upload would', async () => {
    const response = await inspectUrl(`${origin}/ingest/photo.jpg`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { image: { format: string; width: number } };
    expect(body.image).toMatchObject({ format: 'jpeg', width: 640 });
    expect(response.headers.get('server-timing')).toMatch(/fetch;dur=/);
  });

  it('follows a redirect within the allowed origin', async () => {
    expect((await inspectUrl(`${origin}/redirect-to-photo`)).status).toBe(200);
  });

  // bad-inputs.md: each answered 400 before any fetch.
  it.each([
    'http://127.0.0.1/x.jpg',
    'https://127.0.0.1/x.jpg',
    'https://0.0.0.0/x.jpg',
    'https://[::1]/x.jpg',
    'https://[::ffff:127.0.0.1]/x.jpg',
    'https://2130706433/x.jpg',
    'https://0x7f.1/x.jpg',
    'https://169.254.169.254/latest/meta-data/',
    'https://10.0.0.1/x.jpg',
    'https://172.16.0.1/x.jpg',
    'https://192.168.1.1/x.jpg',
    'https://100.64.0.1/x.jpg',
    'https://[fc00::1]/x.jpg',
    'https://ok.com@evil.example/x.jpg',
    'https://localhost/x.jpg',
    'file:///etc/passwd',
    'data:image/png;base64,iVBORw0KGgo=',
    'gopher://example.com/x',
    'http://example.com/x.jpg',
  ])('refuses %s', async (url) => {
    await expectProblem(await inspectUrl(url), 400, 'url_not_allowed');
  });

  it('re-checks every redirect: a hop to a private address is refused', async () => {
    await expectProblem(await inspectUrl(`${origin}/redirect-to-private`), 400, 'url_not_allowed');
  });

  it('ends a slow origin with 504 within the timeout, caching nothing', async () => {
    const start = Date.now();
    await expectProblem(await inspectUrl(`${origin}/slow`), 504, 'fetch_timeout');
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('answers an origin error with 502', async () => {
    await expectProblem(await inspectUrl(`${origin}/not-found`), 502, 'fetch_failed');
  });
});
