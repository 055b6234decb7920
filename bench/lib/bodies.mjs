/** The same image with bytes appended after its end: same pixels, a new SHA-256, so a cache miss. */
export function uniqueCopy(bytes, tag) {
  const suffix = new TextEncoder().encode(tag);
  const out = new Uint8Array(bytes.length + suffix.length);
  out.set(bytes);
  out.set(suffix, bytes.length);
  return out;
}
