// pullModel(): install one MobileCLIP model into models/<id>/ from the facts in
// models/pull-sources.json. Every file is downloaded to a .part, verified (size and
// sha256), and only when *all* of them are verified are they renamed into place
// and manifest.json written. A failed pull therefore never leaves a manifest that
// names files it does not have, nor a file the manifest does not describe.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ModelManifest } from '../../../shared/models/manifest.ts';
import { downloadFile, PullError } from './download.ts';
import type { DownloadTuning } from './download.ts';
import { ASSET_LIMIT_BYTES, ISOLATE_LIMIT_BYTES, RUNTIME_BYTES, estimateEncoderBytes } from './estimate.ts';
import { Terminal, formatBytes } from './progress.ts';
import type { Sink } from './progress.ts';
import { resolveUrl, selectFiles } from './sources.ts';
import type { PullSources, Role, SourceFile, SourceModel } from './sources.ts';

export { PullError, IntegrityError } from './download.ts';

export interface PullOptions {
  /** e.g. "mobileclip-s0" (a key of models in pull-sources.json). */
  id: string;
  /** A named variant of the model (recommended | int8 | fp16 | fp32); default: the model's defaultVariant. */
  variant?: string | undefined;
  /** Base URL replacing the upstream origin (see sources.ts resolveUrl). */
  mirror?: string | null | undefined;
  /** The models/ directory; files go to <modelsDir>/<id>/. */
  modelsDir: string;
  sources: PullSources;
  /** Download files whose sha256 is not pinned (and print what they hashed to). */
  allowUnverified?: boolean | undefined;
  /** Download again even when a file is present with the right sha256. */
  force?: boolean | undefined;
  /** Where messages and progress go (default: process.stdout). */
  output?: Sink | undefined;
  /** Files above this size are kept out of the Worker's assets (default: the 25 MiB Workers limit). */
  assetLimitBytes?: number | undefined;
  download?: DownloadTuning | undefined;
  fetch?: typeof fetch | undefined;
  /**
   * Copies a file that the Worker reads from R2 (over the asset limit) into the
   * bucket `npm run dev` uses, as `<bucket>/<key>`. The CLI runs
   * `wrangler r2 object put --local`; absent, the tool prints the command instead.
   */
  storeInR2?: ((objectPath: string, file: string) => Promise<void>) | undefined;
}

export interface InstalledFile {
  role: Role;
  /** Relative to models/<id>/. */
  path: string;
  bytes: number;
  sha256: string;
  variant: string;
  upstreamPath: string;
  /** Not pinned in pull-sources.json: the sha256 is what was received. */
  unverified: boolean;
  /** Under source/, which models/.assetsignore keeps out of the Worker. */
  servedToWorker: boolean;
  action: 'downloaded' | 'already installed';
}

export interface PullResult {
  id: string;
  variant: string;
  dir: string;
  manifestPath: string;
  manifest: ModelManifest;
  files: InstalledFile[];
  /** Rough wasm memory of each tower's host isolate (see estimate.ts); each runs in a Worker of its own. */
  memoryEstimates: Array<{ role: 'image' | 'text'; worker: string; bytes: number }>;
  warnings: string[];
}

/**
 * The model host each tower's session runs in (functions/model-host, one
 * isolate per tower: each is estimated at ~105-110 MiB of the 128 MB), named
 * by the service binding the API Worker reaches it through.
 */
export const TOWER_WORKER = { image: 'CLIP_IMAGE_WORKER', text: 'CLIP_TEXT_WORKER' } as const;

/** bucket_name of the MODEL_BUCKET binding in wrangler.toml and the model hosts' configs. */
export const MODEL_BUCKET_NAME = 'edge-vision-models';

/** Installed file name per role; stable across variants so manifest paths do not move. */
const INSTALLED_NAME: Record<Role, string> = { image: 'image_model.onnx', text: 'text_model.onnx', licence: 'LICENSE' };

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const exists = (path: string) => stat(path).then(() => true, () => false);

interface Planned {
  role: Role;
  file: SourceFile;
  url: string;
  /** Relative to the model folder: "<name>" or "source/<name>". */
  path: string;
  dest: string;
  size: number;
  servedToWorker: boolean;
}

function plan(model: SourceModel, variant: string, o: PullOptions, dir: string, sources: PullSources): Planned[] {
  const limit = o.assetLimitBytes ?? ASSET_LIMIT_BYTES;
  return selectFiles(model, variant).map(({ role, file }) => {
    const size = file.bytes ?? file.approxBytes!;
    // Over the asset limit, a file in models/<id>/ would make `wrangler dev` and
    // `wrangler deploy` refuse the whole assets directory. Under source/ (ignored by
    // models/.assetsignore, like the other models' unconverted originals) it stays
    // available to Node-side tools and out of the Worker.
    const servedToWorker = size <= limit;
    const path = servedToWorker ? INSTALLED_NAME[role] : `source/${INSTALLED_NAME[role]}`;
    return { role, file, url: resolveUrl(file.url, sources.upstreamBase, o.mirror), path, dest: join(dir, path), size, servedToWorker };
  });
}

