import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { answerFromBackend, backendConfig } from '../backend/call.ts';
import { selectBackend } from '../backend/select.ts';
import type { CaptionAnswer, CaptionStyle } from '../backend/types.ts';
import { ApiError } from '../errors/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import type { IngestedImage } from '../ingest/ingest-image.ts';
import { toAltText, toCaption, toDetailed } from './alt-text.ts';
import { edgeCaption, type EdgeCaptionTasks } from './edge-caption.ts';

/**
 * A caption and alt text for an image: from the GPU backend's captioner when
 * one is configured and answering, otherwise (absent, loading past the
 * budget, failing, circuit open, malformed answer) from the edge models,
 * with `source: "edge"` and a lower confidence. The answer never claims a
 * source it did not come from, and a fallback is never cached as the
 * backend's result (only backend successes and the edge sections are).
 */
export const CaptionParams = z
  .object({
    style: z.enum(['alt', 'caption', 'detailed']).default('alt').openapi({
      description: '`alt` (default): one sentence of 125 characters or fewer, no "image of"; `caption`: one sentence; `detailed`: a few sentences.',
    }),
    lang: z
      .string()
      .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as en, de or pt-BR')
      .default('en')
      .openapi({ description: 'Language wanted (BCP 47). Chat-model backends write in it; task captioners and the edge caption write English. `Content-Language` says which it is.' }),
    fallback: z.enum(['edge', 'none']).default('edge').openapi({
      description: '`edge` (default): when the backend is absent or failing, answer the edge caption. `none`: answer the backend\'s error (502/503/504) instead.',
    }),
  })
  .strict();

export type CaptionParamsValue = z.infer<typeof CaptionParams>;

/** The response contract of POST /v1/caption (the alt-text proxy depends on exactly these fields). */
export interface CaptionBody {
  caption: string;
  alt_text: string;
  /** `<backend>:<model>` or `edge`. */
  source: string;
  confidence: number;
}

export interface CaptionOutcome {
  body: CaptionBody;
  hit: boolean;
  /** The language the text is in (Content-Language). */
  lang: string;
}

/**
 * Task captioners give no score; their captions are reported with this fixed
 * confidence, a prior above the edge caption's cap (0.6) and not a measurement.
 * A chat model's mean token probability replaces it when the backend returns log-probabilities.
 */
export const BACKEND_CAPTION_PRIOR = 0.8;

const BACKEND_CODES = new Set(['backend_unavailable', 'backend_failed', 'backend_timeout']);
const round2 = (x: number) => Math.round(x * 100) / 100;

function styled(text: string, style: CaptionStyle): string {
  return style === 'alt' ? toAltText(text) : style === 'caption' ? toCaption(text) : toDetailed(text);
}

export async function answerCaption(c: Context<AppEnv>, image: IngestedImage, params: CaptionParamsValue, edgeTasks: EdgeCaptionTasks): Promise<CaptionOutcome> {
  const config = backendConfig(c);
  const backend = selectBackend(config);
  const hasBackend = backend?.model('caption') !== undefined;
  if (hasBackend || params.fallback === 'none') {
    try {
      const { result, hit, model } = await answerFromBackend<CaptionAnswer>(c, image, {
        task: 'caption',
        // A task captioner gets only the image: one cached answer serves every style and language.
        params: (m) => (m.prompted ? { style: params.style, lang: params.lang } : {}),
        invoke: (b, img, signal) => b.caption(img, { style: params.style, lang: params.lang }, signal),
      });
      const caption = styled(result.text, params.style);
      const alt = toAltText(result.text);
      if (!caption || !alt) throw new ApiError(502, 'backend_failed', `${model.source}: the caption was empty once cleaned.`, { source: model.source });
      return {
        body: { caption, alt_text: alt, source: model.source, confidence: round2(result.score ?? BACKEND_CAPTION_PRIOR) },
        hit,
        lang: result.lang,
      };
    } catch (error) {
      if (!(error instanceof ApiError) || !BACKEND_CODES.has(error.code) || params.fallback === 'none') throw error;
      console.warn(JSON.stringify({ event: 'caption_fallback', code: error.code, detail: error.message.slice(0, 200) }));
    }
  }
  const edge = await edgeCaption(c, image, edgeTasks);
  const text = params.style === 'alt' ? edge.caption.alt : params.style === 'caption' ? edge.caption.caption : edge.caption.detailed;
  return {
    body: { caption: text, alt_text: edge.caption.alt, source: 'edge', confidence: edge.caption.confidence },
    hit: edge.hit,
    lang: 'en',
  };
}
