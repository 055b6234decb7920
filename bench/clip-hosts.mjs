// MobileCLIP-S0's two model hosts measured INSIDE workerd, with random-weight size-alike
// STAND-INS (models/tools/clip-standins.ts), NOT MobileCLIP: the real files cannot be
// downloaded here. bench/standins.mjs measures the same graphs in ORT-web on Node; this
// measures them where they run: in the real host Workers (functions/model-host), each tower
// in its own isolate, whose 128 MB limit (wasm memory + JS heap) local workerd does not enforce.
//
// 1. A throwaway copy of the working tree (git ls-files -co --exclude-standard; node_modules
//    symlinked), so the repository's models/ is never touched. Removed at the end.
// 2. The stand-ins are installed as mobileclip-s0 the way a user installs the real model:
//    laid out like Hugging Face in a temp mirror served on 127.0.0.1, a copy of
//    pull-sources.json pinning the stand-ins' sha256 and bytes, and the pull tool
//    (models/tools/pull/pull.ts --mirror --sources --no-local-r2) run in the copy; the text
//    tower (over the 25 MiB asset limit) then goes into the local R2 bucket of the wrangler
//    dev started below (`wrangler r2 object put --local --persist-to`).
// 3. Each host alone as the primary Worker: POST .../open, then .../run with tensor messages
//    (shared/inference/tensor-wire.ts format); cold open, first and warm runs (Server-Timing
//    `infer` and round trip), ORT wasm memory (/healthz) and the JS heap (inspector).
// 4. All product Workers together: /v1/embed, /v1/embed/text (1 and 8 texts), /v1/zero-shot
//    (10 labels), cold (fresh isolates per row) and warm cache misses, and the service-binding
//    hop: the API's `infer` minus the host's `clip-*.infer`.
//
//   npx node bench/clip-hosts.mjs [--runs N]   (Node >= 22.6: it imports shared/inference/tensor-wire.ts)
// (TypeScript tools run under the repository's node_modules/.bin/node, Node 22.)
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { uniqueCopy } from './lib/bodies.mjs';
import { openHeapProbe } from './lib/inspector.mjs';
import { fmt, median, serverTiming } from './lib/stats.mjs';
import { tsNode } from './lib/ts-node.mjs';
import { PRODUCT_CONFIGS, startWorker } from './lib/worker.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const MiB = 2 ** 20;
const LIMIT_BYTES = 128 * MiB;
const MODEL_ID = 'mobileclip-s0';
const BUCKET = 'edge-vision-models';
const HOSTS = {
  image: { config: 'functions/model-host/wrangler.clip-image.toml', file: 'model', binding: 'CLIP_IMAGE_WORKER' },
  text: { config: 'functions/model-host/wrangler.clip-text.toml', file: 'text', binding: 'CLIP_TEXT_WORKER' },
};
const LICENCE_TEXT = 'STAND-IN LICENCE for a random-weight stand-in of MobileCLIP-S0 (bench/clip-hosts.mjs).\nNot Apple\'s licence, not MobileCLIP: these weights mean nothing.\n';

const say = (message) => process.stderr.write(`[clip-hosts ${new Date().toISOString().slice(11, 19)}] ${message}\n`);


/** Runs a command to completion (own process group, killed on timeout); resolves its stdout, rejects with its output. */
function run(cmd, args, { cwd, timeoutMs = 300_000, env = {} } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      fail(new Error(`${cmd} ${args.join(' ')}: timed out after ${timeoutMs} ms\n${out.slice(-2000)}${err.slice(-2000)}`));
    }, timeoutMs);
    child.once('error', (e) => (clearTimeout(timer), fail(e)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(out);
      else fail(new Error(`${relative(REPO, cmd) || cmd} ${args.join(' ')} exited with ${code ?? signal}\n${out.slice(-3000)}\n${err.slice(-3000)}`));
    });
  });
}

// ---------------------------------------------------------------------------------------
// 1. The throwaway copy

function copyWorkingTree(into) {
  const listed = spawnSyncGit(['ls-files', '-co', '--exclude-standard', '-z'])
    .split('\0')
    .filter((path) => path && !path.startsWith('node_modules/') && !path.startsWith('.wrangler/'));
  let files = 0;
  for (const path of listed) {
    const from = join(REPO, path);
    let stat;
    try { stat = statSync(from); } catch { continue; } // tracked but deleted in the working tree
    if (!stat.isFile()) continue;
    const to = join(into, path);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    files++;
  }
  symlinkSync(join(REPO, 'node_modules'), join(into, 'node_modules'), 'dir');
  return files;
}

