import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TestProject } from 'vitest/node';
import { probeImage } from '../../shared/image/probe.ts';

/**
 * A local stand-in for a Hugging Face GPU backend, started by the test suite
 * (globalSetup) and reached by the Worker over loopback through
 * @huggingface/inference, exactly as a dedicated Inference Endpoint would be:
 *
 *   POST /models/caption      image-to-text             raw image -> [{generated_text}]
 *   POST /models/detr         object-detection          raw image -> [{label, score, box}]
 *   POST /models/vqa          visual-question-answering {inputs: {image: base64, question}, parameters} -> [{answer, score}]
 *   POST /chat/v1/chat/completions   OpenAI-style chat completion with an image_url part
 *   GET  /_calls?sha256=<hex>  how many calls each route got for that image (tests assert cache hits and coalescing)
 *
 * It is not a model: its answers are fixed sentences and boxes placed by the
 * image's upright size. What the tests check against it is the plumbing (the
 * protocol, validation, caching, coalescing, retries, breaker), which the real
 * models could not exercise here anyway (no GPU, no network).
 *
 * Faults are scripted by the image itself, so parallel tests never share state:
 * bytes appended after the image's end (test/support/client.ts uniqueCopy) of
 * the form `fake-hf:<step>,<step>,...;` give the answer to the 1st, 2nd... call
 * for that image on a route (the last step repeats). Steps:
 *   ok | loading=<seconds> (503 + estimated_time) | busy (503, no estimate) |
 *   slow=<ms> | error (500) | badjson | wrongshape | outofrange (boxes outside
 *   the image) | badlabel | drop (connection destroyed, no answer) | huge (2 MB answer)
 */
declare module 'vitest' {
  export interface ProvidedContext {
    fakeHfOrigin: string;
    /** HF_TOKEN and an optional HF_LIVE_CHAT_MODEL from the environment of `npm test`, for the live smoke test ('' when unset). */
    hfLive: { token: string; chatModel: string };
  }
}

export const FAKE_HF_TOKEN = 'hf_fake_test_token';

const calls = new Map<string, Map<string, number>>();

function countCall(sha: string, route: string): number {
  const perImage = calls.get(sha) ?? new Map<string, number>();
  calls.set(sha, perImage);
  const n = perImage.get(route) ?? 0;
  perImage.set(route, n + 1);
  return n;
}

function scriptOf(bytes: Buffer): string[] {
  const text = bytes.toString('latin1');
  const at = text.lastIndexOf('fake-hf:');
  if (at < 0) return ['ok'];
  const end = text.indexOf(';', at);
  return text.slice(at + 'fake-hf:'.length, end < 0 ? undefined : end).split(',').filter(Boolean);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function uprightSize(bytes: Buffer): { width: number; height: number } {
  try {
    const info = probeImage(new Uint8Array(bytes), { maxPixels: 1e9 });
    return { width: info.width, height: info.height };
  } catch {
    return { width: 100, height: 100 };
  }
}

type Route = 'caption' | 'detr' | 'vqa' | 'chat';

/** The well-formed answer of each route. */
function answer(route: Route, image: Buffer, request: Record<string, unknown>): unknown {
  if (route === 'caption') return [{ generated_text: 'a photo of arafed dog sitting next to a red bicycle on a porch' }];
  if (route === 'detr') {
    const { width: w, height: h } = uprightSize(image);
    const box = (x0: number, y0: number, x1: number, y1: number) => ({ xmin: Math.round(x0 * w), ymin: Math.round(y0 * h), xmax: Math.round(x1 * w), ymax: Math.round(y1 * h) });
    return [
      { label: 'dog', score: 0.998, box: box(0.17, 0.36, 0.42, 0.94) },
      { label: 'bicycle', score: 0.971, box: box(0.06, 0.23, 0.74, 0.75) },
      { label: 'truck', score: 0.42, box: box(0.61, 0.13, 0.9, 0.3) },
    ];
  }
  if (route === 'vqa') {
    const inputs = request.inputs as { question?: string };
    const topK = Number((request.parameters as { top_k?: number } | undefined)?.top_k ?? 5);
    const question = String(inputs.question ?? '');
    const ranked = /how many/i.test(question)
      ? [['2', 0.91], ['3', 0.05], ['1', 0.03], ['4', 0.01]]
      : /colou?r/i.test(question)
        ? [['red', 0.83], ['orange', 0.1], ['pink', 0.04], ['brown', 0.02]]
        : [['yes', 0.88], ['no', 0.12]];
    return ranked.slice(0, topK).map(([answer, score]) => ({ answer, score }));
  }
  // chat: answer by what was asked, in the language asked for.
  const messages = (request.messages ?? []) as Array<{ content: Array<{ type: string; text?: string }> }>;
  const prompt = messages.flatMap((m) => m.content).find((p) => p.type === 'text')?.text ?? '';
  const german = /tag "de/.test(prompt);
  let content: string;
  if (prompt.includes('Question:')) content = /how many/i.test(prompt) ? 'Two.' : 'Yes.';
  else if (/three to five sentences/.test(prompt)) content = 'A dog sits on a porch beside a red road bicycle. The bicycle leans on a yellow wall. A white pickup truck is parked across the street.';
  else content = german ? 'Ein Hund sitzt neben einem roten Fahrrad auf einer Veranda.' : 'A dog sits beside a red bicycle on a porch.';
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 0,
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 12, total_tokens: 112 },
  };
}

