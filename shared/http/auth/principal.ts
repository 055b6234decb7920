import type { AppEnv } from '../app-env.ts';
import type { Quota, Scope } from './api-key.ts';

/** Who is calling: set by apiKeyAuth, read by the rate limiter. */
export type Principal = { kind: 'anonymous' } | { kind: 'key'; id: string; scopes: Scope[]; quota: Quota };

/** AppEnv plus the principal, for the middleware that set or read it. */
export interface AuthEnv {
  Bindings: AppEnv['Bindings'];
  Variables: AppEnv['Variables'] & { principal: Principal };
}
