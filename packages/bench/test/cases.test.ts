import { BnValueError } from '@bnkit/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CASES, caseText, parseCases } from '../src/index.js';

describe('cases', () => {
  it('default to the five shapes of the issue, large NCHW, channels-last, NC and a small image', () => {
    expect(DEFAULT_CASES.map(caseText)).toEqual(['32x64x56x56:NCHW', '128x64x56x56:NCHW', '32x56x56x64:NHWC', '256x1024:NC', '1x112x112x32:NHWC']);
  });

  it('parse from the --shapes text and print back the same', () => {
    const text = '2x3x4x5:NCHW,7x3:NC,2x5x4:NLC';
    const cases = parseCases(text);
    expect(cases).toEqual([
      { shape: [2, 3, 4, 5], layout: 'NCHW' },
      { shape: [7, 3], layout: 'NC' },
      { shape: [2, 5, 4], layout: 'NLC' },
    ]);
    expect(cases.map(caseText).join(',')).toBe(text);
  });

  it('refuse an entry without a known layout, a rank that is not the layout\'s, a zero dim or an empty entry', () => {
    for (const bad of ['2x3', '2x3:XY', '2x3x4:NCHW', '0x3:NC', '2x3:NC,', '2,3:NC']) {
      expect(() => parseCases(bad), bad).toThrow(BnValueError);
    }
    expect(() => parseCases('2x3x4:NCHW')).toThrow(/--shapes/);
  });
});
