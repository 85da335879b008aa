/** Each language's reading rules, gathered. */
import type { LanguageId } from "./languages.ts";
import type { LanguageSpec } from "./spec.ts";
import { JAVASCRIPT, PYTHON, TYPESCRIPT } from "./specs_script.ts";
import { MORE_SPECS } from "./specs_more.ts";

const SPECS: Partial<Record<LanguageId, LanguageSpec>> = {
  typescript: TYPESCRIPT,
  tsx: TYPESCRIPT,
  javascript: JAVASCRIPT,
  python: PYTHON,
  ...MORE_SPECS,
};

/** The reading rules of `language`. */
export function specFor(language: LanguageId): LanguageSpec {
  const spec = SPECS[language];
  if (!spec) throw new Error(`No extraction rules for ${language}`);
  return spec;
}
