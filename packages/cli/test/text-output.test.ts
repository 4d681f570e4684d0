import { describe, expect, it } from 'vitest';
import { formatQuantity } from '../src/format-number.js';
import { formatTable, visibleWidth } from '../src/text-table.js';

describe('formatTable', () => {
  it('aligns columns, right-aligns numbers and ignores colour codes in widths', () => {
    const table = formatTable(
      [{ header: 'name' }, { header: 'ms', align: 'right' }],
      [
        ['\u001b[32mcpu\u001b[39m', '1.5'],
        ['onnxruntime', '12'],
      ],
    );
    expect(table.split('\n')).toEqual(['name          ms', '-----------  ---', '\u001b[32mcpu\u001b[39m          1.5', 'onnxruntime   12']);
    expect(visibleWidth('\u001b[31mab\u001b[39m')).toBe(2);
  });
});

describe('formatQuantity', () => {
  it('keeps two significant digits and switches to exponents for tiny values', () => {
    expect(formatQuantity(0)).toBe('0');
    expect(formatQuantity(0.03141)).toBe('0.031');
    expect(formatQuantity(2.44e-7)).toBe('2.4e-7');
    expect(formatQuantity(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(formatQuantity(Number.NaN)).toBe('nan');
  });
});
