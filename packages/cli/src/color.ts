/** Colours for terminal output. Each function returns its text unchanged when colour is off. */
export interface Palette {
  readonly green: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

const wrap =
  (open: number, close: number, enabled: boolean) =>
  (text: string): string =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;

/**
 * The palette for a stream: coloured only when the stream is a terminal and `NO_COLOR` is unset
 * (https://no-color.org), so files, pipes and tests get plain text.
 */
export function paletteFor(stream: { isTTY?: boolean }): Palette {
  const enabled = stream.isTTY === true && !process.env['NO_COLOR'];
  return {
    green: wrap(32, 39, enabled),
    red: wrap(31, 39, enabled),
    yellow: wrap(33, 39, enabled),
    dim: wrap(2, 22, enabled),
    bold: wrap(1, 22, enabled),
  };
}
