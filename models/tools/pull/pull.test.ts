// The puller against a local HTTP server that plays Hugging Face (or a mirror) and
// misbehaves on purpose: corrupt bytes, a socket dropped mid-body, Range ignored,
// a stalled body, 404. The payloads are random bytes: the downloader never parses them.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelManifest } from '../../../shared/models/manifest.ts';
import { parseContentRange } from './download.ts';
import { Progress, Terminal } from './progress.ts';
import { IntegrityError, MODEL_BUCKET_NAME, PullError, pullModel } from './pull-model.ts';
import type { PullOptions } from './pull-model.ts';
import { loadSources, resolveUrl } from './sources.ts';
import type { PullSources } from './sources.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REAL_SOURCES = loadSources(resolve(HERE, '../../pull-sources.json'));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// Payloads: a few MB each, so a dropped connection really happens mid-body.
const IMAGE = randomBytes(3 * 1024 * 1024);
const TEXT = randomBytes(2 * 1024 * 1024 + 123);
const LICENCE = Buffer.from('Test licence text.\n');
const REV = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const REPO = 'Xenova/mobileclip_s0';
const PATHS = {
  image: 'onnx/vision_model_fp16.onnx',
  text: 'onnx/text_model_quantized.onnx',
  licence: 'LICENSE',
} as const;
const serverPath = (path: string) => `/hf/${REPO}/resolve/${REV}/${path}`;

/** The real pull-sources.json, with mobileclip-s0's recommended files pointed at the test payloads. */
function testSources(edit?: (files: PullSources['models'][string]['files']) => void): PullSources {
  const sources = structuredClone(REAL_SOURCES);
  const model = sources.models['mobileclip-s0']!;
  model.revision = REV;
  const payload: Record<string, Buffer> = { [PATHS.image]: IMAGE, [PATHS.text]: TEXT, [PATHS.licence]: LICENCE };
  for (const f of model.files) {
    f.url = `${sources.upstreamBase}/${REPO}/resolve/${REV}/${f.path}`;
    const body = payload[f.path];
    if (body) {
      f.bytes = body.length;
      f.sha256 = sha256(body);
    }
  }
  edit?.(model.files);
  return sources;
}

// ---- the server ---------------------------------------------------------------

type Behaviour =
  | 'normal' // honours Range with 206
  | 'corrupt' // same length, different bytes
  | 'drop-first' // first response: headers for the whole file, 1 MiB, then the socket is destroyed
  | 'drop-always'
  | 'drop-then-ignore-range' // drop once, then answer Range requests with 200 and the whole file
  | 'drop-then-wrong-range' // drop once, then answer Range with a Content-Range that starts elsewhere
  | 'stall-first' // first response: 1 MiB then silence (no end, no close)
  | 'close'; // the whole file, then the server closes the connection (HTTP/1.0-style mirrors, `python3 -m http.server`)

interface Route { body: Buffer; behaviour: Behaviour; hits: number }
interface Seen { path: string; range: string | undefined }

const DROP_AT = 1024 * 1024;
let server: Server;
let base = '';
const routes = new Map<string, Route>();
const seen: Seen[] = [];

function sendWhole(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
  res.end(body);
}

