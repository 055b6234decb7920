// Starts the real Workers under `wrangler dev` (workerd, local KV) on a free
// loopback port for the benchmark, and stops them afterwards: by default the
// API Worker and every Worker it reaches through a service binding
// (infra/workers.mjs), as `npm run dev` runs them.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
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
 * Worker, not the limiter (wrangler.toml RATE_LIMITS). `cwd`: the checkout to
 * run from (default this one). `persistTo`: local state the caller prepared
 * and keeps (default a fresh directory, removed on stop).
 */
export async function startWorker({ configs = PRODUCT_CONFIGS, vars = {}, timeoutMs = 90_000, cwd, persistTo } = {}) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const state = persistTo ?? `.wrangler/bench-state-${port}`;
  const args = ['wrangler', 'dev', ...configs.flatMap((c) => ['-c', c]), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', state];
  for (const [name, value] of Object.entries({ RATE_LIMITS: 'off', ...vars })) args.push('--var', `${name}:${value}`);
  const child = spawn('npx', args, {
    ...(cwd ? { cwd } : {}),
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const keep = (d) => (log = (log + d).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const origin = `http://127.0.0.1:${port}`;
  const ownedState = persistTo ? undefined : join(cwd ?? '.', state);
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev (${configs.join(', ')}) exited:\n${log}`);
    try {
      const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(5000) });
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() - started > timeoutMs) {
      await stop(child, ownedState);
      throw new Error(`wrangler dev (${configs.join(', ')}) did not start in ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { origin, port, inspectorPort, pid: child.pid, log: () => log, stop: () => stop(child, ownedState) };
}

/** Ends the wrangler process group this module started (killed if it lingers), then removes the local state it owns. */
async function stop(child, ownedState) {
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve(true) : new Promise((resolve) => child.once('exit', () => resolve(true)));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const gone = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(false), 5000))]);
  if (!gone) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (ownedState) rmSync(ownedState, { recursive: true, force: true });
}
