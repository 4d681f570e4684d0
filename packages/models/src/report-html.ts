import type { NodeReport, RecalibrationReport } from './apply-statistics.js';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return Math.abs(value) >= 1e4 || (Math.abs(value) < 1e-3 && value !== 0) ? value.toExponential(digits - 1) : value.toPrecision(digits);
}

function range(values: readonly number[] | null): string {
  if (!values || values.length === 0) return '–';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? num(lo) : `${num(lo)} … ${num(hi)}`;
}

/** A horizontal bar chart (inline SVG) of each node's largest mean shift, in old standard deviations. */
function shiftChart(nodes: readonly NodeReport[]): string {
  const rowHeight = 18;
  const labelWidth = 300;
  const barWidth = 360;
  const largest = Math.max(1e-12, ...nodes.map((n) => n.maxAbsShift ?? 0));
  const rows = nodes.map((n, i) => {
    const y = i * rowHeight;
    const width = n.maxAbsShift === null ? 0 : (n.maxAbsShift / largest) * barWidth;
    const colour = n.written ? '#3a7bd5' : '#c0392b';
    return (
      `<text x="${labelWidth - 6}" y="${y + 13}" text-anchor="end">${escape(n.label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowHeight - 6}" fill="${colour}"/>` +
      `<text x="${labelWidth + width + 4}" y="${y + 13}">${n.maxAbsShift === null ? 'no old statistics' : num(n.maxAbsShift, 3)}</text>`
    );
  });
  const height = nodes.length * rowHeight + 4;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 120}" height="${height}" font-family="sans-serif" font-size="12" role="img" aria-label="largest mean shift per BN node">${rows.join('')}</svg>`;
}

/**
 * A self-contained HTML page of a recalibration report: what was run, a chart of each node's
 * largest mean shift (in old standard deviations; red for nodes not written) in graph order, and
 * a table of old and new statistics per node.
 */
export function recalibrationReportHtml(report: RecalibrationReport, title: string): string {
  const rows = report.nodes
    .map(
      (n) =>
        `<tr><td>${n.order}</td><td>${escape(n.label)}</td><td>${n.level}</td><td>${n.channels}</td><td>${escape(n.producer?.kind === 'node' ? n.producer.opType : (n.producer?.kind ?? '?'))}</td>` +
        `<td>${escape(n.source)}</td><td>${n.written ? 'yes' : `no: ${escape(n.reason ?? '')}`}</td>` +
        `<td>${range(n.oldMean)}</td><td>${range(n.newMean)}</td><td>${range(n.oldVariance)}</td><td>${range(n.newVariance)}</td>` +
        `<td>${num(n.maxAbsShift, 3)}</td><td>${n.varianceRatio ? `${num(n.varianceRatio.min, 3)} … ${num(n.varianceRatio.max, 3)}` : '–'}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:nth-child(2),td:nth-child(6),td:nth-child(7){text-align:left}</style>
</head><body>
<h1>${escape(title)}</h1>
<p>Mode <b>${report.mode}</b>, ${report.batches} of ${report.totalBatches} batches, ${report.passes} pass(es); ${report.written} BN node(s) written, ${report.notWritten} not written.</p>
<h2>Largest mean shift per node (old standard deviations)</h2>
${shiftChart(report.nodes)}
<h2>Nodes in graph order</h2>
<table><thead><tr><th>#</th><th>node</th><th>level</th><th>C</th><th>input from</th><th>statistics</th><th>written</th><th>old mean</th><th>new mean</th><th>old var</th><th>new var</th><th>max |shift|</th><th>var ratio</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
