/** How a column's cells line up: text to the left, numbers to the right. */
export type Align = 'left' | 'right';

/** One column of a text table. */
export interface Column {
  readonly header: string;
  readonly align?: Align;
}

// ANSI colour sequences take no room on screen, so widths are measured without them.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The number of terminal columns a string takes, ignoring ANSI colour codes. */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

function pad(text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Formats rows as a plain aligned table: a header line, a rule of dashes, then one line per row,
 * columns separated by two spaces. Missing cells print empty; trailing spaces are trimmed.
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) =>
    Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(row[i] ?? ''))),
  );
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, i) => pad(cells[i] ?? '', widths[i] ?? 0, column.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join('\n');
}
