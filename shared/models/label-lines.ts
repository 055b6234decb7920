/**
 * One label a line, kept exactly: whitespace can be a label (OCR's dictionary
 * has U+3000, the ideographic space). Only CRLF endings and the final newline go.
 */
export function labelLines(text: string): string[] {
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
