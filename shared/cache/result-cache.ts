import { sha256Hex } from '../hash/sha256.ts';

/**
 * Task results in Workers KV, keyed by what determines them: the image's
 * SHA-256, the task, the model and its version, the preprocessing version and
 * the parameters. Never by URL: the same bytes served under a thousand URLs
 * are analysed once. Only successful results are ever written.
 */
export interface CacheKeyParts {
  sha256: string;
  task: string;
  /** `<id>@<version>` */
  model: string;
  /** Bumped whenever decoding or preprocessing changes what a model sees. */
  preprocess: string;
  params: Record<string, unknown>;
}

/** Canonical JSON (sorted keys) so equal parameters hash equally whatever their order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function cacheKey(parts: CacheKeyParts): Promise<string> {
  const paramsHash = (await sha256Hex(canonical(parts.params))).slice(0, 16);
  return `r1:${parts.task}:${parts.model}:${parts.preprocess}:${parts.sha256}:${paramsHash}`;
}

/** How a value is stored: JSON for small results, a binary envelope for vectors. */
export interface CacheCodec<T> {
  encode(value: T): ArrayBuffer | string;
  decode(stored: ArrayBuffer): T;
}

export const jsonCodec = <T>(): CacheCodec<T> => ({
  encode: (value) => JSON.stringify(value),
  decode: (stored) => JSON.parse(new TextDecoder().decode(stored)) as T,
});

/**
 * Float vectors as raw little-endian float32 after a small JSON header:
 * 2 KB for a 512-d embedding instead of ~10 KB of decimal text, and exact.
 * Layout: u32 header length | header JSON | pad to 4 | float32 values.
 */
export interface WithVector<M> {
  meta: M;
  vector: Float32Array;
}

export const vectorCodec = <M>(): CacheCodec<WithVector<M>> => ({
  encode({ meta, vector }) {
    const header = new TextEncoder().encode(JSON.stringify(meta));
    const vectorOffset = Math.ceil((4 + header.byteLength) / 4) * 4;
    const out = new ArrayBuffer(vectorOffset + vector.byteLength);
    new DataView(out).setUint32(0, header.byteLength, true);
    new Uint8Array(out, 4, header.byteLength).set(header);
    new Float32Array(out, vectorOffset, vector.length).set(vector);
    return out;
  },
  decode(stored) {
    const headerLength = new DataView(stored).getUint32(0, true);
    const meta = JSON.parse(new TextDecoder().decode(new Uint8Array(stored, 4, headerLength))) as M;
    const vectorOffset = Math.ceil((4 + headerLength) / 4) * 4;
    const vector = new Float32Array(stored.slice(vectorOffset));
    return { meta, vector };
  },
});

/**
 * How long a cache read may take before it counts as a miss. A KV read is
 * ~10 ms when hot and rarely over a few hundred ms cold; past this budget
 * recomputing is the faster answer.
 */
export const CACHE_READ_BUDGET_MS = 1000;

export class ResultCache {
  private readonly kv: KVNamespace;
  private readonly ttlSeconds: number;
  private readonly defer: (work: Promise<unknown>) => void;
  private readonly readBudgetMs: number;

  constructor(kv: KVNamespace, ttlSeconds: number, defer: (work: Promise<unknown>) => void, readBudgetMs = CACHE_READ_BUDGET_MS) {
    this.kv = kv;
    this.ttlSeconds = ttlSeconds;
    this.defer = defer;
    this.readBudgetMs = readBudgetMs;
  }

  /**
   * A KV outage, a slow read (over the budget) or an undecodable value all
   * degrade to a miss: the result is recomputed, never an error for the client.
   */
  async get<T>(key: string, codec: CacheCodec<T>): Promise<T | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const budget = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.readBudgetMs);
    });
    try {
      const stored = await Promise.race([this.kv.get(key, 'arrayBuffer'), budget]);
      if (stored === 'timeout') {
        console.warn(JSON.stringify({ event: 'cache_read_slow', key, budget_ms: this.readBudgetMs }));
        return undefined;
      }
      return stored === null ? undefined : codec.decode(stored);
    } catch (error) {
      console.warn(JSON.stringify({ event: 'cache_read_failed', key, error: String(error) }));
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Written after the response is sent (waitUntil): a slow KV never slows the
   * answer, and a failing one (rejecting, or throwing as it is called) never
   * fails it.
   */
  put<T>(key: string, value: T, codec: CacheCodec<T>): void {
    const write = Promise.resolve()
      .then(() => this.kv.put(key, codec.encode(value), { expirationTtl: this.ttlSeconds }))
      .catch((error: unknown) => {
        console.warn(JSON.stringify({ event: 'cache_write_failed', key, error: String(error) }));
      });
    this.defer(write);
  }
}
