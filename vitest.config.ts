import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { bytesPlugin } from './test/support/bytes-plugin.ts';

export default defineConfig({
  test: {
    projects: [
      {
        // Everything that runs in the Workers runtime: the Worker called as a
        // client would, and the shared modules it is built from.
        plugins: [bytesPlugin(), cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'workerd',
          include: ['test/**/*.test.ts', 'shared/**/*.test.ts', 'functions/**/*.test.ts'],
          exclude: ['test/golden/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Build tools (model conversion, provisioning) run on Node.
        test: {
          name: 'node',
          include: ['models/**/*.test.ts', 'infra/**/*.test.ts', 'test/golden/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
        },
      },
    ],
  },
});
