import type { ComparisonReport, EngineRow, NodeComparison } from './compare.js';
import type { ErrorStatistics } from './error-statistics.js';

/** Colours of the engines' bars, in the order of `report.engines` (ONNX Runtime's own first). */
const PALETTE = ['#c0392b', '#2e86de', '#27ae60', '#8e44ad', '#e67e22', '#16a085', '#7f8c8d', '#d35400'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return '–';
  if (!Number.isFinite(value)) return String(value);
  return value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3) ? value.toExponential(digits - 1) : String(Number(value.toPrecision(digits)));
}

function colour(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

/**
 * The chart: one group per BN node in graph order, one horizontal bar per engine whose length is
 * log2(1 + max ULP distance), so that 0 ULPs draws no bar and each doubling adds one step. An
 * engine that did not run a node shows its reason instead of a bar; the worst node is marked.
 */
function errorChart(report: ComparisonReport): string {
  const barHeight = 12;
  const labelWidth = 320;
  const barWidth = 380;
  const groupGap = 10;
  const largest = Math.max(1, ...report.nodes.flatMap((n) => n.rows.map((r) => Math.log2(1 + (r.statistics?.maxUlp ?? 0)))));
  const parts: string[] = [];
  let y = 4;
  for (const node of report.nodes) {
    const worst = report.worstOverall?.order === node.order;
    const top = y;
    parts.push(`<text class="node-label" x="${labelWidth - 8}" y="${top + barHeight}" text-anchor="end"${worst ? ' font-weight="bold"' : ''}>${escape(`${node.order}. ${node.label}`)}${worst ? ' (worst)' : ''}</text>`);
    for (const [i, engine] of report.engines.entries()) {
      const row = node.rows.find((r) => r.engine === engine);
      const s = row?.statistics;
      if (s) {
        const width = (Math.log2(1 + s.maxUlp) / largest) * barWidth;
        parts.push(
          `<rect class="bar" data-node="${node.order}" data-engine="${escape(engine)}" data-ulp="${s.maxUlp}" x="${labelWidth}" y="${y}" width="${width.toFixed(2)}" height="${barHeight - 2}" fill="${colour(i)}">` +
            `<title>${escape(`${node.label} · ${engine}: ${s.maxUlp} ULP, max abs ${num(s.maxAbs)}`)}</title></rect>` +
            `<text x="${labelWidth + width + 4}" y="${y + barHeight - 3}" font-size="10">${num(s.maxUlp)}</text>`,
        );
      } else {
        parts.push(`<text x="${labelWidth + 4}" y="${y + barHeight - 3}" font-size="10" fill="#888">${escape(`${engine}: ${row?.status ?? 'missing'}`)}</text>`);
      }
      y += barHeight;
    }
    y += groupGap;
  }
  const legend = report.engines
    .map((engine, i) => `<g transform="translate(${labelWidth},${y + 14 * i})"><rect width="10" height="10" fill="${colour(i)}"/><text x="14" y="9" font-size="11">${escape(engine)}</text></g>`)
    .join('');
  const height = y + 14 * report.engines.length + 8;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 80}" height="${height}" font-family="sans-serif" font-size="12" role="img" aria-label="largest error in float32 ULPs per BN node and engine">` +
    `${parts.join('')}${legend}</svg>`
  );
}

function statisticCells(s: ErrorStatistics | null, row?: EngineRow): string {
  if (!s) return `<td colspan="8" class="reason">${escape(row ? `${row.status}${row.reason ? `: ${row.reason}` : ''}` : '–')}</td>`;
  return [s.maxAbs, s.maxRel, s.meanAbs, s.p99Abs].map((v) => `<td>${num(v)}</td>`).join('') + `<td>${s.maxUlp}</td><td>${s.nan}</td><td>${s.inf}</td><td>${s.nonFiniteMismatches}</td>`;
}

function nodeRows(node: NodeComparison, worstOrder: number | undefined): string {
  return node.rows
    .map(
      (row, i) =>
        `<tr${node.order === worstOrder ? ' class="worst"' : ''}>${i === 0 ? `<td rowspan="${node.rows.length}">${node.order}</td><td rowspan="${node.rows.length}" class="name">${escape(node.label)}</td><td rowspan="${node.rows.length}">${escape(node.producer)}</td><td rowspan="${node.rows.length}">[${node.shape.join(', ')}]</td>` : ''}` +
        `<td class="name">${escape(row.engine)}</td>${statisticCells(row.statistics, row)}</tr>`,
    )
    .join('\n');
}

/**
 * A self-contained HTML page of a comparison (no external assets): what was compared, a chart
 * of each node's largest error in float32 ULPs per engine in graph order (inline SVG), a table
 * of every statistic per node and engine, and how far the fused model's outputs move.
 */
export function comparisonReportHtml(report: ComparisonReport, title: string): string {
  const origin = report.origin.kind === 'random' ? `seeded random inputs (seed ${report.origin.seed})` : report.origin.kind === 'saved' ? `a saved capture (${report.origin.from})` : 'the given data';
  const worst = report.worstOverall;
  const header = '<th>max abs</th><th>max rel</th><th>mean abs</th><th>p99 abs</th><th>max ULP</th><th>NaN</th><th>Inf</th><th>non-finite mismatches</th>';
  const fused = report.fused.map((f) => `<tr><td class="name">${escape(f.output)}</td>${statisticCells(f.statistics)}</tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td.name,td.reason{text-align:left}tr.worst td{background:#fdecea}</style>
</head><body>
<h1>${escape(title)}</h1>
<p>${report.nodes.length} BN node(s), ${report.batches} batch(es) of ${escape(origin)}. Each engine's output is measured against the float64 reference computed on the node's captured input; ULP: distance in float32 units in the last place.</p>
<p id="worst">${worst ? `Worst node: <b>${escape(worst.label)}</b> (${escape(worst.engine)}, ${worst.maxUlp} ULP, max abs ${num(worst.maxAbs)}).` : 'No node was compared.'}</p>
<h2>Largest error per node (float32 ULPs, log scale)</h2>
${errorChart(report)}
<h2>Every node and engine</h2>
<table id="nodes"><thead><tr><th>#</th><th>node</th><th>input from</th><th>X shape</th><th>engine</th>${header}</tr></thead>
<tbody>
${report.nodes.map((n) => nodeRows(n, worst?.order)).join('\n')}
</tbody></table>
<h2>Model outputs, ONNX Runtime optimisations on (BN fused) against off</h2>
<table id="fused"><thead><tr><th>output</th>${header}</tr></thead>
<tbody>
${fused}
</tbody></table>
</body></html>
`;
}
