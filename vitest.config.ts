import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { bytesPlugin } from './test/support/bytes-plugin.ts';
import { FAKE_HF_TOKEN } from './test/support/fake-hf-server.ts';

/** A service binding served from Node: the request goes on, unchanged, to a Worker listening at `origin`. */
function forwardTo(origin: string) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    return fetch(new URL(url.pathname + url.search, origin), request);
  };
}

/** Worker vars pointing every heavy task at the fake HF server (captions and VQA on task endpoints, a chat model beside them). */
function fakeHfBindings(origin: string): Record<string, string> {
  return {
    BACKEND: 'hf',
    HF_TOKEN: FAKE_HF_TOKEN,
    HF_CAPTION_URL: `${origin}/models/caption`,
    HF_CAPTION_MODEL: 'fake/blip-caption',
    HF_DETECT_URL: `${origin}/models/detr`,
    HF_DETECT_MODEL: 'fake/detr-resnet-50',
    HF_VQA_URL: `${origin}/models/vqa`,
    HF_VQA_MODEL: 'fake/vilt-vqa',
    HF_CHAT_URL: `${origin}/chat`,
    HF_CHAT_MODEL: 'fake/vision-chat',
    BACKEND_BUDGET_MS: '2000',
    BACKEND_BREAKER_FAILURES: '5',
    BACKEND_BREAKER_COOLDOWN_MS: '1000',
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
                // The whole suite calls from one address; the rate-limit and auth tests turn
                // limits on per request (shared/http/rate-limit/rate-limit.test.ts).
                RATE_LIMITS: 'off',
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                // The GPU backend is the local fake HF server (test/support/fake-hf-server.ts), reached
                // through @huggingface/inference; a short budget keeps the slow-backend tests quick.
                // Tests of BACKEND = "none" (the `npm run dev` default) override these per request.
                ...fakeHfBindings(inject('fakeHfOrigin')),
              },
              // The model Workers started by test/support/model-workers.ts, reached over loopback.
              serviceBindings: {
                OCR_WORKER: forwardTo(inject('ocrWorkerUrl')),
                CLIP_IMAGE_WORKER: forwardTo(inject('clipImageWorkerUrl')),
                CLIP_TEXT_WORKER: forwardTo(inject('clipTextWorkerUrl')),
              },
            },
          })),
        ],
        // Lists the generated test models (models/registry-manifests.ts); deployments define it false.
        define: { __TEST_MODELS__: 'true' },
        test: {
          name: 'workerd',
          // test/fuzz: `npm test` runs a short bounded pass; `npm run fuzz` sets these for a long one.
          provide: {
            fuzzIterations: Number(process.env.FUZZ_ITERATIONS ?? 400),
            fuzzSeed: Number(process.env.FUZZ_SEED ?? 20261117),
          },
          globalSetup: ['./test/support/fixture-server.ts', './test/support/model-workers.ts', './test/support/fake-hf-server.ts', './models/tools/vocabulary/test-setup.ts'],
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
