/**
 * The form of a case id: lowercase path segments of letters, digits, `.`, `+` and `-`, joined by
 * `/` (`nchw/eps-1e-5/offset-1e4`). An id is also the case's file path below a vectors directory.
 */
export const CASE_ID_PATTERN = /^[a-z0-9][a-z0-9.+-]*(\/[a-z0-9][a-z0-9.+-]*)*$/;

/** The form of a group name (`layouts`, `running-stats`). */
export const GROUP_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** The file of a case below a vectors directory, with `/` separators: `nchw/eps-1e-5/offset-1e4.json`. */
export function caseFilePath(id: string): string {
  return `${id}.json`;
}
