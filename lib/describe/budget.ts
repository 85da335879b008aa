/**
 * Which files of a large pull request the describe call reads. The prompt holds the diffs of the riskiest files
 * that fit the budget; every other changed file is still named (with its line counts), so the walkthrough can
 * list it as not read instead of leaving it out. Pure.
 *
 * Risk, highest first: lines changed, weighted by what the file is — source counts fully, tests 0.3, docs 0.2,
 * lock files and generated or vendored files 0.05 — and doubled for paths that usually carry risk (auth,
 * security, crypto, permissions, migrations, SQL, configuration of deployments). Ties keep the diff's order.
 */
import { type DiffFile, filePath } from "../diff/types.ts";
import { renderFileDiff } from "../review/prompt.ts";

/** A changed file the prompt names without its diff. */
export interface OmittedFile {
  path: string;
  additions: number;
  deletions: number;
  /** Why it was not read: over the budget, or binary (nothing to read). */
  reason: "budget" | "binary";
}

export interface FileSelection {
  /** The files whose diffs the prompt holds, in the diff's order. */
  shown: DiffFile[];
  /** The others, riskiest first. */
  omitted: OmittedFile[];
  /** Characters of the rendered diffs shown. */
  chars: number;
}

const LOW_RISK: [RegExp, number][] = [
  [
    /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|deno\.lock|Cargo\.lock|go\.sum|poetry\.lock)$/,
    0.05,
  ],
  [/(^|\/)(vendor|dist|build|node_modules|__generated__)\/|\.min\.(js|css)$|\.gen\.\w+$|\.snap$/, 0.05],
  [/(^|\/)(tests?|__tests__|spec)\/|(_test|\.test|\.spec)\.\w+$/, 0.3],
  [/\.(md|mdx|rst|txt)$|(^|\/)docs?\//i, 0.2],
];
const HIGH_RISK =
  /auth|secur|crypt|permission|secret|password|token|session|migrations?\/|\.sql$|Dockerfile|\.ya?ml$/i;

/** The file's risk score (see the module comment). */
export function riskOf(file: DiffFile): number {
  const path = filePath(file);
  const weight = LOW_RISK.find(([pattern]) => pattern.test(path))?.[1] ?? 1;
  const lines = file.additions + file.deletions;
  return lines * weight * (weight === 1 && HIGH_RISK.test(path) ? 2 : 1);
}

/** The riskiest files whose rendered diffs fit `maxChars` together; the rest are omitted (see the module comment). */
export function selectFiles(files: readonly DiffFile[], maxChars: number): FileSelection {
  const ranked = files.map((file, index) => ({ file, index, risk: riskOf(file) }))
    .sort((a, b) => b.risk - a.risk || a.index - b.index);
  const shown = new Set<number>();
  const omitted: OmittedFile[] = [];
  let chars = 0;
  for (const { file, index } of ranked) {
    const entry = { path: filePath(file), additions: file.additions, deletions: file.deletions };
    if (file.binary) {
      omitted.push({ ...entry, reason: "binary" });
      continue;
    }
    const size = renderFileDiff({ file }).length;
    // A large file further down does not stop smaller ones from fitting after it.
    if (chars + size > maxChars) {
      omitted.push({ ...entry, reason: "budget" });
      continue;
    }
    chars += size;
    shown.add(index);
  }
  return { shown: files.filter((_, index) => shown.has(index)), omitted, chars };
}
