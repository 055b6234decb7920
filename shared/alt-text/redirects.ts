import type { AltTextConfig } from './config.ts';

/**
 * A redirect from the origin to itself (absolute or relative Location) is sent
 * back as a redirect to the same path on this proxy, so browsers stay on the
 * site's public host; a redirect anywhere else is passed on as it is.
 */
export function publicLocation(response: Response, config: AltTextConfig, publicOrigin: string): Response {
  const location = response.headers.get('location');
  if (!location) return response;
  let target: URL;
  try {
    target = new URL(location, config.origin);
  } catch {
    return response;
  }
  if (target.origin !== config.origin.origin) return response;
  const rewritten = new Response(response.body, response);
  rewritten.headers.set('location', new URL(`${target.pathname}${target.search}${target.hash}`, publicOrigin).href);
  return rewritten;
}
