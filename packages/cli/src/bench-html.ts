import { BENCHMARK_LEGEND, benchmarkHeading, caseText, formatMs, type BenchmarkReport, type BenchmarkRow } from '@bnkit/bench';

const SVG_NS = 'http://www.w3.org/2000/svg';
const BAR_HEIGHT = 18;
const GAP = 6;
const LABEL_WIDTH = 170;
const CHART_WIDTH = 300;
const VALUE_WIDTH = 190;

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One bar: the value at the median, and the error bar's ends (from the fastest and slowest samples). */
interface Bar {
  readonly row: BenchmarkRow;
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly text: string;
}

function msBar(row: BenchmarkRow): Bar {
  return { row, value: row.medianMs, low: row.minMs, high: row.maxMs, text: `${formatMs(row.medianMs)} ms (${formatMs(row.minMs)}–${formatMs(row.maxMs)})` };
}

function gbBar(row: BenchmarkRow): Bar {
  // GB/s is inverse to time: the slowest sample gives the low end, the fastest the high end.
  const low = (row.gbPerSec * row.medianMs) / row.maxMs;
  const high = (row.gbPerSec * row.medianMs) / row.minMs;
  return { row, value: row.gbPerSec, low, high, text: `${row.gbPerSec.toPrecision(3)} GB/s (${low.toPrecision(3)}–${high.toPrecision(3)})` };
}

function chart(title: string, bars: readonly Bar[]): string {
  const scale = Math.max(...bars.map((bar) => (bar.row.error === undefined ? bar.high : 0)), Number.MIN_VALUE);
  const x = (value: number): number => LABEL_WIDTH + (value / scale) * CHART_WIDTH;
  const height = bars.length * (BAR_HEIGHT + GAP) + GAP;
  const width = LABEL_WIDTH + CHART_WIDTH + VALUE_WIDTH;
  const items = bars.map((bar, i) => {
    const y = GAP + i * (BAR_HEIGHT + GAP);
    const label = `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${escapeHtml(bar.row.label)}</text>`;
    if (bar.row.error !== undefined) return `${label}<text x="${LABEL_WIDTH + 4}" y="${y + 13}" class="error">${escapeHtml(`error: ${bar.row.error}`)}</text>`;
    const end = x(bar.value);
    const mid = y + BAR_HEIGHT / 2;
    return [
      label,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${Math.max(1, end - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" class="${bar.row.kind}"><title>${escapeHtml(bar.text)}</title></rect>`,
      `<path d="M${x(bar.low).toFixed(1)} ${mid}H${x(bar.high).toFixed(1)}M${x(bar.low).toFixed(1)} ${y + 4}V${y + BAR_HEIGHT - 4}M${x(bar.high).toFixed(1)} ${y + 4}V${y + BAR_HEIGHT - 4}" class="spread"/>`,
      `<text x="${(Math.max(end, x(bar.high)) + 6).toFixed(1)}" y="${y + 13}">${escapeHtml(bar.text)}</text>`,
    ].join('');
  });
  return [
    `<figure><figcaption>${escapeHtml(title)}</figcaption>`,
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
    ...items,
    '</svg></figure>',
  ].join('\n');
}

function groups(rows: readonly BenchmarkRow[]): BenchmarkRow[][] {
  const byKey = new Map<string, BenchmarkRow[]>();
  for (const row of rows) {
    const key = `${caseText(row)} ${row.operation}`;
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  return [...byKey.values()];
}

/**
 * A self-contained HTML page of a benchmark report: per case and operation two inline SVG bar
 * charts, the median milliseconds (readable on small shapes) and the GB/s, each bar with an
 * error bar from the fastest to the slowest sample; copy baselines grey, PyTorch orange. Then
 * what was skipped and the warnings. No scripts, fonts, stylesheets or images are fetched: the
 * page works offline.
 */
export function benchHtml(report: BenchmarkReport): string {
  const sections = groups(report.rows).map((rows) => {
    const first = rows[0] as BenchmarkRow;
    const what = `[${first.shape.join(', ')}] ${first.layout} ${first.operation}`;
    return [`<h2>${escapeHtml(what)}</h2>`, '<div class="pair">', chart(`${what}: median ms, lower is faster`, rows.map(msBar)), chart(`${what}: GB/s, higher is faster`, rows.map(gbBar)), '</div>'].join('\n');
  });
  const notes = [...report.skipped.map((s) => `skipped ${s.backend}: ${s.reason}`), ...report.warnings.map((w) => `warning: ${w}`)];
  const title = `bnkit benchmark: ${[...new Set(report.rows.map((row) => `[${row.shape.join(', ')}] ${row.layout}`))].join(', ')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
.pair { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 0.3em; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
svg text.error { fill: #b00020; }
rect.backend { fill: #3b7dd8; }
rect.baseline { fill: #9a9a9a; }
rect.pytorch { fill: #e07b24; }
path.spread { stroke: #111; stroke-width: 1.2; fill: none; }
pre, li.note { white-space: pre-wrap; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<pre>${escapeHtml(benchmarkHeading(report))}</pre>
${notes.length ? `<ul>\n${notes.map((note) => `<li class="note">${escapeHtml(note)}</li>`).join('\n')}\n</ul>\n` : ''}<pre>${escapeHtml(BENCHMARK_LEGEND)}</pre>
<p>Bars show the median; the black line spans the fastest to the slowest sample.</p>
${sections.join('\n')}
</body>
</html>
`;
}
