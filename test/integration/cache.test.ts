import { describe, expect, it } from 'vitest';
import { hamming, postImage, uniqueCopy, untilHit } from '../support/client.ts';
import photoJpg from '../fixtures/ingest/photo.jpg?bytes';
import photoHalf from '../fixtures/ingest/photo-q60-half.jpg?bytes';
import otherJpg from '../fixtures/ingest/other.jpg?bytes';

interface Inspected {
  image: { sha256: string };
  phash: string;
}


describe('content-hash cache', () => {
  it('answers the same image MISS then HIT, with the same body', async () => {
    const image = uniqueCopy(photoJpg, 'cache-test-miss-then-hit');
    const first = await postImage('/v1/inspect', image);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(first.headers.get('server-timing')).toMatch(/decode;dur=/);
    const body = await first.json();
    const second = await untilHit(() => postImage('/v1/inspect', image));
    expect(await second.json()).toEqual(body);
    // A hit never decodes.
    expect(second.headers.get('server-timing')).not.toMatch(/decode;dur=/);
  });

  it('keys by bytes, not by route or transport: a re-encoded copy is a different entry', async () => {
    const original = (await (await postImage('/v1/inspect', photoJpg)).json()) as Inspected;
    const reencoded = await postImage('/v1/inspect', photoHalf);
    expect(reencoded.headers.get('x-cache')).toBe('MISS');
    const copy = (await reencoded.json()) as Inspected;
    expect(copy.image.sha256).not.toBe(original.image.sha256);
    // ...but the perceptual hash sees the same picture.
    expect(hamming(copy.phash, original.phash)).toBeLessThanOrEqual(6);
    const other = (await (await postImage('/v1/inspect', otherJpg)).json()) as Inspected;
    expect(hamming(other.phash, original.phash)).toBeGreaterThan(16);
  });
});
