import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { bytesPlugin } from './test/support/bytes-plugin.ts';

/** A service binding served from Node: the request goes on, unchanged, to a Worker listening at `origin`. */
function forwardTo(origin: string) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    return fetch(new URL(url.pathname + url.search, origin), request);
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        // Everything that runs in the Workers runtime: the Worker called as a
        // client would, and the shared modules it is built from.
        plugins: [
          bytesPlugin(),
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            // The local fixture origin is the one plain-http origin the Worker may fetch in tests,
            // with a short fetch timeout so the slow-origin test is quick.
            // TEST_MIGRATIONS is the D1 schema (migrations/), read here on Node; tests that use
            // SEARCH_DB apply it inside workerd: applyD1Migrations(env.SEARCH_DB, env.TEST_MIGRATIONS).
            miniflare: {
              bindings: {
                ALLOW_HTTP_ORIGINS: inject('fixtureOrigin'),
                FETCH_TIMEOUT_MS: '1500',
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
              },
              // The model Workers started by test/support/model-workers.ts, reached over loopback.
              serviceBindings: {
                OCR_WORKER: forwardTo(inject('ocrWorkerUrl')),
              },
            },
          })),
        ],
        // Lists the generated test models (models/registry-manifests.ts); deployments define it false.
        define: { __TEST_MODELS__: 'true' },
        test: {
          name: 'workerd',
          globalSetup: ['./test/support/fixture-server.ts', './test/support/model-workers.ts'],
          include: ['test/**/*.test.ts', 'shared/**/*.test.ts', 'functions/**/*.test.ts'],
          exclude: ['test/golden/**', 'test/node/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Build tools (model conversion, provisioning) run on Node, and so do the tests
        // that start several Workers together (wrangler's createTestHarness) under test/node/.
        test: {
          name: 'node',
          include: ['models/**/*.test.ts', 'infra/**/*.test.ts', 'test/golden/**/*.test.ts', 'test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
        },
      },
    ],
  },
});
