import { ApiError } from '../errors/api-error.ts';

/**
 * Reads a body stream into memory, refusing it as soon as it passes `maxBytes`
 * (before buffering the rest), so an oversized upload costs at most the cap.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  declaredLength: string | null,
  what = 'The request body',
): Promise<Uint8Array> {
  const tooLarge = () =>
    new ApiError(413, 'payload_too_large', `${what} is larger than the limit of ${maxBytes} bytes.`, { max_bytes: maxBytes });
  if (declaredLength !== null && Number(declaredLength) > maxBytes) {
    await stream?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return joinChunks(chunks, total);
}

/** One buffer from a stream's chunks (no copy when there is only one). */
export function joinChunks(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