export async function pullModel(o: PullOptions): Promise<PullResult> {
  const term = new Terminal(o.output ?? process.stdout);
  const sources = o.sources;
  const model = sources.models[o.id];
  if (!model) throw new PullError(`unknown model "${o.id}"; known: ${Object.keys(sources.models).join(', ')}`);
  const variant = o.variant ?? model.defaultVariant;
  if (!model.variants[variant]) throw new PullError(`unknown variant "${variant}" for ${o.id}; choose one of: ${Object.keys(model.variants).join(', ')}`);
  const dir = join(o.modelsDir, o.id);
  const planned = plan(model, variant, o, dir, sources);
  const warnings: string[] = [];

  // Refuse unpinned files before fetching anything: trusting whatever arrives is opt-in.
  const unpinned = planned.filter((p) => p.file.sha256 === null);
  if (unpinned.length > 0 && !o.allowUnverified) {
    throw new PullError(
      `refusing to install ${o.id} (${variant}): models/pull-sources.json pins no sha256 for\n` +
        unpinned.map((p) => `    ${p.file.path} (${p.role}, ${p.file.variant})`).join('\n') +
        `\n  so nothing could prove the download is the publisher's file. Pass --allow-unverified to download anyway;` +
        ` the tool then prints the sha256 it received so you can check it and pin it in models/pull-sources.json.`,
    );
  }

  term.log(`Pulling ${o.id}: ${model.name} from ${model.repo} @ ${model.revision.slice(0, 12)}, variant ${variant}${o.mirror ? ` via mirror ${o.mirror}` : ''}`);
  for (const p of planned) {
    if (p.file.warning) warnings.push(`${p.file.path}: ${p.file.warning}`);
    if (p.file.sha256 === null) warnings.push(`${p.file.path}: no pinned sha256 (--allow-unverified); its sha256 is printed below so it can be checked and pinned.`);
    if (!p.servedToWorker) {
      warnings.push(
        `${p.file.path} (${formatBytes(p.size)}) is over the ${formatBytes(o.assetLimitBytes ?? ASSET_LIMIT_BYTES)} Workers static-asset limit, so it is installed as ` +
          `${o.id}/${p.path} (models/.assetsignore keeps it out of the static assets) and the Worker reads it from the R2 bucket ${MODEL_BUCKET_NAME}.`,
      );
    }
  }
  for (const w of warnings) term.log(`  warning: ${w}`);

  // Phase 1: every file verified into its .part (or found already installed).
  const installed: InstalledFile[] = [];
  const toCommit: { part: string; dest: string }[] = [];
  for (const p of planned) {
    const base = {
      role: p.role, path: p.path, variant: p.file.variant, upstreamPath: p.file.path,
      unverified: p.file.sha256 === null, servedToWorker: p.servedToWorker,
    };
    if (!o.force && p.file.sha256 !== null && (await exists(p.dest))) {
      const have = await sha256File(p.dest);
      if (have === p.file.sha256) {
        const bytes = (await stat(p.dest)).size;
        term.log(`  ${p.path}: already installed (sha256 ${have.slice(0, 12)}… verified)`);
        installed.push({ ...base, bytes, sha256: have, action: 'already installed' });
        continue;
      }
      term.log(`  ${p.path}: present but its sha256 differs (another variant, or damaged); downloading`);
    }
    await mkdir(dirname(p.dest), { recursive: true });
    const part = `${p.dest}.part`;
    if (o.force) await rm(part, { force: true });
    term.log(`  ${p.path} <- ${p.file.path} (${p.file.variant}, ${p.file.bytes === null ? `~${formatBytes(p.size)}` : formatBytes(p.size)}) from ${p.url}`);
    const result = await downloadFile({
      ...o.download,
      url: p.url,
      partPath: part,
      expected: { bytes: p.file.bytes, sha256: p.file.sha256 },
      label: p.path,
      term,
      ...(o.fetch ? { fetch: o.fetch } : {}),
    });
    if (p.file.sha256 === null) term.log(`  ${p.path}: UNVERIFIED, received ${result.bytes} bytes with sha256 ${result.sha256}`);
    else term.log(`  ${p.path}: ${result.bytes} bytes, sha256 ${result.sha256.slice(0, 12)}… verified`);
    toCommit.push({ part, dest: p.dest });
    installed.push({ ...base, bytes: result.bytes, sha256: result.sha256, action: 'downloaded' });
  }

  // Phase 2: atomic renames (same directory, same file system), then drop a copy left
  // in the other placement by an earlier variant, then the manifest.
  for (const c of toCommit) await rename(c.part, c.dest);
  for (const p of planned) {
    const other = join(dir, p.servedToWorker ? `source/${INSTALLED_NAME[p.role]}` : INSTALLED_NAME[p.role]);
    await rm(other, { force: true });
  }
  const manifest = buildManifest(o.id, variant, model, sources, installed);
  const manifestPath = join(dir, 'manifest.json');
  await writeFile(`${manifestPath}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${manifestPath}.tmp`, manifestPath);

  const memoryEstimates = installed.flatMap((f) =>
    f.role === 'licence'
      ? []
      : [{ role: f.role, worker: TOWER_WORKER[f.role], bytes: RUNTIME_BYTES + estimateEncoderBytes(f.role, f.variant, f.bytes, f.role === 'image' ? IMAGE_MAX_BATCH : TEXT_MAX_BATCH) }],
  );
  const r2Files = installed.filter((f) => f.role !== 'licence' && !f.servedToWorker);
  const r2Pending: InstalledFile[] = [];
  for (const f of r2Files) {
    const objectPath = `${MODEL_BUCKET_NAME}/${o.id}/${f.path}`;
    if (!o.storeInR2) {
      r2Pending.push(f);
      continue;
    }
    term.log(`  ${f.path}: copying into the local R2 bucket (${objectPath}) for npm run dev`);
    try {
      await o.storeInR2(objectPath, join(dir, f.path));
    } catch (error) {
      warnings.push(`${f.path} could not be copied into the local R2 bucket: ${(error as Error).message}`);
      r2Pending.push(f);
    }
  }
  const result: PullResult = { id: o.id, variant, dir, manifestPath, manifest, files: installed, memoryEstimates, warnings };
  term.log(summary(result, model, sources, o.modelsDir, r2Pending, r2Files));
  return result;
}

