// /v1/analyze with every default feature (text included: it runs in the OCR
// Worker behind the OCR_WORKER service binding) on a 1 MP JPEG: the first
// request of a fresh pair of isolates (every session created) and warm cache misses.
import { uniqueCopy } from './lib/bodies.mjs';
import { fmt, median, serverTiming } from './lib/stats.mjs';


async function analyze(origin, body, features) {
  const start = performance.now();
  const response = await fetch(`${origin}/v1/analyze${features ? `?features=${features}` : ''}`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
  const text = await response.text();
  if (!response.ok) throw new Error(`analyze: ${response.status} ${text.slice(0, 200)}`);
  return { ms: performance.now() - start, stages: serverTiming(response.headers.get('server-timing')) };
}

export async function benchAnalyze(origin, jpeg, runs = 5) {
  const cold = await analyze(origin, uniqueCopy(jpeg, 'analyze-cold'));
  const warm = [];
  for (let i = 0; i < runs; i++) warm.push(await analyze(origin, uniqueCopy(jpeg, `analyze-warm-${i}-${Date.now()}`)));
  const features = Object.keys(cold.stages).filter((k) => k.startsWith('feature.'));
  const lines = ['| | total (ms) | ' + features.map((f) => f.slice(8)).join(' | ') + ' |', '|---|---|' + features.map(() => '---|').join('')];
  lines.push(`| cold (first request of an isolate) | ${fmt(cold.ms)} | ${features.map((f) => fmt(cold.stages[f])).join(' | ')} |`);
  lines.push(`| warm cache miss, p50 of ${runs} | ${fmt(median(warm.map((w) => w.ms)))} | ${features.map((f) => fmt(median(warm.map((w) => w.stages[f] ?? 0)))).join(' | ')} |`);
  return lines.join('\n');
}
