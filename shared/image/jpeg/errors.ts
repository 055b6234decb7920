/**
 * Why a JPEG could not be decoded. Callers map these to HTTP answers, so the
 * code matters more than the message:
 * - truncated: the data stops before the image is complete (no EOI, or the
 *   entropy-coded data runs out before every MCU is decoded). Never answered
 *   with grey rows.
 * - corrupt: bad markers, invalid Huffman codes or tables, impossible headers.
 * - unsupported: valid JPEG that this decoder does not implement (arithmetic
 *   coding, 12-bit, lossless, hierarchical, 2-component, fractional sampling).
 * - too_large: the header's width*height exceeds the caller's maxPixels.
 */
export type JpegErrorCode = 'truncated' | 'corrupt' | 'unsupported' | 'too_large';

export class JpegError extends Error {
  readonly code: JpegErrorCode;

  constructor(code: JpegErrorCode, message: string) {
    super(message);
    this.name = 'JpegError';
    this.code = code;
  }
}
