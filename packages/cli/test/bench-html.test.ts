import { describe, expect, it } from 'vitest';
import { benchHtml } from '../src/bench-html.js';
import type { Measurement } from '../src/benchmark-run.js';
import { unavailableSlot } from './slots.js';

describe('benchHtml', () => {
  const measurement: Measurement = {
    rows: [
      { backend: 'cpu', shape: [2, 3], layout: 'NC', operation: 'inference', medianMs: 0.01, gbPerSec: 4, ratioToCopy: 0.5 },
      { backend: 'reference', shape: [2, 3], layout: 'NC', operation: 'inference', medianMs: 0.04, gbPerSec: 1, ratioToCopy: 0.125 },
    ],
    baseline: [{ backend: 'copy', shape: [2, 3], layout: 'NC', operation: 'inference', medianMs: 0.005, gbPerSec: 8, ratioToCopy: 1 }],
  };
  const unavailable = unavailableSlot('onnxruntime', 'no <engine> & co');

  it('draws one bar per backend and the baseline, scaled to the fastest', () => {
    const html = benchHtml(measurement, [unavailable], [2, 3], 'NC');
    expect(html.match(/<rect /g)).toHaveLength(3);
    expect(html).toContain('width="260.0"');
    expect(html).toContain('width="520.0"');
    expect(html).toContain('copy (baseline)');
  });

  it('escapes text and fetches nothing', () => {
    const html = benchHtml(measurement, [unavailable], [2, 3], 'NC');
    expect(html).toContain('no &#60;engine&#62; &#38; co');
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:|<script|<link|src=/i);
  });
});
