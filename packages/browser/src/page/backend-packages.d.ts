/**
 * The backend packages the runner managed to bundle into the page, generated at bundle time
 * (see `page-bundle.ts`): an importer per package, and why each of the others could not be.
 */
declare module 'bnkit:backend-packages' {
  export const importers: Readonly<Record<string, () => Promise<Record<string, unknown>>>>;
  export const unbundled: Readonly<Record<string, string>>;
}
