/**
 * The reading rules of Go, Java, Rust, C#, Ruby and PHP (see `spec.ts` for what a rule states).
 */
import type { LanguageId } from "./languages.ts";
import type { LanguageSpec } from "./spec.ts";

export const MORE_SPECS: Partial<Record<LanguageId, LanguageSpec>> = {};
