import { InferenceClient } from '@huggingface/inference';
import { ApiError } from '../errors/api-error.ts';
import { readCapped } from '../ingest/read-capped.ts';
import type { BackendConfig, HeavyTask, HfTaskTarget } from './config.ts';
import { BackendFailure } from './failure.ts';
import { captionPrompt, vqaPrompt } from './prompts.ts';
import type { Backend, BackendImage, BackendModel } from './types.ts';
import { ANSWER_LIMITS, checkChatCompletion, checkDetections, checkImageToText, checkVqa, parseJson } from './validate.ts';

/**
 * Hugging Face through @huggingface/inference: dedicated Inference Endpoints
 * speaking the task protocols (image-to-text, object-detection,
 * visual-question-answering), or a vision chat model through chat completion
 * with the image as an `image_url` part, for captions and VQA.
 *
 * The client builds the requests (URLs, auth, body encodings). Its fetch is
 * ours: it carries the budget's abort signal, caps the answer's size, and
 * keeps the raw answer, which is what gets validated — the client's own
 * checks differ by task (it keeps only the first VQA answer, and rejects the
 * `[{generated_text}]` list that transformers endpoints answer). The client's
 * own retry on 503 (immediate, unbounded) is off: call.ts retries within the
 * budget instead.
 */
interface Captured {
  status: number;
  body: string;
  retryAfter: string | null;
}

const MIME_FALLBACK = 'application/octet-stream';

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The answer's text, refused past `limit` bytes before the rest is buffered. */
async function readAnswer(response: Response, limit: number): Promise<string> {
  try {
    return new TextDecoder().decode(await readCapped(response.body, limit, response.headers.get('content-length'), 'The backend answer'));
  } catch (error) {
    if (error instanceof ApiError && error.code === 'payload_too_large') {
      throw new BackendFailure('malformed', `the answer is over ${limit} bytes.`, { status: response.status });
    }
    throw error;
  }
}

/** A thrown fetch: the budget's abort, or a connection that failed or was reset. */
function fetchFailure(error: unknown, signal: AbortSignal): BackendFailure {
  if (signal.aborted) return new BackendFailure('timeout', 'no answer within the time budget.');
  return new BackendFailure('connection', `the connection failed (${String(error).slice(0, 120)}).`);
}

/** An HTTP error answer: 503 + estimated_time is a model loading; the rest say what they are. */
function statusFailure({ status, body, retryAfter }: Captured): BackendFailure {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const record = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const message = typeof record.error === 'string' ? record.error.slice(0, 160) : `HTTP ${status}`;
  const headerWait = retryAfter !== null && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) : undefined;
  if (status === 503 && typeof record.estimated_time === 'number' && Number.isFinite(record.estimated_time) && record.estimated_time >= 0) {
    return new BackendFailure('loading', `the model is loading (estimated ${record.estimated_time} s).`, { status, retryAfterS: record.estimated_time });
  }
  if (status === 503 || status === 429) return new BackendFailure('unavailable', `the backend is unavailable (${message}).`, { status, ...(headerWait !== undefined ? { retryAfterS: headerWait } : {}) });
  if (status === 401 || status === 403) return new BackendFailure('http_error', `the backend refused the credentials (HTTP ${status}; check the HF_TOKEN secret).`, { status });
  return new BackendFailure('http_error', `the backend answered HTTP ${status} (${message}).`, { status });
}