function spawnSyncGit(args) {
  return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * MiB });
}

// ---------------------------------------------------------------------------------------
// 2. Install the stand-ins as mobileclip-s0 through the pull tool and a local mirror

const sha256Of = (path) => new Promise((done, fail) => {
  const hash = createHash('sha256');
  createReadStream(path).on('data', (d) => hash.update(d)).on('error', fail).on('end', () => done(hash.digest('hex')));
});

/** A Hugging Face-like mirror: GET/HEAD <root>/<repo>/resolve/<revision>/<path>. */
async function serveMirror(root) {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(root + sep) || !existsSync(path) || !statSync(path).isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': statSync(path).size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path).pipe(res);
  });
  await new Promise((done, fail) => server.once('error', fail).listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }) };
}

async function installStandins(copy, work) {
  const node = tsNode();
  const generatedDir = join(work, 'generated');
  const t0 = performance.now();
  const generated = JSON.parse((await run(node, ['--experimental-strip-types', '--no-warnings', 'models/tools/clip-standins.ts', generatedDir], { cwd: copy })).trim().split('\n').pop());
  const generateMs = performance.now() - t0;
  const byRole = Object.fromEntries(generated.files.filter((f) => f.layout === 'single file').map((f) => [f.role, f.path]));
  const licencePath = join(generatedDir, 'LICENSE');
  writeFileSync(licencePath, LICENCE_TEXT);
  byRole.licence = licencePath;

  // The recommended variant's files of mobileclip-s0, as the pull tool selects them.
  const sources = JSON.parse(readFileSync(join(copy, 'models/pull-sources.json'), 'utf8'));
  const model = sources.models[MODEL_ID];
  const variant = model.variants[model.defaultVariant];
  const mirrorRoot = join(work, 'mirror');
  const installed = [];
  for (const role of ['image', 'text', 'licence']) {
    const entry = model.files.find((f) => f.role === role && (role === 'licence' ? f.variant === 'any' : f.variant === variant[role]));
    if (!entry) throw new Error(`pull-sources.json has no ${role} file for ${MODEL_ID}'s ${model.defaultVariant} variant`);
    if (!entry.url.startsWith(`${sources.upstreamBase}/`)) throw new Error(`${entry.url} does not start with upstreamBase ${sources.upstreamBase}`);
    const dest = join(mirrorRoot, entry.url.slice(sources.upstreamBase.length + 1));
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(byRole[role], dest);
    entry.sha256 = await sha256Of(dest);
    entry.bytes = statSync(dest).size;
    entry.sha256Source = entry.bytesSource = 'bench/clip-hosts.mjs: random-weight stand-in (models/tools/clip-standins.ts), NOT MobileCLIP';
    installed.push({ role, upstreamPath: entry.path, bytes: entry.bytes, sha256: entry.sha256 });
  }
  const sourcesFile = join(work, 'pull-sources.standins.json');
  writeFileSync(sourcesFile, JSON.stringify(sources, null, 2));

  const mirror = await serveMirror(mirrorRoot);
  let pullLog;
  const t1 = performance.now();
  try {
    pullLog = await run(node, ['--experimental-strip-types', '--no-warnings', 'models/tools/pull/pull.ts', MODEL_ID, '--mirror', mirror.url, '--sources', sourcesFile, '--no-local-r2'], { cwd: copy, timeoutMs: 300_000 });
  } finally {
    await mirror.close();
  }
  const pullMs = performance.now() - t1;
  const manifest = JSON.parse(readFileSync(join(copy, 'models', MODEL_ID, 'manifest.json'), 'utf8'));
  for (const key of ['model', 'text']) {
    const file = manifest.files[key];
    const path = join(copy, 'models', MODEL_ID, file.path);
    if (!existsSync(path)) throw new Error(`the pull did not install ${file.path}:\n${pullLog}`);
    if (!installed.some((f) => f.sha256 === file.sha256)) throw new Error(`the installed manifest's ${key} sha256 is not a stand-in's`);
  }
  return { manifest, installed, generateMs, pullMs, pullLog };
}

/** The text tower into the local R2 bucket of the wrangler dev runs below (same --persist-to). */
async function putTextTowerInR2(copy, manifest, persistTo) {
  const entry = manifest.files.text;
  if (entry.store !== 'r2') return undefined;
  const key = `${MODEL_ID}/${entry.path}`;
  await run('npx', ['wrangler', 'r2', 'object', 'put', `${BUCKET}/${key}`, '--file', join('models', MODEL_ID, entry.path), '--local', '--persist-to', persistTo], { cwd: copy, timeoutMs: 180_000 });
  return key;
}