/**
 * CLIP-style zero-shot constants for the text spec. logitScale: MobileCLIP is trained
 * with open_clip's learned temperature, clamped at 100 and saturated there in trained
 * CLIP models, so softmax(100 * cosine) reproduces its zero-shot probabilities.
 * multiLabelBias: the cosine at which an independent label scores 0.5 in
 * sigmoid(logitScale * (cosine - bias)). PROVISIONAL, not measured (no weights here):
 * CLIP-family matched image/caption cosines sit around 0.25-0.35 and unmatched ones
 * around 0.1-0.2; 0.22 is between. Measure on labelled photos after pulling and pin it.
 */
export const CLIP_LOGIT_SCALE = 100;

/**
 * Most inputs per session run, so activations fit each tower's host isolate.
 * From the size-alike stand-ins in the real host Workers (bench/clip-hosts.mjs,
 * not MobileCLIP): the S0 text host at 64 MiB of wasm memory after one text and
 * 111 MiB after a batch of 8 (~7 MiB a text; plus ~7 MiB of JS heap), so 4
 * (~85 MiB); batch 8 was only ~1.5x faster per text. The image host at 83 MiB
 * after one image, ~20 MiB of it activations: one image at a time.
 */
export const TEXT_MAX_BATCH = 4;
export const IMAGE_MAX_BATCH = 1;
export const MULTI_LABEL_BIAS = 0.22;

