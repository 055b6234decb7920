// models/pull-sources.json: what `models:pull` may download and what each file
// must hash to. Parsed strictly (zod), so a typo in a hash or a missing field
// fails before any byte is fetched, not halfway through a pull.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lower-case hex digits');
const Fact = z.object({ fact: z.string(), source: z.string(), verified: z.boolean() });

export const ROLES = ['image', 'text', 'licence'] as const;
export type Role = (typeof ROLES)[number];
export const FILE_VARIANTS = ['int8', 'fp16', 'fp32'] as const;
export type FileVariant = (typeof FILE_VARIANTS)[number];

const SourceFile = z.object({
  role: z.enum(ROLES),
  variant: z.enum([...FILE_VARIANTS, 'any']),
  /** Path inside the upstream repository (used in messages and the manifest's source). */
  path: z.string().min(1),
  url: z.string().url(),
  /** Exact size, or null when no trustworthy figure was found. */
  bytes: z.number().int().positive().nullable(),
  /** Listing size (decimal MB), only for progress and placement when bytes is null. */
  approxBytes: z.number().int().positive().optional(),
  bytesSource: z.string(),
  /** Null means "not pinned": refused unless --allow-unverified. */
  sha256: Sha256.nullable(),
  sha256Source: z.string(),
  verified: z.object({ sha256: z.boolean(), bytes: z.boolean() }),
  /** Printed when the file is selected (known quality or runtime problems). */
  warning: z.string().optional(),
  note: z.string().optional(),
}).refine((f) => f.bytes !== null || f.approxBytes !== undefined, { message: 'a file without exact bytes needs approxBytes' });
export type SourceFile = z.infer<typeof SourceFile>;

const Tensor = z.object({
  name: z.string(),
  dtype: z.string(),
  layout: z.string().optional(),
  shape: z.array(z.union([z.string(), z.number().int()])),
  l2Normalised: z.boolean().optional(),
});

const Model = z.object({
  name: z.string(),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  revision: z.string().regex(/^[0-9a-f]{40}$/, 'pin a full 40-hex commit'),
  revisionSource: z.object({ source: z.string(), verified: z.boolean() }),
  defaultVariant: z.string(),
  /** Named choices of one file variant per role: --variant picks one. */
  variants: z.record(z.string(), z.object({ image: z.enum(FILE_VARIANTS), text: z.enum(FILE_VARIANTS) })),
  files: z.array(SourceFile).min(1),
  io: z.object({
    image: z.object({ input: Tensor, output: Tensor }),
    text: z.object({ input: Tensor, output: Tensor }),
    facts: z.array(Fact),
  }),
  preprocessing: z.object({
    image: z.object({
      resize: z.string(),
      size: z.number().int().positive(),
      crop: z.number().int().positive(),
      channels: z.enum(['RGB', 'BGR']),
      rescale: z.number(),
      normalize: z.boolean(),
      mean: z.tuple([z.number(), z.number(), z.number()]),
      std: z.tuple([z.number(), z.number(), z.number()]),
    }),
    text: z.object({ contextLength: z.number().int().positive(), padToken: z.string(), padTokenId: z.number().int(), lowercase: z.boolean() }),
    facts: z.array(Fact),
  }),
}).refine((m) => m.variants[m.defaultVariant] !== undefined, { message: 'defaultVariant must name one of variants' });
export type SourceModel = z.infer<typeof Model>;

export const PullSources = z.object({
  $comment: z.array(z.string()).optional(),
  schemaVersion: z.literal(1),
  /** The origin every file url starts with; --mirror replaces exactly this prefix. */
  upstreamBase: z.string().url(),
  licence: z.object({ manifestValue: z.string(), conclusion: z.string(), facts: z.array(Fact) }),
  findings: z.array(Fact),
  models: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), Model),
});
export type PullSources = z.infer<typeof PullSources>;

export function parseSources(json: unknown, where = 'pull sources'): PullSources {
  const result = PullSources.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`${where} is not valid:\n${problems}`);
  }
  const sources = result.data;
  for (const [id, model] of Object.entries(sources.models)) {
    for (const file of model.files) {
      // Every url must sit under upstreamBase, or --mirror could not rewrite it.
      if (!file.url.startsWith(`${sources.upstreamBase}/`)) throw new Error(`${where}: ${id} ${file.path}: url does not start with ${sources.upstreamBase}/`);
    }
  }
  return sources;
}

export function loadSources(path: string): PullSources {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseSources(JSON.parse(text), path);
}

/**
 * The url to fetch: the upstream url, or the same path under a mirror.
 * A mirror replaces the upstream origin (and nothing else), so it must lay files
 * out as Hugging Face does: <mirror>/<repo>/resolve/<revision>/<path>.
 * Example: --mirror http://models.internal/hf turns
 *   https://huggingface.co/Xenova/mobileclip_s0/resolve/<rev>/onnx/x.onnx into
 *   http://models.internal/hf/Xenova/mobileclip_s0/resolve/<rev>/onnx/x.onnx
 */
export function resolveUrl(url: string, upstreamBase: string, mirror: string | null | undefined): string {
  if (!mirror) return url;
  const parsed = new URL(mirror); // throws on a malformed mirror, with the URL in the message
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`--mirror must be an http(s) URL, got ${mirror}`);
  return mirror.replace(/\/+$/, '') + url.slice(upstreamBase.length);
}

/** One file per role (image, text) for a named variant, plus the licence file. */
export function selectFiles(model: SourceModel, variantName: string): { role: Role; file: SourceFile }[] {
  const choice = model.variants[variantName];
  if (!choice) throw new Error(`unknown variant "${variantName}"; choose one of: ${Object.keys(model.variants).join(', ')}`);
  const pick = (role: Role, variant: FileVariant | 'any') => {
    const file = model.files.find((f) => f.role === role && f.variant === variant);
    if (!file) throw new Error(`${model.name}: no ${role} file for variant ${variant} in pull sources`);
    return { role, file };
  };
  const selected = [pick('image', choice.image), pick('text', choice.text)];
  const licence = model.files.find((f) => f.role === 'licence');
  if (licence) selected.push({ role: 'licence', file: licence });
  return selected;
}
