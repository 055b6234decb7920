// Writes one fuzz case to test/fuzz/crashers/ so it is replayed by every run:
//   node_modules/.bin/node --experimental-strip-types test/fuzz/save-case.ts <run seed> <case index> [name]
// The fuzz test prints both numbers for each failure.
import { readFileSync, writeFileSync } from 'node:fs';
import { fuzzCase, type Seed } from './mutate.ts';
import { SEED_FILES } from './seed-list.ts';

const [runSeed, index, name] = process.argv.slice(2);
if (runSeed === undefined || index === undefined) {
  console.error('usage: node_modules/.bin/node --experimental-strip-types test/fuzz/save-case.ts <run seed> <case index> [name]');
  process.exit(1);
}
const seeds: Seed[] = SEED_FILES.map(({ path, format }) => ({ name: path.split('/').at(-1)!, format, bytes: new Uint8Array(readFileSync(new URL(path, import.meta.url))) }));
const found = fuzzCase(seeds, Number(runSeed), Number(index));
const file = new URL(`./crashers/${name ?? `seed${runSeed}-case${index}-${found.seed}`}.bin`, import.meta.url);
writeFileSync(file, found.bytes);
console.log(`${file.pathname}: ${found.bytes.length} bytes from ${found.seed}; ${found.steps.join('; ')}`);
