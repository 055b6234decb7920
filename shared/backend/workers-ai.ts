import type { BackendConfig, HeavyTask } from './config.ts';
import { BackendFailure } from './failure.ts';
import { captionPrompt, vqaPrompt } from './prompts.ts';
import type { Backend, BackendImage, BackendModel } from './types.ts';
import { ANSWER_LIMITS, checkDetections, checkText } from './validate.ts';

/**
 * Workers AI through the `AI` binding: detr-resnet-50 for detection
 * (`{image: number[]}` -> `[{score, label, box}]`) and an image-to-text model
 * (llava-1.5 by default: `{image: number[], prompt, max_tokens}` ->
 * `{description}`) for captions and VQA. The binding takes the image as an
 * array of byte values, ~8 bytes of JS heap per image byte, hence the cap.
 */
export const WORKERS_AI_MAX_IMAGE_BYTES = 4 * 1024 * 1024;

function bytesArray(image: BackendImage): number[] {
  if (image.bytes.byteLength > WORKERS_AI_MAX_IMAGE_BYTES) {
    throw new BackendFailure('unavailable', `Workers AI is sent images of at most ${WORKERS_AI_MAX_IMAGE_BYTES} bytes (this one is ${image.bytes.byteLength}).`);
  }
  return Array.from(image.bytes);
}

/** The binding throws plain Errors: a budget abort is a timeout, the rest say the call failed. */
function bindingFailure(error: unknown, signal: AbortSignal): BackendFailure {
  if (error instanceof BackendFailure) return error;
  if (signal.aborted) return new BackendFailure('timeout', 'no answer within the time budget.');
  const message = String(error).slice(0, 160);
  if (/capacity|overloaded|rate limit|429|503/i.test(message)) return new BackendFailure('unavailable', `Workers AI is unavailable (${message}).`);
  return new BackendFailure('http_error', `Workers AI failed (${message}).`);
}

async function run(binding: NonNullable<BackendConfig['workersAi']['binding']>, model: string, inputs: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
  // The binding takes no abort signal: the budget is enforced by racing it.
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(new BackendFailure('timeout', 'no answer within the time budget.'));
    signal.addEventListener('abort', () => reject(new BackendFailure('timeout', 'no answer within the time budget.')), { once: true });
  });
  try {
    return await Promise.race([binding.run(model, inputs), aborted]);
  } catch (error) {
    throw bindingFailure(error, signal);
  }
}

function description(raw: unknown, maxChars: number): string {
  if (!raw || typeof raw !== 'object' || !('description' in raw)) throw new BackendFailure('malformed', 'expected {description}.');
  return checkText((raw as { description: unknown }).description, 'description', maxChars);
}

export function workersAiBackend(config: BackendConfig): Backend {
  const { binding, models } = config.workersAi;
  const describe = (task: HeavyTask): BackendModel | undefined =>
    binding ? { source: `workers-ai:${models[task]}`, model: models[task], protocol: 'workers-ai', prompted: task !== 'detect', endpoint: 'binding' } : undefined;
  const need = () => {
    if (!binding) throw new BackendFailure('unavailable', 'BACKEND is "workers-ai" but the Worker has no AI binding ([ai] in wrangler.toml).');
    return binding;
  };
  return {
    kind: 'workers-ai',
    model: describe,
    async caption(image, ask, signal) {
      const raw = await run(need(), models.caption, { image: bytesArray(image), prompt: captionPrompt(ask.style, ask.lang), max_tokens: ask.style === 'detailed' ? 400 : 120 }, signal);
      return { text: description(raw, ANSWER_LIMITS.captionChars), lang: ask.lang };
    },
    async vqa(image, ask, signal) {
      const raw = await run(need(), models.vqa, { image: bytesArray(image), prompt: vqaPrompt(ask.question), max_tokens: 40 }, signal);
      return [{ answer: description(raw, ANSWER_LIMITS.answerChars), score: null }];
    },
    async detect(image, signal) {
      const raw = await run(need(), models.detect, { image: bytesArray(image) }, signal);
      return checkDetections(raw, image.width, image.height);
    },
  };
}
