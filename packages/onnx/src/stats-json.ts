import { BnValueError, describeValue } from '@bnkit/core';
import { checkStatistics, type BnStatistics } from './statistics.js';

const KNOWN_FIELDS = ['gamma', 'beta', 'runningMean', 'runningVar', 'eps', 'convention', 'momentum'];

/**
 * Validates the parsed content of a stats.json file: `{"gamma": [...], "beta": [...],
 * "runningMean": [...], "runningVar": [...], "eps": 1e-5}` with optional `"convention"`
 * (`pytorch`, `keras`, `onnx`) and `"momentum"` (in that convention's meaning). Every array holds
 * C >= 1 finite numbers. `source` names the file in errors.
 * @throws BnValueError naming the field, what was expected and what was found (a missing or
 *   unknown field, a non-number, a negative variance, a bad eps); BnShapeError for arrays of
 *   different lengths.
 */
export function parseStats(json: unknown, source = 'stats.json'): BnStatistics {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BnValueError(source, 'a JSON object with gamma, beta, runningMean, runningVar and eps', describeValue(json));
  }
  const record = json as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KNOWN_FIELDS.includes(key)) throw new BnValueError(`${source}: ${key}`, `only the fields ${KNOWN_FIELDS.join(', ')}`, `unknown field ${describeValue(key)}`);
  }
  for (const key of ['gamma', 'beta', 'runningMean', 'runningVar'] as const) {
    if (!Array.isArray(record[key])) throw new BnValueError(`${source}: ${key}`, 'an array of numbers', record[key] === undefined ? 'missing' : describeValue(record[key]));
  }
  if (record['eps'] === undefined) throw new BnValueError(`${source}: eps`, 'a finite number >= 0', 'missing');
  const stats = {
    gamma: record['gamma'],
    beta: record['beta'],
    runningMean: record['runningMean'],
    runningVar: record['runningVar'],
    eps: record['eps'],
    ...(record['convention'] !== undefined ? { convention: record['convention'] } : {}),
    ...(record['momentum'] !== undefined ? { momentum: record['momentum'] } : {}),
  } as BnStatistics;
  checkStatistics(stats, `${source}: `);
  return stats;
}

/**
 * Parses the text of a stats.json file (see `parseStats`); a leading UTF-8 byte-order mark is
 * skipped.
 * @throws BnValueError for text that is not JSON, or content `parseStats` refuses.
 */
export function parseStatsText(text: string, source = 'stats.json'): BnStatistics {
  let json: unknown;
  try {
    // Editors on Windows often save UTF-8 with a byte-order mark, which JSON.parse refuses.
    json = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    throw new BnValueError(source, 'JSON text', `unparsable (${(error as Error).message})`);
  }
  return parseStats(json, source);
}
