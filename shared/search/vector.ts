/**
 * Embeddings as stored and compared by the search engines: L2-normalised
 * float32, so cosine similarity is a plain dot product, stored as their
 * little-endian bytes (every platform Workers run on is little-endian, and
 * the typed-array views below use the platform order).
 */

/** The unit vector of `values`, or undefined when it has no direction (all zeros, NaN, Infinity). */
export function normalize(values: ArrayLike<number>): Float32Array | undefined {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return undefined;
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / norm;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

// Vectors cross D1 as base64 text of their little-endian float32 bytes. D1
// hands BLOB columns to the Worker as arrays of numbers (one JS number per
// byte, 5x slower than text for a 5 KB vector), and of the text encodings
// base64 is the smaller (6.8 KB vs 10.2 KB of hex for 1280-d) and the faster
// to decode in workerd (Uint8Array.fromBase64: 2-5 µs, vs 20 µs for hex in
// JS and 43 µs for the native fromHex), measured. The whole scan ran 1.9x
// faster than with BLOB + hex() (bench/search.mjs: 31 vs 59 µs an item).
type Base64Codec = { fromBase64?(text: string): Uint8Array };
type Base64Encoder = { toBase64?(): string };

export function vectorToBase64(vector: Float32Array): string {
  const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  const native = (bytes as unknown as Base64Encoder).toBase64;
  if (native) return native.call(bytes);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** The bytes of a base64 vector (an empty array when it is not valid base64). */
export function bytesFromBase64(text: string): Uint8Array {
  const native = (Uint8Array as unknown as Base64Codec).fromBase64;
  try {
    if (native) return native(text);
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return new Uint8Array(0);
  }
}

export function vectorFromBase64(text: string): Float32Array {
  const bytes = bytesFromBase64(text);
  // A fresh decode starts at offset 0 of its own buffer, so the float view is aligned.
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
}

/**
 * The best `k` of a stream of scores, best first. An insertion into a short
 * sorted array: k is at most a hundred and most candidates fail the first
 * comparison, so this beats a heap in practice and is obviously correct.
 */
export class TopK<T> {
  readonly items: Array<{ score: number; value: T }> = [];
  constructor(private readonly k: number) {}

  /** The score a candidate must beat to enter. */
  get floor(): number {
    return this.items.length < this.k ? -Infinity : this.items[this.items.length - 1]!.score;
  }

  push(score: number, value: T): void {
    if (this.items.length >= this.k && score <= this.floor) return;
    let at = this.items.length;
    while (at > 0 && this.items[at - 1]!.score < score) at--;
    this.items.splice(at, 0, { score, value });
    if (this.items.length > this.k) this.items.pop();
  }
}