// ---------------------------------------------------------------------------------------
// wrangler dev in the copy (bench/lib/worker.mjs's flags, with a cwd and a persist dir of our own)

const running = new Set();

/** The bench's wrangler dev (bench/lib/worker.mjs), run in the copy on the state holding the text tower; tracked for a synchronous kill on exit. */
async function startDev(copy, { configs, persistTo, vars = {}, timeoutMs = 240_000 }) {
  const worker = await startWorker({ configs, vars, timeoutMs, cwd: copy, persistTo });
  running.add(worker);
  return { ...worker, stop: () => worker.stop().finally(() => running.delete(worker)) };
}

function killAllSync() {
  for (const worker of running) try { process.kill(-worker.pid, 'SIGKILL'); } catch { /* gone */ }
  running.clear();
}

// ---------------------------------------------------------------------------------------
// Tensor messages: the product's own encoder (shared/inference/tensor-wire.ts), loaded when the bench runs
// (TypeScript: Node >= 22.6, as `npm run bench` provides).

let wire;
async function loadWire() {
  try {
    wire ??= await import('../shared/inference/tensor-wire.ts');
  } catch (error) {
    throw new Error(`bench/clip-hosts.mjs imports shared/inference/tensor-wire.ts: run it with Node >= 22.6 (npm run bench, or npx node bench/clip-hosts.mjs): ${error.message}`);
  }
  return wire;
}

/** pixel_values float32 [1,3,256,256] in [0,1]. */
function imageMessage(seed) {
  const data = new Float32Array(3 * 256 * 256);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; data[i] = s / 2 ** 32; }
  return wire.encodeTensors({ tensors: { pixel_values: { type: 'float32', data, dims: [1, 3, 256, 256] } }, fetches: ['image_embeds'] });
}

/** input_ids int64 [n,77]: start 49406, 5-20 tokens < 49406, end 49407, then padding 0. */
function textMessage(n, seed) {
  const data = new BigInt64Array(n * 77);
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  for (let row = 0; row < n; row++) {
    const len = 5 + (next() % 16);
    data[row * 77] = 49406n;
    for (let i = 1; i <= len; i++) data[row * 77 + i] = BigInt(next() % 49406);
    data[row * 77 + len + 1] = 49407n;
  }
  return wire.encodeTensors({ tensors: { input_ids: { type: 'int64', data, dims: [n, 77] } }, fetches: ['text_embeds'] });
}

async function postTimed(url, body, headers, timeoutMs) {
  const start = performance.now();
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const ms = performance.now() - start;
  if (!response.ok) throw new Error(`POST ${new URL(url).pathname}: ${response.status} ${new TextDecoder().decode(bytes).slice(0, 600)}`);
  return { ms, bytes, stages: serverTiming(response.headers.get('server-timing')), cache: response.headers.get('x-cache') };
}

// ---------------------------------------------------------------------------------------
// 3. Each host alone