function sendRange(req: IncomingMessage, res: ServerResponse, body: Buffer, wrongStart = false): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (!m) return sendWhole(res, body);
  const start = Number(m[1]);
  if (start >= body.length) {
    res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  const from = wrongStart ? 0 : start;
  res.writeHead(206, { 'content-length': body.length - from, 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` });
  res.end(body.subarray(from));
}

function dropAfter(res: ServerResponse, body: Buffer, n: number): void {
  res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
  // Destroy only once the first n bytes are on the wire, so the client really has them.
  res.write(body.subarray(0, n), () => res.socket?.destroy());
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '';
  seen.push({ path, range: req.headers.range });
  const route = routes.get(path);
  if (!route) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
    return;
  }
  route.hits++;
  const first = route.hits === 1;
  switch (route.behaviour) {
    case 'normal': return sendRange(req, res, route.body);
    case 'corrupt': {
      const bad = Buffer.from(route.body);
      bad[bad.length >> 1] ^= 0xff;
      return sendWhole(res, bad);
    }
    case 'drop-first': return first ? dropAfter(res, route.body, DROP_AT) : sendRange(req, res, route.body);
    case 'drop-always': return dropAfter(res, route.body, DROP_AT);
    case 'drop-then-ignore-range': return first ? dropAfter(res, route.body, DROP_AT) : sendWhole(res, route.body);
    case 'drop-then-wrong-range': return first ? dropAfter(res, route.body, DROP_AT) : sendRange(req, res, route.body, route.hits === 2);
    case 'close': {
      // Written on the socket, as python's http.server does: headers, the body and the FIN back to back.
      const socket = res.socket!;
      socket.write(`HTTP/1.0 200 OK\r\ncontent-length: ${route.body.length}\r\nconnection: close\r\n\r\n`);
      socket.end(route.body);
      return;
    }
    case 'stall-first':
      if (!first) return sendRange(req, res, route.body);
      res.writeHead(200, { 'content-length': route.body.length });
      res.write(route.body.subarray(0, DROP_AT)); // and nothing more
  }
}

function serve(behaviours: Partial<Record<keyof typeof PATHS, Behaviour | 'missing'>> = {}): void {
  routes.clear();
  for (const role of ['image', 'text', 'licence'] as const) {
    const behaviour = behaviours[role] ?? 'normal';
    if (behaviour === 'missing') continue;
    const body = role === 'image' ? IMAGE : role === 'text' ? TEXT : LICENCE;
    routes.set(serverPath(PATHS[role]), { body, behaviour, hits: 0 });
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hf`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

// ---- per test: a temp models/ dir and captured output ---------------------------

let modelsDir = '';
let out = '';
beforeEach(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'pull-test-'));
  out = '';
  seen.length = 0;
  serve();
});
afterEach(async () => {
  server.closeAllConnections(); // stalled responses from a test must not linger
  await rm(modelsDir, { recursive: true, force: true });
});

function pull(extra: Partial<PullOptions> = {}) {
  return pullModel({
    id: 'mobileclip-s0',
    modelsDir,
    sources: testSources(),
    mirror: base,
    output: { isTTY: false, write: (s: string) => { out += s; } },
    download: { retries: 3, backoffMs: 10, connectTimeoutMs: 5000, idleTimeoutMs: 400 },
    ...extra,
  });
}

const modelDir = () => join(modelsDir, 'mobileclip-s0');
const fileSha = (rel: string) => sha256(readFileSync(join(modelDir(), rel)));
const partFiles = async () => (await readdir(modelDir(), { recursive: true }).catch(() => [] as string[])).filter((f) => String(f).endsWith('.part'));
const hitsOn = (path: string) => seen.filter((s) => s.path === serverPath(path));
/**
 * The offset of a resume request. A socket destroyed right after a write may lose
 * bytes still in flight, so the client resumes from what it really got: at most DROP_AT.
 */
function resumeOffset(range: string | undefined): number {
  const m = /^bytes=(\d+)-$/.exec(range ?? '');
  expect(m, `a Range request, got ${range}`).not.toBeNull();
  const offset = Number(m![1]);
  expect(offset).toBeGreaterThan(0);
  expect(offset).toBeLessThanOrEqual(DROP_AT);
  return offset;
}

