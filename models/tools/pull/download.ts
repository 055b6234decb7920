// One file, fetched into `<dest>.part` and verified. Streams to disk while
// hashing (a 170 MB encoder is never held in memory or read twice), resumes a
// dropped connection with an HTTP Range request, and never lets unverified bytes
// leave the .part file: the caller renames it only after this returns.
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { Progress } from './progress.ts';
import type { Terminal } from './progress.ts';

/** A failure to report as is and stop: no retry would change it. */
export class PullError extends Error {
  override name = 'PullError';
  /** True when the .part file is kept because a rerun can resume it. */
  readonly keepsPartial: boolean;
  constructor(message: string, options: { keepsPartial?: boolean } = {}) {
    super(message);
    this.keepsPartial = options.keepsPartial ?? false;
  }
}

/** The bytes arrived but are not the pinned ones. */
export class IntegrityError extends PullError {
  override name = 'IntegrityError';
}

/** A failure worth another attempt (dropped connection, timeout, 5xx). */
class RetryableError extends Error {
  override name = 'RetryableError';
}

export interface Expected {
  /** Exact size, or null when unknown (then Content-Length / Content-Range is trusted for completeness only). */
  bytes: number | null;
  /** Pinned sha256, or null when the caller allowed an unverified file. */
  sha256: string | null;
}

export interface DownloadTuning {
  /** Further attempts after the first one fails with a network error. */
  retries?: number;
  /** Wait before the first retry; doubled for each further one. */
  backoffMs?: number;
  /** Time allowed until the response headers arrive (connect, TLS, redirects). */
  connectTimeoutMs?: number;
  /** Time allowed between two chunks of the body. */
  idleTimeoutMs?: number;
  /** Non-TTY progress: seconds between plain lines. */
  plainProgressSeconds?: number;
}

export interface DownloadOptions extends DownloadTuning {
  url: string;
  /** Where the bytes are written; the caller renames it once this returns. */
  partPath: string;
  expected: Expected;
  /** Shown in progress and messages. */
  label: string;
  term: Terminal;
  fetch?: typeof fetch;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** Network attempts made (0 when a complete .part from an earlier run was reused). */
  attempts: number;
  /** Times the file was restarted from zero (server ignored Range, bad Content-Range, ...). */
  restarts: number;
  /** Bytes that came from an earlier run's .part file. */
  reusedBytes: number;
}

export const DEFAULT_TUNING: Required<DownloadTuning> = {
  retries: 3,
  backoffMs: 1000,
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  plainProgressSeconds: 5,
};

/** The .part file, its length and the running sha256 of exactly those bytes. */
class PartFile {
  readonly path: string;
  written = 0;
  private hash: Hash = createHash('sha256');
  private handle: FileHandle | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /** Open for appending, first hashing whatever an earlier run left there. */
  async open(): Promise<void> {
    const existing = await stat(this.path).then((s) => s.size, () => -1);
    if (existing > 0) {
      for await (const chunk of createReadStream(this.path)) this.hash.update(chunk as Buffer);
      this.written = existing;
    }
    // 'a': every write lands at the end, so the file is always exactly the bytes hashed.
    this.handle = await open(this.path, 'a');
  }

  async append(chunk: Uint8Array): Promise<void> {
    await this.handle!.write(chunk);
    this.hash.update(chunk);
    this.written += chunk.byteLength;
  }

  async reset(): Promise<void> {
    await this.handle!.truncate(0);
    this.hash = createHash('sha256');
    this.written = 0;
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }

  async close(): Promise<void> {
    if (!this.handle) return;
    await this.handle.sync(); // on disk before the caller renames it into place
    await this.handle.close();
    this.handle = null;
  }
}

/** "bytes 100-199/200" -> { start: 100, end: 199, total: 200 }; total null for "/*". */
export function parseContentRange(value: string | null): { start: number; end: number; total: number | null } | null {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

function contentLength(response: Response): number | null {
  const value = response.headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

function retryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

function statusHint(status: number): string {
  if (status === 404) return ' (not on this server: check the revision/path in models/pull-sources.json, or that the mirror holds this file)';
  if (status === 401 || status === 403) return ' (the server wants credentials or refuses access; Hugging Face gated repos need a token, mirrors may too)';
  return '';
}

/** Why an attempt failed, in words (fetch errors hide the useful part in `cause`). */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? `: ${cause.message}` : '';
    return `${error.message}${causeText}`;
  }
  return String(error);
}