/** A well-formed JSON document of the wrong shape for each route. */
function wrongShape(route: Route): unknown {
  if (route === 'caption') return { caption: 'a dog' };
  if (route === 'detr') return { boxes: [[0, 0, 10, 10]], labels: ['dog'] };
  if (route === 'vqa') return [{ text: 'yes', probability: 0.9 }];
  return { choices: [] };
}

function badLabel(route: Route, image: Buffer): unknown {
  if (route === 'detr') return [{ label: '\u0000<script>', score: 0.9, box: { xmin: 1, ymin: 1, xmax: 2, ymax: 2 } }];
  if (route === 'vqa') return [{ answer: 'yes', score: 7 }];
  if (route === 'caption') return [{ generated_text: '' }];
  return answer(route, image, {});
}

function imageOf(route: Route, body: Buffer, request: Record<string, unknown>): Buffer {
  if (route === 'caption' || route === 'detr') return body;
  if (route === 'vqa') return Buffer.from(String((request.inputs as { image?: string }).image ?? ''), 'base64');
  const parts = ((request.messages ?? []) as Array<{ content: Array<{ type: string; image_url?: { url: string } }> }>).flatMap((m) => m.content);
  const url = parts.find((p) => p.type === 'image_url')?.image_url?.url ?? '';
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

function routeOf(path: string): Route | undefined {
  if (path === '/models/caption') return 'caption';
  if (path === '/models/detr') return 'detr';
  if (path === '/models/vqa') return 'vqa';
  if (path === '/chat/v1/chat/completions') return 'chat';
  return undefined;
}

function handle(server: Server) {
  server.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/_calls') {
      json(res, 200, Object.fromEntries(calls.get(url.searchParams.get('sha256') ?? '') ?? []));
      return;
    }
    const route = routeOf(url.pathname);
    if (!route || req.method !== 'POST') {
      json(res, 404, { error: `no route ${req.method} ${url.pathname}` });
      return;
    }
    const body = await readBody(req);
    if (req.headers.authorization !== `Bearer ${FAKE_HF_TOKEN}`) {
      json(res, 401, { error: 'Invalid credentials in Authorization header' });
      return;
    }
    let request: Record<string, unknown> = {};
    if (route === 'vqa' || route === 'chat') {
      try {
        request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        json(res, 400, { error: 'request body is not JSON' });
        return;
      }
    }
    const image = imageOf(route, body, request);
    if (!image.length) {
      json(res, 400, { error: 'no image in the request' });
      return;
    }
    const sha = createHash('sha256').update(image).digest('hex');
    const n = countCall(sha, route);
    const script = scriptOf(image);
    const [step, arg] = (script[Math.min(n, script.length - 1)] ?? 'ok').split('=');
    switch (step) {
      case 'loading':
        json(res, 503, { error: `Model fake/${route} is currently loading`, estimated_time: Number(arg ?? 20) });
        return;
      case 'busy':
        json(res, 503, { error: 'Service Unavailable' });
        return;
      case 'slow': {
        const timer = setTimeout(() => json(res, 200, answer(route, image, request)), Number(arg ?? 5000));
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'error':
        json(res, 500, { error: 'CUDA error: an illegal memory access was encountered' });
        return;
      case 'badjson':
        res.writeHead(200, { 'content-type': 'application/json' }).end('[{"generated_text": "a dog sitting');
        return;
      case 'wrongshape':
        json(res, 200, wrongShape(route));
        return;
      case 'outofrange': {
        const { width, height } = uprightSize(image);
        json(res, 200, [{ label: 'dog', score: 0.9, box: { xmin: 10, ymin: 10, xmax: width + 500, ymax: height * 3 } }]);
        return;
      }
      case 'badlabel':
        json(res, 200, badLabel(route, image));
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'huge':
        json(res, 200, Array.from({ length: 40_000 }, () => ({ answer: 'yes', score: 0.5 })));
        return;
      default:
        json(res, 200, answer(route, image, request));
    }
  });
}

export default async function setup(project: TestProject) {
  const server = createServer();
  handle(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake HF server has no port');
  project.provide('fakeHfOrigin', `http://127.0.0.1:${address.port}`);
  project.provide('hfLive', { token: process.env.HF_TOKEN ?? '', chatModel: process.env.HF_LIVE_CHAT_MODEL ?? '' });
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}