describe('pullModel', () => {
  it('downloads, verifies and installs the recommended files, then writes a manifest the API accepts', async () => {
    const result = await pull();
    expect(fileSha('image_model.onnx')).toBe(sha256(IMAGE));
    expect(fileSha('text_model.onnx')).toBe(sha256(TEXT));
    expect(fileSha('LICENSE')).toBe(sha256(LICENCE));
    expect(await partFiles()).toEqual([]);

    const manifest = JSON.parse(readFileSync(join(modelDir(), 'manifest.json'), 'utf8'));
    expect(ModelManifest.parse(manifest)).toEqual(manifest); // strict schema: no stray keys
    expect(Object.keys(manifest)).toEqual(['id', 'version', 'task', 'description', 'licence', 'install', 'source', 'files', 'input', 'output', 'text']);
    expect(manifest.install).toBe('npm run models:pull -- mobileclip-s0');
    // Each tower runs in a model host of its own (functions/model-host).
    expect(manifest.files.model).toEqual({ path: 'image_model.onnx', bytes: IMAGE.length, sha256: sha256(IMAGE), worker: 'CLIP_IMAGE_WORKER' });
    expect(manifest.files.text).toEqual({ path: 'text_model.onnx', bytes: TEXT.length, sha256: sha256(TEXT), worker: 'CLIP_TEXT_WORKER' });
    expect(manifest.input).toEqual({
      name: 'pixel_values', layout: 'NCHW', dtype: 'float32', width: 256, height: 256, resize: 'crop', channels: 'RGB', maxBatch: 1,
      normalize: { scale: 0.00392156862745098, mean: [0, 0, 0], std: [1, 1, 1] },
    });
    expect(manifest.output).toEqual({ name: 'image_embeds', kind: 'embedding' });
    expect(manifest.task).toBe('embed');
    expect(manifest.text).toEqual({
      tokenizer: 'clip-bpe', input: 'input_ids', dtype: 'int64', contextLength: 77, padTokenId: 0, output: 'text_embeds', dims: 512,
      logitScale: 100, multiLabelBias: 0.22, maxBatch: 4,
    });
    expect(manifest.source.licenceFile).toBe('LICENSE');
    expect(manifest.version).toBe(`${REV.slice(0, 12)}-image-fp16-text-int8`);

    // Fetched through the mirror, whole files, no resume needed.
    expect(seen.map((s) => s.path)).toEqual([serverPath(PATHS.image), serverPath(PATHS.text), serverPath(PATHS.licence)]);
    expect(seen.every((s) => s.range === undefined)).toBe(true);
    expect(result.files.map((f) => f.action)).toEqual(['downloaded', 'downloaded', 'downloaded']);
    expect(out).toContain('Restart `npm run dev`');
    expect(out).toMatch(/Memory \(rough estimate, not measured/);
    expect(out).toMatch(/image tower in CLIP_IMAGE_WORKER: ≈ [\d.]+ MiB/);
    expect(out).toMatch(/text tower in CLIP_TEXT_WORKER: ≈ [\d.]+ MiB/);
    expect(result.memoryEstimates.map((e) => e.worker)).toEqual(['CLIP_IMAGE_WORKER', 'CLIP_TEXT_WORKER']);
  });

  it('refuses a corrupted file: no file, no .part, no manifest, and the error shows expected vs got', async () => {
    serve({ image: 'corrupt' });
    const error = await pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    const bad = Buffer.from(IMAGE);
    bad[bad.length >> 1] ^= 0xff;
    expect((error as Error).message).toContain(`expected ${sha256(IMAGE)}`);
    expect((error as Error).message).toContain(`got      ${sha256(bad)}`);
    expect(existsSync(join(modelDir(), 'image_model.onnx'))).toBe(false);
    expect(existsSync(join(modelDir(), 'manifest.json'))).toBe(false);
    expect(await partFiles()).toEqual([]);
    expect(hitsOn(PATHS.text)).toHaveLength(0); // stops at the first bad file
  });

  it('resumes a connection dropped mid-body with a Range request', async () => {
    serve({ image: 'drop-first' });
    await pull();
    const requests = hitsOn(PATHS.image);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.range).toBeUndefined();
    const offset = resumeOffset(requests[1]!.range);
    expect(out).toMatch(new RegExp(`retry 1/3 in 0\\.0s from byte ${offset}`));
    expect(fileSha('image_model.onnx')).toBe(sha256(IMAGE));
  });

  it('starts again from zero when the server answers a Range request with 200', async () => {
    serve({ image: 'drop-then-ignore-range' });
    await pull();
    const requests = hitsOn(PATHS.image);
    expect(requests).toHaveLength(2);
    resumeOffset(requests[1]!.range);
    expect(out).toContain('server ignored the Range request (HTTP 200); starting again from zero');
    expect(fileSha('image_model.onnx')).toBe(sha256(IMAGE));
  });

  it('starts again from zero when a 206 carries the wrong Content-Range', async () => {
    serve({ image: 'drop-then-wrong-range' });
    await pull();
    const requests = hitsOn(PATHS.image);
    expect(requests.map((r) => r.range === undefined)).toEqual([true, false, true]);
    const offset = resumeOffset(requests[1]!.range);
    expect(out).toContain(`Content-Range "bytes 0-${IMAGE.length - 1}/${IMAGE.length}", not bytes ${offset}-; starting again from zero`);
    expect(fileSha('image_model.onnx')).toBe(sha256(IMAGE));
  });

  it('times out a stalled body and resumes', async () => {
    serve({ text: 'stall-first' });
    await pull();
    expect(out).toContain('no data for 0.4s');
    expect(hitsOn(PATHS.text).map((r) => r.range)).toEqual([undefined, `bytes=${DROP_AT}-`]);
    expect(fileSha('text_model.onnx')).toBe(sha256(TEXT));
  });

  it('gives up after 3 retries, keeps the .part, and the next run resumes from it', async () => {
    serve({ image: 'drop-always' });
    const error = await pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PullError);
    expect((error as Error).message).toMatch(/download failed after 3 retries: .*run the command again to resume/s);
    expect(hitsOn(PATHS.image)).toHaveLength(4);
    expect(await partFiles()).toEqual(['image_model.onnx.part']);
    const kept = readFileSync(join(modelDir(), 'image_model.onnx.part')).length;
    expect(kept).toBeGreaterThan(0);

    serve();
    seen.length = 0;
    await pull();
    expect(out).toContain(`resuming from ${kept} bytes kept from an earlier run`);
    expect(hitsOn(PATHS.image).map((r) => r.range)).toEqual([`bytes=${kept}-`]);
    expect(fileSha('image_model.onnx')).toBe(sha256(IMAGE));
  });

  it('replaces a stale .part from an earlier run that does not verify', async () => {
    await mkdir(modelDir(), { recursive: true });
    await writeFile(join(modelDir(), 'image_model.onnx.part'), randomBytes(DROP_AT)); // not a prefix of IMAGE
    await pull();
    expect(out).toContain('image_model.onnx: the partial file kept from an earlier run does not verify; downloading again from zero');
    expect(hitsOn(PATHS.image).map((r) => r.range)).toEqual([`bytes=${DROP_AT}-`, undefined]);
    expect(fileSha('image_model.onnx')).toBe(sha256(IMAGE));
  });

  it('reports a 404 clearly and does not retry it', async () => {
    serve({ text: 'missing' });
    const error = await pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PullError);
    expect((error as Error).message).toContain(`HTTP 404 Not Found from ${base}/${REPO}/resolve/${REV}/${PATHS.text}`);
    expect((error as Error).message).toContain('check the revision/path');
    expect(hitsOn(PATHS.text)).toHaveLength(1);
    expect(existsSync(join(modelDir(), 'manifest.json'))).toBe(false);
    expect(existsSync(join(modelDir(), 'image_model.onnx'))).toBe(false); // nothing is moved into place until every file is verified
  });

  it('skips files already installed with the right sha256, unless --force', async () => {
    await pull();
    seen.length = 0;
    const again = await pull();
    expect(seen).toHaveLength(0);
    expect(again.files.map((f) => f.action)).toEqual(['already installed', 'already installed', 'already installed']);
    expect(out).toContain('image_model.onnx: already installed');

    seen.length = 0;
    await pull({ force: true });
    expect(seen).toHaveLength(3);
  });

  it('refuses a file with no pinned sha256 unless allowed, then prints the sha256 it got', async () => {
    const sources = testSources((files) => { files.find((f) => f.path === PATHS.text)!.sha256 = null; });
    const error = await pull({ sources }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PullError);
    expect((error as Error).message).toMatch(/pins no sha256 for\n\s+onnx\/text_model_quantized.onnx/);
    expect((error as Error).message).toContain('--allow-unverified');
    expect(seen).toHaveLength(0); // refused before fetching anything

    const result = await pull({ sources, allowUnverified: true });
    expect(out).toContain(`text_model.onnx: UNVERIFIED, received ${TEXT.length} bytes with sha256 ${sha256(TEXT)}`);
    expect(result.manifest.files['text']!.sha256).toBe(sha256(TEXT));
    const manifest = JSON.parse(readFileSync(join(modelDir(), 'manifest.json'), 'utf8'));
    expect(manifest.source.files.find((f: { role: string }) => f.role === 'text').sha256Pinned).toBe(false);
  });

  it('keeps files over the Workers asset limit out of the static assets (under source/) and copies them into the local R2 bucket', async () => {
    const stored: Array<{ objectPath: string; bytes: string }> = [];
    const storeInR2 = async (objectPath: string, file: string) => {
      stored.push({ objectPath, bytes: sha256(readFileSync(file)) });
    };
    const result = await pull({ assetLimitBytes: 2.5 * 1024 * 1024, storeInR2 }); // image (3 MiB) over, text (2 MiB) under
    expect(fileSha('source/image_model.onnx')).toBe(sha256(IMAGE));
    expect(existsSync(join(modelDir(), 'image_model.onnx'))).toBe(false);
    expect(result.manifest.files.model).toMatchObject({ path: 'source/image_model.onnx', store: 'r2' });
    expect(result.manifest.files['text']!.path).toBe('text_model.onnx');
    expect(result.manifest.files['text']!.store).toBeUndefined();
    expect(out).toMatch(/over the 2\.5 MiB Workers static-asset limit/);
    // At the key the Worker reads (<bucket>/<id>/<path>), with the verified bytes.
    expect(stored).toEqual([{ objectPath: 'edge-vision-models/mobileclip-s0/source/image_model.onnx', bytes: sha256(IMAGE) }]);
    expect(out).toContain('copied into the local bucket of npm run dev');
    expect(out).toContain('npx wrangler r2 object put edge-vision-models/mobileclip-s0/source/image_model.onnx --file');
    expect(out).not.toContain('--local');
  });

  it('prints the local R2 command when the copy is not made or fails, and still installs', async () => {
    await pull({ assetLimitBytes: 2.5 * 1024 * 1024 });
    expect(out).toMatch(/r2 object put edge-vision-models\/mobileclip-s0\/source\/image_model.onnx --file \S+ --local/);
    out = '';
    const result = await pull({ assetLimitBytes: 2.5 * 1024 * 1024, storeInR2: () => Promise.reject(new Error('wrangler not found')) });
    expect(result.warnings.join('\n')).toContain('could not be copied into the local R2 bucket: wrangler not found');
    expect(out).toMatch(/--local/);
  });

  it('refuses a server that sends a different length than pinned before reading the body', async () => {
    const sources = testSources((files) => { files.find((f) => f.path === PATHS.image)!.bytes = IMAGE.length + 1; });
    const error = await pull({ sources }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain(`the server is sending ${IMAGE.length} bytes, but models/pull-sources.json pins ${IMAGE.length + 1}`);
    expect(await partFiles()).toEqual([]);
  });
});

