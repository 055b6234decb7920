import { ApiError } from '../errors/api-error.ts';

/**
 * Which GPU backend answers the heavy tasks (captions, VQA, DETR detection)
 * and how far the edge trusts it, from Worker vars (see wrangler.toml). Read
 * per request and checked: a typo fails loudly with a 500, it never silently
 * turns a backend off.
 */
export type BackendKind = 'hf' | 'workers-ai' | 'none';
export type HeavyTask = 'caption' | 'vqa' | 'detect';

/** How one task reaches its model on Hugging Face. */
export interface HfTaskTarget {
  /** `task`: a dedicated endpoint speaking the task protocol; `chat`: a vision chat model (OpenAI-style chat completion). */
  protocol: 'task' | 'chat';
  model: string;
  /** Inference Endpoint URL; absent = the Hugging Face router (serverless providers). */
  endpointUrl?: string;
}

export interface BackendConfig {
  kind: BackendKind;
  /** Wall time one request may spend on the backend, retries and waits included. */
  budgetMs: number;
  /** Consecutive failures that open a backend's circuit, and how long it stays open. */
  breakerFailures: number;
  breakerCooldownMs: number;
  hf: {
    token?: string;
    targets: Partial<Record<HeavyTask, HfTaskTarget>>;
  };
  workersAi: {
    binding?: AiBinding;
    models: Record<HeavyTask, string>;
  };
}

/** The part of the Workers AI binding used here (Env's `Ai` type is only present when wrangler.toml declares [ai]). */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

export interface BackendVars {
  BACKEND?: string;
  BACKEND_BUDGET_MS?: string;
  BACKEND_BREAKER_FAILURES?: string;
  BACKEND_BREAKER_COOLDOWN_MS?: string;
  HF_TOKEN?: string;
  HF_CAPTION_URL?: string;
  HF_CAPTION_MODEL?: string;
  HF_DETECT_URL?: string;
  HF_DETECT_MODEL?: string;
  HF_VQA_URL?: string;
  HF_VQA_MODEL?: string;
  HF_CHAT_URL?: string;
  HF_CHAT_MODEL?: string;
  WORKERS_AI_CAPTION_MODEL?: string;
  WORKERS_AI_VQA_MODEL?: string;
  WORKERS_AI_DETECT_MODEL?: string;
  AI?: AiBinding;
}

export const BACKEND_DEFAULTS = {
  budgetMs: 15_000,
  breakerFailures: 5,
  breakerCooldownMs: 30_000,
  workersAi: {
    caption: '@cf/llava-hf/llava-1.5-7b-hf',
    vqa: '@cf/llava-hf/llava-1.5-7b-hf',
    detect: '@cf/facebook/detr-resnet-50',
  },
} as const;

const misconfigured = (detail: string) => new ApiError(500, 'internal_error', `Server misconfigured: ${detail}`);

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw misconfigured(`${name} must be a positive integer.`);
  return value;
}

function endpoint(name: string, raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw misconfigured(`${name} is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw misconfigured(`${name} must be an http(s) URL.`);
  if (url.username || url.password) throw misconfigured(`${name} must not carry credentials (HF_TOKEN is sent as a bearer token).`);
  return url.toString();
}

function hfTargets(vars: BackendVars): Partial<Record<HeavyTask, HfTaskTarget>> {
  const targets: Partial<Record<HeavyTask, HfTaskTarget>> = {};
  const chatUrl = endpoint('HF_CHAT_URL', vars.HF_CHAT_URL);
  if (chatUrl && !vars.HF_CHAT_MODEL) throw misconfigured('HF_CHAT_URL is set without HF_CHAT_MODEL (the model id names results and cache entries).');
  const chat: HfTaskTarget | undefined = vars.HF_CHAT_MODEL ? { protocol: 'chat', model: vars.HF_CHAT_MODEL, ...(chatUrl ? { endpointUrl: chatUrl } : {}) } : undefined;
  const task = (name: HeavyTask, urlVar: keyof BackendVars, modelVar: keyof BackendVars): HfTaskTarget | undefined => {
    const url = endpoint(urlVar, vars[urlVar] as string | undefined);
    const model = vars[modelVar] as string | undefined;
    if (url && !model) throw misconfigured(`${urlVar} is set without ${modelVar} (the model id names results and cache entries).`);
    if (!model) return undefined;
    return { protocol: 'task', model, ...(url ? { endpointUrl: url } : {}) };
  };
  const caption = task('caption', 'HF_CAPTION_URL', 'HF_CAPTION_MODEL') ?? chat;
  const vqa = task('vqa', 'HF_VQA_URL', 'HF_VQA_MODEL') ?? chat;
  // DETR answers boxes; a chat model cannot stand in for it.
  const detect = task('detect', 'HF_DETECT_URL', 'HF_DETECT_MODEL');
  if (caption) targets.caption = caption;
  if (vqa) targets.vqa = vqa;
  if (detect) targets.detect = detect;
  return targets;
}

export function readBackendConfig(vars: BackendVars): BackendConfig {
  const kind = (vars.BACKEND || 'none') as BackendKind;
  if (!['hf', 'workers-ai', 'none'].includes(kind)) throw misconfigured('BACKEND must be "hf", "workers-ai" or "none".');
  return {
    kind,
    budgetMs: positiveInt('BACKEND_BUDGET_MS', vars.BACKEND_BUDGET_MS, BACKEND_DEFAULTS.budgetMs),
    breakerFailures: positiveInt('BACKEND_BREAKER_FAILURES', vars.BACKEND_BREAKER_FAILURES, BACKEND_DEFAULTS.breakerFailures),
    breakerCooldownMs: positiveInt('BACKEND_BREAKER_COOLDOWN_MS', vars.BACKEND_BREAKER_COOLDOWN_MS, BACKEND_DEFAULTS.breakerCooldownMs),
    hf: { ...(vars.HF_TOKEN ? { token: vars.HF_TOKEN } : {}), targets: kind === 'hf' ? hfTargets(vars) : {} },
    workersAi: {
      ...(vars.AI ? { binding: vars.AI } : {}),
      models: {
        caption: vars.WORKERS_AI_CAPTION_MODEL || BACKEND_DEFAULTS.workersAi.caption,
        vqa: vars.WORKERS_AI_VQA_MODEL || BACKEND_DEFAULTS.workersAi.vqa,
        detect: vars.WORKERS_AI_DETECT_MODEL || BACKEND_DEFAULTS.workersAi.detect,
      },
    },
  };
}