export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const o = { ...DEFAULT_TUNING, ...options };
  const doFetch = o.fetch ?? fetch;
  const part = new PartFile(o.partPath);
  await part.open();
  const progress = new Progress(o.term, o.label, { plainEverySeconds: o.plainProgressSeconds });
  const counts = { attempts: 0, failures: 0, restarts: 0 };
  let reusedBytes = part.written;

  /** Fetch until the .part holds the whole file (resuming, retrying, restarting as needed). */
  async function fetchRest(): Promise<void> {
    let total = o.expected.bytes;
    for (;;) {
      // Complete already (a finished .part from an earlier run): nothing to fetch.
      if (total !== null && part.written === total) return;
      const offset = part.written;
      const controller = new AbortController();
      // One timer: first the connect/headers deadline, then re-armed per chunk as the idle deadline.
      let timer = setTimeout(() => controller.abort(new RetryableError(`no response within ${o.connectTimeoutMs / 1000}s`)), o.connectTimeoutMs);
      try {
        counts.attempts++;
        // identity: a compressed body would make Content-Length and Range offsets mean compressed bytes.
        const headers: Record<string, string> = { 'accept-encoding': 'identity' };
        if (offset > 0) headers['range'] = `bytes=${offset}-`;
        const response = await doFetch(o.url, { headers, signal: controller.signal, redirect: 'follow' });

        if (response.status === 416 && offset > 0) {
          // The server cannot serve from our offset: the part is not a prefix of its file.
          await response.body?.cancel();
          o.term.log(`  ${o.label}: server refused to resume at byte ${offset} (HTTP 416); starting again from zero`);
          await part.reset();
          counts.restarts++;
          continue;
        }
        if (!response.ok) {
          await response.body?.cancel();
          const message = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${o.url}`;
          if (retryableStatus(response.status)) throw new RetryableError(message);
          throw new PullError(`${o.label}: download failed: ${message}${statusHint(response.status)}`);
        }

        if (offset > 0 && response.status === 206) {
          const range = parseContentRange(response.headers.get('content-range'));
          const bad = !range || range.start !== offset || (total !== null && range.total !== null && range.total !== total);
          if (bad) {
            // Appending bytes from anywhere but our offset would corrupt the file (the hash would catch it, but late).
            await response.body?.cancel();
            o.term.log(`  ${o.label}: server answered the resume with Content-Range "${response.headers.get('content-range')}", not bytes ${offset}-; starting again from zero`);
            await part.reset();
            counts.restarts++;
            continue;
          }
          if (total === null && range.total !== null) total = range.total;
        } else if (offset > 0) {
          // 200 to a Range request: the server ignored it and is sending the whole file.
          o.term.log(`  ${o.label}: server ignored the Range request (HTTP ${response.status}); starting again from zero`);
          await part.reset();
          counts.restarts++;
        } else if (response.status !== 200) {
          await response.body?.cancel();
          throw new PullError(`${o.label}: unexpected HTTP ${response.status} for a whole-file request to ${o.url}`);
        }

        if (part.written === 0) {
          // A whole-file response: a wrong length is known now, before spending the bandwidth.
          const length = contentLength(response);
          if (length !== null && total !== null && length !== total) {
            await response.body?.cancel();
            throw new IntegrityError(`${o.label}: the server is sending ${length} bytes, but models/pull-sources.json pins ${total} bytes for ${o.url}. Refusing it.`);
          }
          if (total === null && length !== null) total = length;
        }
        if (!response.body) throw new RetryableError('response has no body');

        progress.start(part.written, total);
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(new RetryableError(`no data for ${o.idleTimeoutMs / 1000}s`)), o.idleTimeoutMs);
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          timer.refresh();
          if (total !== null && part.written + value.byteLength > total) {
            await reader.cancel();
            throw new IntegrityError(`${o.label}: the server sent more than the ${total} bytes expected from ${o.url}. Refusing it.`);
          }
          await part.append(value);
          progress.update(part.written);
        }
        clearTimeout(timer);
        if (total !== null && part.written < total) throw new RetryableError(`connection closed after ${part.written} of ${total} bytes`);
        progress.finish();
        return;
      } catch (error) {
        clearTimeout(timer);
        if (error instanceof PullError) throw error;
        // An abort surfaces as the reason we gave it (or a generic AbortError): prefer ours.
        const reason = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason.message : describe(error);
        counts.failures++;
        if (counts.failures > o.retries) {
          const kept = part.written > 0 ? ` ${part.written} bytes are kept in ${part.path}; run the command again to resume.` : '';
          throw new PullError(`${o.label}: download failed after ${o.retries} retries: ${reason} (${o.url}).${kept}`, { keepsPartial: part.written > 0 });
        }
        const wait = o.backoffMs * 2 ** (counts.failures - 1);
        o.term.log(`  ${o.label}: ${reason}; retry ${counts.failures}/${o.retries} in ${(wait / 1000).toFixed(1)}s from byte ${part.written}`);
        await sleep(wait);
      } finally {
        // Also on `continue`: a forgotten timer would keep the process alive for up to connectTimeoutMs.
        clearTimeout(timer);
      }
    }
  }

  try {
    if (o.expected.bytes !== null && part.written > o.expected.bytes) {
      o.term.log(`  ${o.label}: the partial file from an earlier run is larger than expected; starting again`);
      await part.reset();
      reusedBytes = 0;
    }
    if (reusedBytes > 0) o.term.log(`  ${o.label}: resuming from ${reusedBytes} bytes kept from an earlier run`);
    await fetchRest();

    let got = { bytes: part.written, sha256: part.digest() };
    if (reusedBytes > 0 && o.expected.sha256 !== null && got.sha256 !== o.expected.sha256) {
      // The bytes kept from an earlier run were not a prefix of this file (say, another
      // revision was pinned since): one fresh download rather than a dead end.
      o.term.log(`  ${o.label}: the partial file kept from an earlier run does not verify; downloading again from zero`);
      await part.reset();
      reusedBytes = 0;
      counts.restarts++;
      await fetchRest();
      got = { bytes: part.written, sha256: part.digest() };
    }
    if (o.expected.bytes !== null && got.bytes !== o.expected.bytes) {
      throw new IntegrityError(`${o.label}: size mismatch for ${o.url}\n    expected ${o.expected.bytes} bytes\n    got      ${got.bytes} bytes`);
    }
    if (o.expected.sha256 !== null && got.sha256 !== o.expected.sha256) {
      throw new IntegrityError(`${o.label}: sha256 mismatch for ${o.url}\n    expected ${o.expected.sha256}\n    got      ${got.sha256}`);
    }
    await part.close();
    return { bytes: got.bytes, sha256: got.sha256, attempts: counts.attempts, restarts: counts.restarts, reusedBytes };
  } catch (error) {
    await part.close().catch(() => undefined);
    // Keep a partial file only where a rerun can resume it (the network gave up); bad bytes never stay.
    if (!(error instanceof PullError && error.keepsPartial)) await rm(part.path, { force: true });
    throw error;
  }
}
