/** Types for scripts/extract-openapi-subset.mjs (imported by the contract tests). */
export interface RequestSchemaSubset {
  source: string;
  infoVersion: string;
  routes: Record<string, unknown>;
}

export const OUTPUT: string;
export const SPEC_FILE: string;
export function loadDerefSpec(): {
  spec: { paths: Record<string, Record<string, unknown>>; info: { version: string } };
  packageVersion: string;
};
export function extractRequestSchemas(
  spec: { paths: Record<string, Record<string, unknown>>; info: { version: string } },
  packageVersion: string,
  routes: readonly { method: string; template: string }[],
): RequestSchemaSubset;
export function renderRequestSchemas(subset: RequestSchemaSubset): string;