async function benchHost(copy, persistTo, role, { runs, timeoutMs }) {
  const host = HOSTS[role];
  const worker = await startDev(copy, { configs: [host.config], persistTo });
  let probe;
  const memory = [];
  const rows = [];
  try {
    probe = await openHeapProbe(worker.inspectorPort).catch(() => undefined);
    const snapshot = async (step) => {
      const health = await (await fetch(`${worker.origin}/healthz`, { signal: AbortSignal.timeout(10_000) })).json();
      const heap = probe ? await probe.heap().catch(() => undefined) : undefined;
      const m = { step, wasm: health.isolate.ort_wasm_bytes, heapUsed: heap?.usedSize, heapTotal: heap?.totalSize, backing: heap?.backingStorageSize, models: health.isolate.models };
      memory.push(m);
      return m;
    };
    await snapshot('started');
    const base = `${worker.origin}/internal/models/${MODEL_ID}/${host.file}`;
    const headers = { 'content-type': 'application/octet-stream' };
    const open = await postTimed(`${base}/open`, '', headers, timeoutMs);
    const opened = JSON.parse(new TextDecoder().decode(open.bytes));
    const afterOpen = await snapshot('after open');
    const batches = role === 'image' ? [1] : [1, 8];
    let seed = 1;
    for (const batch of batches) {
      const message = () => (role === 'image' ? imageMessage(seed++) : textMessage(batch, seed++));
      const output = role === 'image' ? 'image_embeds' : 'text_embeds';
      const samples = [];
      let first;
      let error;
      try {
        for (let i = 0; i <= runs; i++) {
          const answer = await postTimed(`${base}/run`, message(), headers, timeoutMs);
          const out = wire.decodeTensors(answer.bytes).tensors[output];
          if (!out || out.dims.join(',') !== `${batch},512` || !out.data.every(Number.isFinite)) throw new Error(`run answered ${JSON.stringify(out?.dims)} for ${output}, or non-finite values`);
          const sample = { ms: answer.ms, infer: answer.stages.infer };
          if (i === 0) first = sample;
          else samples.push(sample);
        }
      } catch (e) {
        error = String(e.message ?? e);
      }
      const after = await snapshot(`after batch ${batch}`).catch(() => undefined);
      rows.push({
        role, batch, error,
        openMs: open.ms, loadMs: opened.loadMs, hostLoadStage: open.stages.load,
        firstMs: first?.ms, firstInfer: first?.infer,
        warmMs: samples.length ? median(samples.map((s) => s.ms)) : NaN,
        warmInfer: samples.length ? median(samples.map((s) => s.infer)) : NaN,
        runs: samples.length,
        wasmAfterOpen: afterOpen.wasm, heapAfterOpen: afterOpen.heapUsed,
        wasm: after?.wasm, heapUsed: after?.heapUsed, heapTotal: after?.heapTotal, backing: after?.backing,
      });
      if (error) break;
    }
    return { role, rows, memory };
  } catch (e) {
    return { role, rows, memory, error: `${e.message ?? e}\n--- wrangler log (tail) ---\n${worker.log().slice(-3000)}` };
  } finally {
    probe?.close();
    await worker.stop();
  }
}

// ---------------------------------------------------------------------------------------
// 4. All Workers together

let nonce = 0;
const tag = () => `clip-hosts-${process.pid}-${Date.now()}-${nonce++}`;
const WORDS = ['harbour', 'lantern', 'meadow', 'violin', 'glacier', 'pepper', 'saddle', 'comet', 'orchid', 'tunnel', 'kettle', 'falcon'];
const newTexts = (n) => { const t = tag(); return Array.from({ length: n }, (_, i) => `a photo of a ${WORDS[i % WORDS.length]} ${t} ${i}`); };

/** Texts per text-tower run (the manifest's text.maxBatch): a request's new texts take ceil(n / this) host calls. */
const TEXT_BATCH = JSON.parse(readFileSync(new URL('../models/mobileclip-s0/manifest.json', import.meta.url), 'utf8')).text.maxBatch;
const textCalls = (n) => Math.ceil(n / TEXT_BATCH);

const SCENARIOS = [
  { label: 'POST /v1/embed?model=mobileclip-s0 (1 MP JPEG)', hops: { image: 1, text: 0 },
    request: (jpeg) => ({ path: `/v1/embed?model=${MODEL_ID}`, body: uniqueCopy(jpeg, tag()), headers: { 'content-type': 'image/jpeg' } }) },
  { label: 'POST /v1/embed/text, 1 new text', hops: { image: 0, text: 1 },
    request: () => ({ path: '/v1/embed/text', body: JSON.stringify({ text: newTexts(1), model: MODEL_ID }), headers: { 'content-type': 'application/json' } }) },
  { label: `POST /v1/embed/text, 8 new texts (${textCalls(8)} runs of <= ${TEXT_BATCH})`, hops: { image: 0, text: textCalls(8) },
    request: () => ({ path: '/v1/embed/text', body: JSON.stringify({ text: newTexts(8), model: MODEL_ID }), headers: { 'content-type': 'application/json' } }) },
  { label: 'POST /v1/zero-shot?model=mobileclip-s0 (1 MP JPEG, 10 new labels)', hops: { image: 1, text: textCalls(10) }, concurrent: true,
    request: (jpeg) => ({ path: `/v1/zero-shot?model=${MODEL_ID}&candidate_labels=${encodeURIComponent(JSON.stringify(newTexts(10).map((t) => t.replace('a photo of a ', ''))))}`, body: uniqueCopy(jpeg, tag()), headers: { 'content-type': 'image/jpeg' } }) },
];

