// Downloads MobileCLIP weights into models/<id>/ and writes its manifest.json.
//   node --experimental-strip-types models/tools/pull/pull.ts <model-id> [options]
//   (meant to be wired as `npm run models:pull -- <model-id> [options]`)
// See README.md beside this file. Exit codes: 0 installed, 1 failed, 2 bad usage.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetch as undiciFetch } from 'undici';
import { formatBytes } from './progress.ts';
import { PullError, pullModel } from './pull-model.ts';
import { loadSources } from './sources.ts';
import type { PullSources } from './sources.ts';

const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `Usage: npm run models:pull -- <model-id> [options]
       node --experimental-strip-types models/tools/pull/pull.ts <model-id> [options]

Models: mobileclip-s0, mobileclip-s1, mobileclip-s2, mobileclip-b (see --list)

Options:
  --variant <name>     recommended (default: fp16 image + int8 text), int8, fp16 or fp32
  --mirror <baseUrl>   fetch from <baseUrl>/<repo>/resolve/<revision>/<path> instead of
                       https://huggingface.co/...; also read from $MODELS_MIRROR
  --allow-unverified   download files with no pinned sha256, printing the sha256 received
  --force              download again even if a file is installed with the right sha256
  --no-local-r2        do not copy files the Worker reads from R2 (over the 25 MiB asset
                       limit) into the local bucket of \`npm run dev\`; print the command
  --list               show the known models, variants and which files are pinned
  --models-dir <dir>   install under <dir>/<model-id>/ (default: models/)
  --sources <file>     pull sources file (default: models/pull-sources.json)
  -h, --help           this text`;

class UsageError extends Error {}

interface Args {
  id?: string;
  variant?: string;
  mirror?: string;
  allowUnverified: boolean;
  force: boolean;
  localR2: boolean;
  list: boolean;
  help: boolean;
  modelsDir: string;
  sources: string;
}

export function parseArgs(argv: string[], env: Record<string, string | undefined>): Args {
  const args: Args = { allowUnverified: false, force: false, localR2: true, list: false, help: false, modelsDir: MODELS_DIR, sources: join(MODELS_DIR, 'pull-sources.json') };
  const valueOf = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    // --flag=value is accepted as well as --flag value
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const take = (name: string) => {
      if (inline !== undefined) return inline;
      const v = valueOf(i, name);
      i++;
      return v;
    };
    switch (flag) {
      case '--variant': args.variant = take(flag); break;
      case '--mirror': args.mirror = take(flag); break;
      case '--models-dir': args.modelsDir = resolve(take(flag)); break;
      case '--sources': args.sources = resolve(take(flag)); break;
      case '--allow-unverified': args.allowUnverified = true; break;
      case '--force': args.force = true; break;
      case '--no-local-r2': args.localR2 = false; break;
      case '--list': args.list = true; break;
      case '-h': case '--help': args.help = true; break;
      default:
        if (raw.startsWith('-')) throw new UsageError(`unknown option ${raw}`);
        if (args.id) throw new UsageError(`one model at a time (got ${args.id} and ${raw})`);
        args.id = raw;
    }
  }
  if (args.mirror === undefined && env['MODELS_MIRROR']) args.mirror = env['MODELS_MIRROR'];
  return args;
}

function list(sources: PullSources): string {
  const lines: string[] = [];
  for (const [id, m] of Object.entries(sources.models)) {
    lines.push(`${id}  ${m.name}  ${m.repo} @${m.revision.slice(0, 12)}  (default variant: ${m.defaultVariant})`);
    for (const [name, v] of Object.entries(m.variants)) lines.push(`  --variant ${name.padEnd(12)} image ${v.image}, text ${v.text}`);
    for (const f of m.files) {
      const size = f.bytes !== null ? `${formatBytes(f.bytes)}` : `~${formatBytes(f.approxBytes!)}`;
      const pin = f.sha256 ? (f.verified.sha256 ? 'sha256 pinned (publisher page)' : 'sha256 pinned (third-party)') : 'sha256 NOT pinned';
      lines.push(`    ${f.role.padEnd(7)} ${f.variant.padEnd(4)} ${f.path.padEnd(34)} ${size.padStart(11)}  ${pin}`);
    }
  }
  return lines.join('\n');
}

/** `wrangler r2 object put --local`, run from the repository so it writes the bucket `npm run dev` reads. */
function putLocalR2(objectPath: string, file: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('npx', ['wrangler', 'r2', 'object', 'put', objectPath, '--file', file, '--local'], {
      cwd: resolve(MODELS_DIR, '..'),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', fail);
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`wrangler r2 object put exited with ${code}`))));
  });
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let sources: PullSources;
  try {
    sources = loadSources(args.sources);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  if (args.list) {
    process.stdout.write(`${list(sources)}\n`);
    return 0;
  }
  if (!args.id) {
    process.stderr.write(`Which model? One of: ${Object.keys(sources.models).join(', ')}\n\n${USAGE}\n`);
    return 2;
  }
  // Ctrl-C: the .part file stays, and the next run resumes from it.
  process.once('SIGINT', () => {
    process.stdout.write('\nInterrupted. Partial downloads are kept as .part files; run the same command again to resume.\n');
    process.exit(130);
  });
  try {
    await pullModel({
      id: args.id,
      variant: args.variant,
      mirror: args.mirror,
      modelsDir: args.modelsDir,
      sources,
      allowUnverified: args.allowUnverified,
      force: args.force,
      // Not Node's bundled fetch: its undici (7.x) crashes the process, uncatchably, when a server
      // closes the connection (Connection: close, HTTP/1.0 mirrors) while a body is paused under
      // backpressure (nodejs/undici#5360, fixed in undici 8).
      fetch: undiciFetch as unknown as typeof fetch,
      ...(args.localR2 ? { storeInR2: putLocalR2 } : {}),
    });
    return 0;
  } catch (error) {
    const message = error instanceof PullError ? error.message : `unexpected error: ${(error as Error).stack ?? String(error)}`;
    process.stderr.write(`\nmodels:pull failed: ${message}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
