import { ApiError } from '../errors/api-error.ts';

/**
 * A D1 database without the schema is an operator step not yet done (the
 * migrations are applied by wrangler, not by the Worker): say which step,
 * instead of a bare 500.
 */
export async function withD1<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (String(error).includes('no such table')) {
      throw new ApiError(
        503,
        'backend_unavailable',
        'The search database has no schema yet: run `npx wrangler d1 migrations apply SEARCH_DB --local` (or `--remote` for the deployed database).',
      );
    }
    throw error;
  }
}