async function benchProduct(copy, persistTo, jpeg, { runs, timeoutMs }) {
  const rows = [];
  for (const scenario of SCENARIOS) {
    // Fresh isolates per row, so "cold" is the first request of the API and of its hosts.
    const worker = await startDev(copy, { configs: PRODUCT_CONFIGS, persistTo, vars: { RATE_LIMITS: 'off' } });
    const samples = [];
    let cold;
    let error;
    try {
      for (let i = 0; i <= runs; i++) {
        const { path, body, headers } = scenario.request(jpeg);
        const answer = await postTimed(`${worker.origin}${path}`, body, headers, timeoutMs);
        if (answer.cache !== 'MISS') throw new Error(`${path}: expected a cache miss, got x-cache ${answer.cache}`);
        const s = answer.stages;
        const hostInfer = (s['clip-image.infer'] ?? 0) + (s['clip-text.infer'] ?? 0);
        const sample = { ms: answer.ms, apiInfer: s.infer, hostInfer, imageInfer: s['clip-image.infer'], textInfer: s['clip-text.infer'], hop: s.infer - hostInfer, hostLoad: (s['clip-image.load'] ?? 0) + (s['clip-text.load'] ?? 0), stages: s };
        if (i === 0) cold = sample;
        else samples.push(sample);
      }
    } catch (e) {
      error = `${e.message ?? e}\n--- wrangler log (tail) ---\n${worker.log().slice(-3000)}`;
    } finally {
      await worker.stop();
    }
    const med = (key) => (samples.length ? median(samples.map((s) => s[key])) : NaN);
    const hops = scenario.hops.image + scenario.hops.text;
    rows.push({ label: scenario.label, hops, concurrent: Boolean(scenario.concurrent), cold, error, runs: samples.length, warmMs: med('ms'), apiInfer: med('apiInfer'), hostInfer: med('hostInfer'), hop: med('hop'), hopPerCall: med('hop') / hops });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------

export async function benchClipHosts({ runs = 7, timeoutMs = 180_000 } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'clip-hosts-'));
  const copy = join(work, 'repo');
  const started = performance.now();
  const cleanup = () => { killAllSync(); rmSync(work, { recursive: true, force: true }); };
  process.once('exit', cleanup);
  const onSignal = (signal) => { cleanup(); process.exit(signal === 'SIGINT' ? 130 : 143); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await loadWire();
    mkdirSync(copy);
    say(`copying the working tree into ${copy}`);
    const copied = copyWorkingTree(copy);
    say('generating the stand-ins and installing them as mobileclip-s0 (pull tool, local mirror)');
    const install = await installStandins(copy, work);
    const persistTo = join(copy, '.wrangler', 'clip-hosts-state');
    const r2Key = await putTextTowerInR2(copy, install.manifest, persistTo);
    const hosts = [];
    for (const role of ['image', 'text']) {
      say(`${role} tower's host alone in workerd`);
      hosts.push(await benchHost(copy, persistTo, role, { runs, timeoutMs }));
    }
    say('all Workers together: /v1/embed, /v1/embed/text, /v1/zero-shot');
    const photo = readFileSync(join(copy, 'test/fixtures/photos/dog-bicycle-truck.jpg'));
    const jpeg = new Uint8Array(await sharp(photo).resize(1155, 866, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer());
    const product = await benchProduct(copy, persistTo, jpeg, { runs, timeoutMs });
    return { runs, copied, r2Key, installed: install.installed, generateMs: install.generateMs, pullMs: install.pullMs, hosts, product, totalMs: performance.now() - started };
  } finally {
    cleanup();
    process.off('exit', cleanup);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const mib = (b) => (Number.isFinite(b) ? (b / MiB).toFixed(1) : 'n/a');
const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function clipHostsTable(result) {
  const lines = [
    '| host alone (stand-in, NOT MobileCLIP) | batch | cold open ms (session load in host) | first run ms: host infer / round trip | warm run p50 ms: host infer / round trip | ORT wasm MiB after open / after runs | JS heap MiB (live, after GC) | used = wasm + heap MiB | of 128 MiB | right after open: wasm + heap + ArrayBuffers MiB |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const host of result.hosts) {
    const name = host.role === 'image' ? 'image tower (fp16) in edge-vision-clip-image' : 'text tower (q8) in edge-vision-clip-text';
    const open = host.memory.find((m) => m.step === 'after open');
    const atOpen = open ? `${mib(open.wasm + (open.heapUsed ?? 0) + (open.backing ?? 0))} (${mib(open.backing)} of ArrayBuffers)` : 'n/a';
    for (const r of host.rows) {
      if (r.error) {
        lines.push(`| ${name} | ${r.batch} | ${fmt(r.openMs)} (${fmt(r.loadMs)}) | **failed: ${cell(r.error.slice(0, 400))}** | | ${mib(r.wasmAfterOpen)} / ${mib(r.wasm)} | ${mib(r.heapUsed)} | | | ${atOpen} |`);
        continue;
      }
      const used = r.wasm + (r.heapUsed ?? 0);
      lines.push(`| ${name} | ${r.batch} | ${fmt(r.openMs)} (${fmt(r.loadMs)}) | ${fmt(r.firstInfer)} / ${fmt(r.firstMs)} | ${fmt(r.warmInfer)} / ${fmt(r.warmMs)} | ${mib(r.wasmAfterOpen)} / ${mib(r.wasm)} | ${mib(r.heapUsed)} | ${mib(used)} | ${Math.round((100 * used) / LIMIT_BYTES)}%${used > LIMIT_BYTES ? ' **OVER**' : ''} | ${atOpen} |`);
    }
    if (host.error) lines.push(`| ${name} | | **failed: ${cell(host.error.slice(0, 600))}** | | | | | | | |`);
  }
  const product = [
    '| all Workers (API + hosts), stand-ins as mobileclip-s0 | cold ms (fresh isolates) | warm miss p50 ms | API `infer` p50 | hosts `clip-*.infer` p50 | hop = API infer - host infer, p50 (per host call) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of result.product) {
    if (r.error && !r.runs) {
      product.push(`| ${r.label} | ${r.cold ? fmt(r.cold.ms) : ''} | **failed: ${cell(r.error.slice(0, 500))}** | | | |`);
      continue;
    }
    const hop = r.concurrent
      ? `not a hop: ${fmt(r.hop)} over ${r.hops} concurrent calls, mostly each call waiting for the other host (see below)`
      : `${fmt(r.hop)}${r.hops > 1 ? ` (${r.hops} calls: ${fmt(r.hopPerCall)} each)` : ''}`;
    product.push(`| ${r.label} | ${r.cold ? fmt(r.cold.ms) : 'n/a'} | ${fmt(r.warmMs)} | ${fmt(r.apiInfer)} | ${fmt(r.hostInfer)} | ${hop}${r.error ? ` **then failed: ${cell(r.error.slice(0, 200))}**` : ''} |`);
  }
  return `${lines.join('\n')}\n\n${product.join('\n')}\n\n` +
    'Random-weight size-alike stand-ins of MobileCLIP-S0\'s two published files (models/tools/clip-standins.ts), **not MobileCLIP**, installed as `mobileclip-s0` the way a user installs the real model: served from a local Hugging Face-like mirror and pulled with `models/tools/pull/pull.ts --mirror --sources` (a copy of pull-sources.json pinning the stand-ins\' sha256), in a throwaway copy of the repository; the text tower (over the 25 MiB asset limit) read from the local R2 bucket. ' +
    'Top: each host Worker (functions/model-host) alone in workerd, called on its internal routes with tensor messages; cold open is the first `open` of a fresh isolate (ORT runtime + session creation, the host\'s own `loadMs` in brackets); wasm memory from the host\'s /healthz, JS heap from the inspector after a full GC (`usedSize`; ArrayBuffer backing stores outside V8\'s heap are not in it). Local workerd does not enforce the 128 MB limit: "used" is what a deployed isolate would hold at least. ' +
    'Bottom: `wrangler dev` with every product Worker, end to end over loopback, every request a cache miss (new image bytes, new texts); cold = first request of fresh isolates (API and host: runtime, session load, first run). The API\'s `infer` wraps the service-binding call (for text also tokenisation); the host\'s `infer` is its session.run, so the difference is the hop: tensor encoding, the binding call, decoding. Zero-shot runs the image call and the text calls (10 labels = ' + `${textCalls(10)} runs of <= ${TEXT_BATCH} texts` + ') concurrently; the two hosts do not compute in parallel here (warm end to end is about the sum of their infers), so the API\'s summed `infer` there mostly counts each call waiting for the other host, not hop cost. ' +
    `Medians of ${result.runs} warm runs; one run of the whole bench took ${(result.totalMs / 60000).toFixed(1)} min.`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--runs');
  const result = await benchClipHosts({ runs: i >= 0 ? Number(args[i + 1]) : 7 });
  console.log(clipHostsTable(result));
  const raw = process.env.CLIP_HOSTS_JSON;
  if (raw) writeFileSync(raw, JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2));
}
