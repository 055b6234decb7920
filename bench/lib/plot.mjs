// Latency vs concurrency as an SVG line chart (log-scaled latency axis),
// rendered to PNG by sharp (librsvg).
import sharp from 'sharp';

const W = 720;
const H = 420;
const M = { left: 70, right: 170, top: 40, bottom: 50 };
const COLOURS = { 'miss p50': '#1f77b4', 'miss p95': '#9ecae1', 'hit p50': '#d62728', 'hit p95': '#fc9272' };

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** `series`: { name: [{ x: connections, y: ms }] }. */
export function latencySvg(series, title) {
  const points = Object.values(series).flat().filter((p) => Number.isFinite(p.y) && p.y > 0);
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...points.map((p) => p.y))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...points.map((p) => p.y))));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const xAt = (x) => M.left + (xs.length === 1 ? plotW / 2 : (xs.indexOf(x) / (xs.length - 1)) * plotW);
  const yAt = (y) => M.top + plotH - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="13">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  out.push(`<text x="${M.left}" y="24" font-size="15" font-weight="bold">${escape(title)}</text>`);
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const y = decade * step;
      if (y > yMax) break;
      out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${yAt(y)}" y2="${yAt(y)}" stroke="#ddd"/>`);
      out.push(`<text x="${M.left - 8}" y="${yAt(y) + 4}" text-anchor="end">${y}</text>`);
    }
  }
  for (const x of xs) {
    out.push(`<line x1="${xAt(x)}" x2="${xAt(x)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${xAt(x)}" y="${M.top + plotH + 20}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${H - 10}" text-anchor="middle">concurrent connections (autocannon)</text>`);
  out.push(`<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">latency (ms, log scale)</text>`);
  Object.entries(series).forEach(([name, pts], i) => {
    const colour = COLOURS[name] ?? '#555';
    const valid = pts.filter((p) => Number.isFinite(p.y) && p.y > 0);
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2.5" points="${valid.map((p) => `${xAt(p.x)},${yAt(p.y)}`).join(' ')}"/>`);
    for (const p of valid) out.push(`<circle cx="${xAt(p.x)}" cy="${yAt(p.y)}" r="4" fill="${colour}"/>`);
    const ly = M.top + 10 + i * 22;
    out.push(`<line x1="${M.left + plotW + 15}" x2="${M.left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`);
    out.push(`<text x="${M.left + plotW + 46}" y="${ly + 4}">${escape(name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export async function writeLatencyPlot(rows, path, title) {
  const series = {};
  for (const r of rows) for (const q of ['p50', 'p95']) (series[`${r.kind} ${q}`] ??= []).push({ x: r.connections, y: r[q] });
  await sharp(Buffer.from(latencySvg(series, title))).png().toFile(path);
}
