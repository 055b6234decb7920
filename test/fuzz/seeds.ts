/// <reference types="vite/client" />
import type { Seed } from './mutate.ts';
import { SEED_FILES } from './seed-list.ts';

/** The seed files as bytes inside workerd (read at build time by test/support/bytes-plugin.ts). */
const files = import.meta.glob<Uint8Array>(['./seeds/*', '../fixtures/ingest/animated.webp', '../fixtures/photos/animated-traffic-light-drawing.gif'], {
  query: '?bytes',
  import: 'default',
  eager: true,
});

export const SEEDS: Seed[] = SEED_FILES.map(({ path, format }) => {
  const bytes = files[path];
  if (!bytes) throw new Error(`fuzz seed ${path} is missing (see test/fuzz/make-seeds.mjs)`);
  return { name: path.split('/').at(-1)!, format, bytes };
});

/** Inputs that once failed, kept as regression cases (see save-case.ts). */
export const CRASHERS: Array<{ name: string; bytes: Uint8Array }> = Object.entries(
  import.meta.glob<Uint8Array>('./crashers/*.bin', { query: '?bytes', import: 'default', eager: true }),
).map(([path, bytes]) => ({ name: path.split('/').at(-1)!, bytes }));
