// npm run bench: runs the real Worker in workerd and measures it beside native
// references on the same inputs. Medians of repeated runs: the machine is noisy.
import { benchDecode, decodeTable, makeJpegs } from './decode.mjs';
import { startWorker } from './lib/worker.mjs';
import { benchMemory, memoryTable } from './memory.mjs';

const worker = await startWorker();
try {
  console.log(`Worker up at ${worker.origin}`);
  const jpegs = await makeJpegs();
  console.log('\nDecode + resize (inside workerd, via Server-Timing of /v1/inspect)');
  console.log(decodeTable(await benchDecode(worker.origin, jpegs)));
  console.log('\nIsolate memory as each model loads (one isolate, all routes)');
  console.log(memoryTable(await benchMemory(worker)));
} finally {
  worker.stop();
}
