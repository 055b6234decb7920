// Starts the real Workers under `wrangler dev` (workerd, local KV) on a free
// loopback port for the benchmark, and stops them afterwards: by default the
// API Worker and every Worker it reaches through a service binding
// (infra/workers.mjs), as `npm run dev` runs them.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { WORKERS } from '../../infra/workers.mjs';

/** The API first: wrangler serves the first config on the port and runs the others beside it. */
export const PRODUCT_CONFIGS = [...WORKERS].sort((a, b) => (a.name === 'api' ? -1 : b.name === 'api' ? 1 : 0)).map((w) => w.config);

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * `configs`: the wrangler configs to run (default: the product's Workers);
 * `vars` apply to the first. Rate limits are off: the bench measures the
 * Worker, not the limiter (wrangler.toml RATE_LIMITS).
 */
export async function startWorker({ configs = PRODUCT_CONFIGS, vars = {}, timeoutMs = 90_000 } = {}) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = ['wrangler', 'dev', ...configs.flatMap((c) => ['-c', c]), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', `.wrangler/bench-state-${port}`];
  for (const [name, value] of Object.entries({ RATE_LIMITS: 'off', ...vars })) args.push('--var', `${name}:${value}`);
  const child = spawn('npx', args, {
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const origin = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${log}`);
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() - started > timeoutMs) {
      await stop(child, `.wrangler/bench-state-${port}`);
      throw new Error(`wrangler dev did not start in ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const state = `.wrangler/bench-state-${port}`;
  return { origin, port, inspectorPort, log: () => log, stop: () => stop(child, state) };
}

/** Ends the wrangler process group this module started, then removes its local state. */
async function stop(child, state) {
  const exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  rmSync(state, { recursive: true, force: true });
}
