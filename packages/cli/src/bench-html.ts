import type { Layout } from '@bnkit/core';
import { unavailableText, type OpenedBackend } from './backend-selection.js';
import type { Measurement } from './benchmark-run.js';
import type { BenchmarkRow } from '@bnkit/bench';
import { environmentText } from './bench-table.js';
import { formatMs, formatQuantity } from './format-number.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const BAR_HEIGHT = 22;
const LABEL_WIDTH = 130;
const CHART_WIDTH = 520;
const VALUE_WIDTH = 240;

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function chart(operation: string, bars: readonly BenchmarkRow[]): string {
  const max = Math.max(...bars.map((row) => (row.error ? 0 : row.gbPerSec)), Number.MIN_VALUE);
  const height = bars.length * (BAR_HEIGHT + 6) + 6;
  const width = LABEL_WIDTH + CHART_WIDTH + VALUE_WIDTH;
  const items = bars.map((row, i) => {
    const y = 6 + i * (BAR_HEIGHT + 6);
    const baseline = row.backend === 'copy';
    const length = row.error ? 0 : Math.max(1, (row.gbPerSec / max) * CHART_WIDTH);
    const copyShare = baseline ? '' : ` · ${formatQuantity(row.ratioToCopy, 2)} of copy`;
    const value = row.error ? `error: ${row.error}` : `${formatQuantity(row.gbPerSec, 3)} GB/s · ${formatMs(row.medianMs)} ms${copyShare}`;
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(baseline ? 'copy (baseline)' : row.backend)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${length.toFixed(1)}" height="${BAR_HEIGHT}" class="${baseline ? 'baseline' : 'bar'}"><title>${escapeHtml(value)}</title></rect>`,
      `<text x="${(LABEL_WIDTH + length + 6).toFixed(1)}" y="${y + 15}">${escapeHtml(value)}</text>`,
    ].join('');
  });
  return [
    `<h2>${escapeHtml(operation)}</h2>`,
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`${operation} throughput in GB/s`)}">`,
    ...items,
    '</svg>',
  ].join('\n');
}

/**
 * A self-contained HTML page of a benchmark: one inline SVG bar chart of throughput (GB/s) per
 * operation, with a bar per backend and the copy baseline, and the backends that could not run.
 * No scripts, fonts, stylesheets or images are fetched: the page works offline.
 */
export function benchHtml(measurement: Measurement, slots: readonly OpenedBackend[], shape: readonly number[], layout: Layout): string {
  const operations = [...new Set([...measurement.rows, ...measurement.baseline].map((row) => row.operation))];
  const charts = operations.map((operation) =>
    chart(operation, [
      ...measurement.rows.filter((row) => row.operation === operation),
      ...measurement.baseline.filter((row) => row.operation === operation),
    ]),
  );
  const unavailable = slots.flatMap((slot) => (slot.status === 'unavailable' ? [`<li>${escapeHtml(`${slot.name}: ${unavailableText(slot)}`)}</li>`] : []));
  const title = `bnkit benchmark: [${shape.join(', ')}] ${layout}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
rect.bar { fill: #3b7dd8; }
rect.baseline { fill: #9a9a9a; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${measurement.report ? `<p>${escapeHtml(environmentText(measurement.report))}</p>\n` : ''}<p>Throughput in GB/s: the least bytes each operation must move per float32 element (inference 8, trainForward 12, backward 12; 1 GB = 1e9 bytes) over the median time; longer is faster. The grey bar is a plain memory copy of the same bytes.</p>
${charts.join('\n')}
${unavailable.length ? `<h2>Not measured</h2>\n<ul>\n${unavailable.join('\n')}\n</ul>` : ''}
</body>
</html>
`;
}
