import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../../shared/http/app-env.ts';

/**
 * /openapi.json is generated from the same zod schemas that validate
 * requests; /docs renders it as a readable page with no third-party script
 * (a strict CSP, nothing fetched from a CDN).
 */
export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Edge Vision API',
        version: '0.1.0',
        description: 'Image understanding at the edge. Errors are `application/problem+json` with a stable `code`.',
      },
    });

  app.get('/openapi.json', (c) => c.json(document()));

  app.get('/docs', (c) => {
    const spec = document();
    const rows = Object.entries(spec.paths ?? {})
      .flatMap(([path, item]) =>
        Object.entries(item as Record<string, { summary?: string }>).map(
          ([method, op]) => `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? '')}</td></tr>`,
        ),
      )
      .join('\n');
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Edge Vision API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code,pre{background:#f4f4f4;padding:.1rem .3rem}pre{padding:1rem;overflow:auto}</style>
</head><body>
<h1>Edge Vision API</h1>
<p>Send an image as raw bytes, as a multipart field <code>image</code>, or as JSON <code>{"image": {"url": "https://..."}}</code> / <code>{"image": {"base64": "..."}}</code> with the task's parameters beside it (or in the query string). The format is read from the bytes: JPEG, PNG, WebP, GIF.</p>
<pre>curl --data-binary @photo.jpg -H 'content-type: image/jpeg' ${escapeHtml(new URL(c.req.url).origin)}/v1/inspect</pre>
<p>Results are cached by the image's SHA-256 (<code>X-Cache: HIT|MISS</code>); <code>Server-Timing</code> gives each stage. Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p>
<h2>Routes</h2>
<table><tr><th>Method</th><th>Path</th><th>What it does</th></tr>
${rows}
</table>
<p>Machine-readable description: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
</body></html>`;
    return c.html(html, 200, {
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
