import { afterEach, describe, expect, it, vi } from 'vitest';
import { paletteFor } from '../src/color.js';
import { checkShapeLayout, MAX_SHAPE_ELEMENTS, parseInteger, parseNameList, parseOperations, parseShape } from '../src/parse-args.js';
import { UsageError } from '../src/usage-error.js';

describe('argument parsers', () => {
  it('expand all, keep order and drop duplicates in name lists', () => {
    const known = ['reference', 'cpu', 'onnxruntime'];
    expect(parseNameList('--backend', 'all', known)).toEqual(known);
    expect(parseNameList('--backend', 'cpu, reference,cpu', known)).toEqual(['cpu', 'reference']);
    expect(() => parseNameList('--backend', 'cpu,', known)).toThrow(UsageError);
  });

  it('take operations by their one name and return them in training-step order', () => {
    expect(parseOperations('--op', 'backward,trainForward,inference,trainForward')).toEqual(['inference', 'trainForward', 'backward']);
    expect(() => parseOperations('--op', 'train')).toThrow('--op: expected a comma-separated list of inference, trainForward, backward, got "train"');
  });

  it('name the option, the expected and the given value', () => {
    const error = (() => {
      try {
        parseShape('--shape', '2,-3');
      } catch (caught) {
        return caught as UsageError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ argument: '--shape', actual: '"2,-3"' });
    expect(() => checkShapeLayout([2, 3, 4], 'NHWC')).toThrow('--shape (with --layout NHWC): expected rank 4 for layout NHWC, got rank 3 [2, 3, 4]');
    expect(() => parseInteger('--cases', '1.5', 1)).toThrow('--cases: expected an integer >= 1, got "1.5"');
  });

  it('refuse a shape with more elements than one tensor can hold, and take the largest that fits', () => {
    expect(() => parseShape('--shape', '100000,100000,100000,100000')).toThrow(UsageError);
    expect(() => parseShape('--shape', `${MAX_SHAPE_ELEMENTS + 1}`)).toThrow(/^--shape: expected a shape of at most/);
    expect(parseShape('--shape', `${MAX_SHAPE_ELEMENTS}`)).toEqual([MAX_SHAPE_ELEMENTS]);
  });
});

describe('paletteFor', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('colours only a terminal, and not when NO_COLOR is set', () => {
    vi.stubEnv('NO_COLOR', '');
    expect(paletteFor({ isTTY: true }).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(paletteFor({ isTTY: false }).red('x')).toBe('x');
    vi.stubEnv('NO_COLOR', '1');
    expect(paletteFor({ isTTY: true }).red('x')).toBe('x');
  });
});
