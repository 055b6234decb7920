import { ApiError, type ProblemBody } from '../errors/api-error.ts';
import type { ServerTiming } from '../timing/server-timing.ts';

/**
 * One call to another of the product's Workers through a service binding.
 * An unreachable Worker is 503 `backend_unavailable`; a problem answered
 * there is passed on as it was answered (same status and code); the other
 * Worker's Server-Timing stages appear in this response's as `<prefix>.<stage>`.
 */
export async function callWorker(
  fetcher: Fetcher | undefined,
  request: Request,
  { binding, what, timing, prefix }: { binding: string; what: string; timing: ServerTiming; prefix: string },
): Promise<Response> {
  if (!fetcher) throw new ApiError(503, 'backend_unavailable', `${what} runs in another Worker, and this one has no ${binding} service binding.`);
  let response: Response;
  try {
    response = await fetcher.fetch(request);
  } catch (error) {
    throw new ApiError(503, 'backend_unavailable', `${what} (service binding ${binding}) did not answer: ${String(error)}`);
  }
  mergeTiming(timing, prefix, response.headers.get('server-timing'));
  if (!response.ok) throw await remoteProblem(response, what);
  return response;
}

async function remoteProblem(response: Response, what: string): Promise<ApiError> {
  const text = await response.text();
  if (response.headers.get('content-type') === 'application/problem+json') {
    try {
      // ApiError rebuilds the envelope (type, title); the extensions (model, install, ...) pass on.
      const { status, code, detail, type: _type, title: _title, ...extensions } = JSON.parse(text) as ProblemBody;
      return new ApiError(status, code, detail, extensions);
    } catch {
      // Not the problem shape we send: fall through to a gateway error.
    }
  }
  return new ApiError(502, 'model_failed', `${what} answered ${response.status}: ${text.slice(0, 200)}`);
}

function mergeTiming(timing: ServerTiming, prefix: string, header: string | null): void {
  for (const entry of header?.split(',') ?? []) {
    const [name, ...fields] = entry.trim().split(';');
    const duration = fields.find((f) => f.startsWith('dur='));
    if (name && duration) timing.add(`${prefix}.${name}`, Number(duration.slice(4)) || 0);
  }
}