describe('pieces', () => {
  it('copies into the bucket the Workers read: MODEL_BUCKET in the API and model-host configs', () => {
    for (const config of ['wrangler.toml', 'functions/model-host/wrangler.clip-image.toml', 'functions/model-host/wrangler.clip-text.toml']) {
      const toml = readFileSync(resolve(HERE, '../../..', config), 'utf8');
      expect(toml, config).toMatch(new RegExp(`binding = "MODEL_BUCKET"\\nbucket_name = "${MODEL_BUCKET_NAME}"`));
    }
  });

  it('mirror replaces only the upstream origin', () => {
    const url = 'https://huggingface.co/Xenova/mobileclip_s0/resolve/abc/onnx/x.onnx';
    expect(resolveUrl(url, 'https://huggingface.co', 'http://mirror.internal/hf/')).toBe('http://mirror.internal/hf/Xenova/mobileclip_s0/resolve/abc/onnx/x.onnx');
    expect(resolveUrl(url, 'https://huggingface.co', undefined)).toBe(url);
    expect(() => resolveUrl(url, 'https://huggingface.co', 'ftp://x')).toThrow(/http\(s\)/);
  });

  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 10-19/20')).toEqual({ start: 10, end: 19, total: 20 });
    expect(parseContentRange('bytes 10-19/*')).toEqual({ start: 10, end: 19, total: null });
    expect(parseContentRange('bytes */20')).toBeNull();
    expect(parseContentRange(null)).toBeNull();
  });

  it('draws one updating line on a TTY', () => {
    let text = '';
    let t = 0;
    const term = new Terminal({ isTTY: true, write: (s: string) => { text += s; } });
    const progress = new Progress(term, 'image_model.onnx', { now: () => t });
    progress.start(0, 10 * 1024 * 1024);
    t = 1000;
    progress.update(5 * 1024 * 1024);
    progress.finish();
    expect(text).toContain('\r\x1b[2K  image_model.onnx  5.0 MiB / 10.0 MiB  50.0%  5.0 MiB/s  ETA 1s');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2); // one line, redrawn in place
  });

  it('every file in models/pull-sources.json points at its pinned revision', () => {
    for (const [id, model] of Object.entries(REAL_SOURCES.models)) {
      for (const f of model.files) {
        expect(f.url, `${id} ${f.path}`).toBe(`${REAL_SOURCES.upstreamBase}/${model.repo}/resolve/${model.revision}/${f.path}`);
      }
    }
  });
});

