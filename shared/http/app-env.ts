import type { ApiConfig } from '../config.ts';
import type { ResultCache } from '../cache/result-cache.ts';
import type { ServerTiming } from '../timing/server-timing.ts';

/** Hono generics shared by the Workers: bindings come from `wrangler types`. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: ApiConfig;
    timing: ServerTiming;
    cache: ResultCache;
  };
}