export function hfBackend(config: BackendConfig): Backend {
  const { token, targets } = config.hf;

  const describe = (task: HeavyTask): BackendModel | undefined => {
    const target = targets[task];
    if (!target) return undefined;
    return { source: `hf:${target.model}`, model: target.model, protocol: target.protocol, prompted: target.protocol === 'chat', endpoint: target.endpointUrl ?? 'router' };
  };

  /** One request through the client; resolves with the raw answer's parsed JSON. */
  async function send(signal: AbortSignal, invoke: (client: InferenceClient) => Promise<unknown>): Promise<unknown> {
    let captured: Captured | undefined;
    const capturingFetch: typeof fetch = async (input, init) => {
      let response: Response;
      try {
        response = await fetch(input, { ...init, signal });
      } catch (error) {
        throw fetchFailure(error, signal);
      }
      let body: string;
      try {
        body = await readAnswer(response, ANSWER_LIMITS.bytes);
      } catch (error) {
        if (error instanceof BackendFailure) throw error;
        throw fetchFailure(error, signal);
      }
      captured = { status: response.status, body, retryAfter: response.headers.get('retry-after') };
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const client = new InferenceClient(token ?? '', { fetch: capturingFetch, retry_on_error: false });
    try {
      await invoke(client);
    } catch (error) {
      if (error instanceof BackendFailure) throw error;
      if (!captured) {
        // The client refused before sending (e.g. a configuration it does not accept).
        throw new BackendFailure('http_error', `the Hugging Face client failed before sending: ${String(error).slice(0, 160)}`);
      }
      // Otherwise an HTTP error (handled below) or a shape the client rejected: our own checks decide.
    }
    if (!captured) throw new BackendFailure('http_error', 'the Hugging Face client sent no request.');
    if (captured.status < 200 || captured.status >= 300) throw statusFailure(captured);
    return parseJson(captured.body);
  }

  const endpointArgs = (target: HfTaskTarget) => (target.endpointUrl ? { endpointUrl: target.endpointUrl, model: target.model } : { model: target.model });
  const blobOf = (image: BackendImage) => new Blob([image.bytes], { type: image.mime || MIME_FALLBACK });
  const dataUrl = (image: BackendImage) => `data:${image.mime || MIME_FALLBACK};base64,${toBase64(image.bytes)}`;

  async function chat(target: HfTaskTarget, image: BackendImage, prompt: string, maxTokens: number, signal: AbortSignal, maxChars: number) {
    const raw = await send(signal, (client) =>
      client.chatCompletion({
        ...endpointArgs(target),
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: dataUrl(image) } },
              { type: 'text', text: prompt },
            ],
          },
        ],
        max_tokens: maxTokens,
        temperature: 0,
      }),
    );
    return checkChatCompletion(raw, maxChars);
  }

  const need = (task: HeavyTask): HfTaskTarget => {
    const target = targets[task];
    if (!target) throw new BackendFailure('unavailable', `no Hugging Face model is configured for ${task}.`);
    return target;
  };

  return {
    kind: 'hf',
    model: describe,
    async caption(image, ask, signal) {
      const target = need('caption');
      if (target.protocol === 'chat') {
        const { text, score } = await chat(target, image, captionPrompt(ask.style, ask.lang), ask.style === 'detailed' ? 400 : 120, signal, ANSWER_LIMITS.captionChars);
        return { text, lang: ask.lang, ...(score !== undefined ? { score } : {}) };
      }
      const raw = await send(signal, (client) => client.imageToText({ ...endpointArgs(target), inputs: blobOf(image) }));
      // Task captioners (BLIP and kin) are trained on English captions and take no prompt.
      return { text: checkImageToText(raw), lang: 'en' };
    },
    async vqa(image, ask, signal) {
      const target = need('vqa');
      if (target.protocol === 'chat') {
        const { text, score } = await chat(target, image, vqaPrompt(ask.question), 40, signal, ANSWER_LIMITS.answerChars);
        return [{ answer: text, score: score ?? null }];
      }
      const raw = await send(signal, (client) =>
        client.visualQuestionAnswering({ ...endpointArgs(target), inputs: { image: blobOf(image), question: ask.question }, parameters: { top_k: ask.topK } }),
      );
      return checkVqa(raw).slice(0, ask.topK);
    },
    async detect(image, signal) {
      const target = need('detect');
      const raw = await send(signal, (client) => client.objectDetection({ ...endpointArgs(target), inputs: blobOf(image) }));
      return checkDetections(raw, image.width, image.height);
    },
  };
}
