// A stand-in GPU captioner for the load test: a loopback server speaking the
// Hugging Face image-to-text protocol (raw image in, [{generated_text}] out)
// that the load test switches between healthy, failing and slow while requests
// flow, to watch the API degrade to its declared fallback (the edge caption)
// and recover. It captions nothing: every answer is the same sentence.
import { createServer } from 'node:http';

export const CAPTION = 'a photo on the load-test captioner';

export async function startGpuBackend() {
  let mode = 'healthy';
  const calls = { healthy: 0, failing: 0, slow: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls[mode]++;
      if (mode === 'failing') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"injected failure"}');
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ generated_text: CAPTION }]));
      // Slow: past any sensible budget, so the API gives up and falls back.
      if (mode === 'slow') return void setTimeout(answer, 10_000).unref();
      answer();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    calls,
    get mode() {
      return mode;
    },
    set(next) {
      mode = next;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