describe('CLI', () => {
  async function runCli(sources = testSources()): Promise<string> {
    const sourcesFile = join(modelsDir, 'sources.json');
    await writeFile(sourcesFile, JSON.stringify(sources));
    const node = existsSync(resolve(HERE, '../../../node_modules/.bin/node')) ? resolve(HERE, '../../../node_modules/.bin/node') : process.execPath;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['MODELS_MIRROR'];
    const { stdout } = await promisify(execFile)(
      node,
      ['--experimental-strip-types', '--no-warnings', join(HERE, 'pull.ts'), 'mobileclip-s0', '--mirror', base, '--models-dir', modelsDir, '--sources', sourcesFile],
      { env },
    );
    return stdout;
  }

  // Against `python3 -m http.server` as a mirror, Node's bundled fetch crashed the CLI (nodejs/undici#5360:
  // FIN on a parser paused by backpressure); it now fetches with undici 8. This server closes the same way,
  // but the crash depends on timing and this test does not reproduce it reliably: it checks the path works.
  it('installs from a mirror that closes each connection after the body', async () => {
    serve({ image: 'close', text: 'close', licence: 'close' });
    // With no pinned size, as for a file only listed approximately.
    const stdout = await runCli(testSources((files) => { const text = files.find((f) => f.path === PATHS.text)!; text.bytes = null; text.approxBytes = TEXT.length; }));
    expect(stdout).toContain('Installed mobileclip-s0');
    expect(fileSha('image_model.onnx')).toBe(sha256(IMAGE));
    expect(fileSha('text_model.onnx')).toBe(sha256(TEXT));
  });

  it('installs through --mirror and exits 0 with the restart hint', async () => {
    const stdout = await runCli();
    expect(stdout).toContain('Installed mobileclip-s0');
    expect(stdout).toContain('Restart `npm run dev`');
    expect(fileSha('image_model.onnx')).toBe(sha256(IMAGE));
    expect(existsSync(join(modelDir(), 'manifest.json'))).toBe(true);
  });
});
