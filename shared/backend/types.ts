import type { HeavyTask } from './config.ts';

/**
 * One interface for every GPU backend (Hugging Face, Workers AI). A method
 * makes exactly one attempt and returns a validated answer or throws a
 * BackendFailure; budgets, retries, the circuit breaker, coalescing and the
 * cache are the caller's (call.ts), so every backend gets the same policy.
 */
export interface BackendImage {
  bytes: Uint8Array;
  /** image/jpeg, image/png... from the sniffed format, never from the client's Content-Type. */
  mime: string;
  /** Upright size: boxes must fall inside it. */
  width: number;
  height: number;
}

export type CaptionStyle = 'alt' | 'caption' | 'detailed';

export interface CaptionAsk {
  style: CaptionStyle;
  /** BCP 47 language tag the caption should be in. */
  lang: string;
}

export interface CaptionAnswer {
  text: string;
  /** The model's own confidence, when it gives one (token log-probabilities of a chat model). */
  score?: number;
  /** The language the text is in (a task captioner writes English whatever was asked). */
  lang: string;
}

export interface VqaAnswer {
  answer: string;
  /** null when the model gives no score (a chat model without log-probabilities). */
  score: number | null;
}

export interface BackendDetection {
  label: string;
  score: number;
  box: { xmin: number; ymin: number; xmax: number; ymax: number };
}

/** The model one task is answered by on this backend. */
export interface BackendModel {
  /** `<backend>:<model>`: the `source` of answers, and part of cache keys. */
  source: string;
  model: string;
  /** How it is reached: a task protocol, a chat model, a Workers AI model. */
  protocol: 'task' | 'chat' | 'workers-ai';
  /** True when style and language reach the model (a prompt); a task captioner gets only the image. */
  prompted: boolean;
  /** Where it runs, for the circuit breaker's key and logs (never secret). */
  endpoint: string;
}

export interface Backend {
  kind: 'hf' | 'workers-ai';
  /** The model that answers a task here, or undefined when none is configured for it. */
  model(task: HeavyTask): BackendModel | undefined;
  caption(image: BackendImage, ask: CaptionAsk, signal: AbortSignal): Promise<CaptionAnswer>;
  vqa(image: BackendImage, ask: { question: string; topK: number }, signal: AbortSignal): Promise<VqaAnswer[]>;
  detect(image: BackendImage, signal: AbortSignal): Promise<BackendDetection[]>;
}