// No mirror URL in the manifest: it is committed with the model, and provenance is the upstream url plus the sha256.
export function buildManifest(id: string, variant: string, model: SourceModel, sources: PullSources, installed: InstalledFile[]): ModelManifest {
  const file = (role: Role) => installed.find((f) => f.role === role)!;
  const image = file('image') as InstalledFile & { role: 'image' };
  const text = file('text') as InstalledFile & { role: 'text' };
  const licence = installed.find((f) => f.role === 'licence');
  const io = model.io;
  const pre = model.preprocessing;
  const choice = model.variants[variant]!;
  // Files over the static-asset limit are read from R2 (shared/models/model-store.ts) at <id>/<path>.
  // Each tower's session runs in its own model host (TOWER_WORKER).
  const entry = (f: InstalledFile & { role: 'image' | 'text' }) => ({
    path: f.path,
    bytes: f.bytes,
    sha256: f.sha256,
    ...(f.servedToWorker ? {} : { store: 'r2' as const }),
    worker: TOWER_WORKER[f.role],
  });
  const manifest = {
    id,
    version: `${model.revision.slice(0, 12)}-image-${choice.image}-text-${choice.text}`,
    task: 'embed',
    description:
      `${model.name} image encoder (Apple; ONNX export ${model.repo} @${model.revision.slice(0, 12)}, image ${choice.image}, text ${choice.text}): ` +
      `${pre.image.size}x${pre.image.size} RGB in [0,1] -> ${io.image.output.shape[1]}-d embedding in the shared image-text space; the text encoder is listed beside it.`,
    licence: sources.licence.manifestValue,
    install: `npm run models:pull -- ${id}${variant === model.defaultVariant ? '' : ` --variant ${variant}`}`,
    source: {
      upstream: `${sources.upstreamBase}/${model.repo}/tree/${model.revision}`,
      repo: model.repo,
      revision: model.revision,
      variant,
      ...(licence ? { licenceFile: licence.path } : {}),
      files: installed.map((f) => ({
        role: f.role, path: f.path, upstreamPath: f.upstreamPath, variant: f.variant,
        sha256Pinned: !f.unverified, servedToWorker: f.servedToWorker,
      })),
      facts: 'models/pull-sources.json',
    },
    files: { model: entry(image), text: entry(text) },
    input: {
      name: io.image.input.name,
      layout: 'NCHW',
      dtype: 'float32',
      width: pre.image.crop,
      height: pre.image.crop,
      resize: 'crop',
      channels: pre.image.channels,
      normalize: { scale: pre.image.rescale, mean: pre.image.mean, std: pre.image.std },
      maxBatch: IMAGE_MAX_BATCH,
    },
    output: { name: io.image.output.name, kind: 'embedding' },
    text: {
      tokenizer: 'clip-bpe',
      input: io.text.input.name,
      dtype: io.text.input.dtype,
      contextLength: pre.text.contextLength,
      padTokenId: pre.text.padTokenId,
      output: io.text.output.name,
      dims: io.text.output.shape[1],
      logitScale: CLIP_LOGIT_SCALE,
      multiLabelBias: MULTI_LABEL_BIAS,
      maxBatch: TEXT_MAX_BATCH,
    },
  };
  // The API validates manifests strictly; failing here beats a registry that will not start.
  const parsed = ModelManifest.safeParse(manifest);
  if (!parsed.success) throw new PullError(`internal error: the manifest for ${id} does not fit shared/models/manifest.ts: ${parsed.error.message}`);
  return parsed.data;
}

function summary(r: PullResult, model: SourceModel, sources: PullSources, modelsDir: string, r2Pending: InstalledFile[], r2Files: InstalledFile[]): string {
  const rel = relative(process.cwd(), r.dir) || r.dir;
  const lines = [
    '',
    `Installed ${r.id} (${model.name}, ${model.repo} @${model.revision.slice(0, 12)}, variant ${r.variant}) in ${rel}/:`,
  ];
  for (const f of r.files) {
    const where = f.servedToWorker ? '' : `  [R2: over the 25 MiB asset limit]`;
    const check = f.unverified ? `sha256 ${f.sha256} (UNVERIFIED: check it, then pin it)` : `sha256 ${f.sha256.slice(0, 12)}…`;
    lines.push(`  ${f.path.padEnd(24)} ${String(f.bytes).padStart(11)} bytes  ${f.role}/${f.variant}  ${check}  ${f.action}${where}`);
  }
  lines.push(`  manifest.json`);
  lines.push('', `Memory (rough estimate, not measured; each tower runs in a model host of its own, limit ${formatBytes(ISOLATE_LIMIT_BYTES)} per isolate):`);
  for (const e of r.memoryEstimates) {
    const over = e.bytes > ISOLATE_LIMIT_BYTES ? '  OVER the limit: expect that host to run out of memory; choose a smaller variant' : '';
    lines.push(`  ${e.role} tower in ${e.worker}: ≈ ${formatBytes(e.bytes)} (wasm + JS heap, at its largest batch)${over}`);
  }
  if (r2Files.length > 0) {
    lines.push('', `Files read from the R2 bucket ${MODEL_BUCKET_NAME}${r2Pending.length === 0 ? ' (copied into the local bucket of npm run dev)' : ''}. For a deployment, upload them with:`);
    for (const f of r2Files) lines.push(`  npx wrangler r2 object put ${MODEL_BUCKET_NAME}/${r.id}/${f.path} --file ${relative(process.cwd(), join(r.dir, f.path))} --remote`);
    if (r2Pending.length > 0) {
      lines.push('and for `npm run dev` (not done by this run):');
      for (const f of r2Pending) lines.push(`  npx wrangler r2 object put ${MODEL_BUCKET_NAME}/${r.id}/${f.path} --file ${relative(process.cwd(), join(r.dir, f.path))} --local`);
    }
  }
  lines.push(`Licence: ${sources.licence.manifestValue}. ${sources.licence.conclusion}`);
  const registry = join(modelsDir, 'registry-manifests.ts');
  lines.push(
    `The API serves the models listed in ${relative(process.cwd(), registry) || registry}; list ${r.id}/manifest.json there if it is not yet.`,
    `For open-vocabulary tags (/v1/classify?model=${r.id}): npm run models:build -- --only ${r.id}`,
    'Restart `npm run dev` to load it.',
  );
  return lines.join('\n');
}
