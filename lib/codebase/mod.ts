/**
 * The code index: what a repository defines and calls, built from its files with tree-sitter, cached per
 * commit, and the context a review call is given for its changed hunks.
 */
export {
  buildCodeIndex,
  CODE_INDEX_FORMAT,
  type CodeIndex,
  type IndexedFile,
  skipReason,
  type SourceFile,
  updateCodeIndex,
} from "./code_index.ts";
export { parseCodeIndex, serializeCodeIndex } from "./serialize.ts";
export { type ContextRequest, selectContext } from "./select.ts";
export type { CodeContextBlock, ContextKind, ContextSelection } from "./pack.ts";
export { type LanguageId, languageOf } from "./languages.ts";
