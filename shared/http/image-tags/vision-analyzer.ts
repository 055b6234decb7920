import { z } from 'zod';
import type { ImageVerdict } from './headers.ts';

/**
 * Tags and moderation from the API Worker's edge models, for a Worker that
 * reaches the API through a service binding (or any Fetcher): POST
 * /v1/classify and /v1/moderate with the image bytes, in parallel, answers
 * validated. The API caches both by content hash as well.
 */
export interface VisionAnalyzerOptions {
  /** How many tags (default 5). */
  topK?: number;
  /** Moderation thresholds per category, replacing the API's for the categories named (e.g. {"porn":0.3}). */
  thresholds?: Record<string, number>;
  /** Bearer key for an API Worker with AUTH_MODE = "keys". */
  apiKey?: string;
}

const Classified = z.object({ labels: z.array(z.object({ label: z.string(), score: z.number() })) });
const Moderated = z.object({ flagged: z.boolean(), flagged_categories: z.array(z.string()), categories: z.record(z.string(), z.number()) });

/** The image is not one the models read (format, size, corrupt): tagging is skipped, not retried. */
export class UntaggableImage extends Error {}

export function visionAnalyzer(vision: Fetcher, options: VisionAnalyzerOptions = {}) {
  const call = async (path: string, bytes: Uint8Array): Promise<unknown> => {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const response = await vision.fetch(new Request(`https://vision.internal${path}`, { method: 'POST', body: bytes, headers }));
    const text = await response.text();
    if (response.status === 413 || response.status === 415 || response.status === 422) throw new UntaggableImage(`${path.split('?')[0]}: ${response.status}`);
    if (!response.ok) throw new Error(`${path.split('?')[0]} answered ${response.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  };
  return async (bytes: Uint8Array): Promise<ImageVerdict> => {
    const query = new URLSearchParams({ top_k: String(options.topK ?? 5) });
    const moderationQuery = options.thresholds ? `?${new URLSearchParams({ thresholds: JSON.stringify(options.thresholds) })}` : '';
    const [classified, moderated] = await Promise.all([call(`/v1/classify?${query}`, bytes), call(`/v1/moderate${moderationQuery}`, bytes)]);
    return { tags: Classified.parse(classified).labels, moderation: Moderated.parse(moderated) };
  };
}
