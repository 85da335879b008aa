/**
 * The fake GitLab's diffs: a unified diff split into GitLab's per-file entries, and the check GitLab applies to
 * an inline discussion's position (its shas must be the merge request's latest, its lines on the diff).
 */
import parseDiff from "parse-diff";
import type { DiffEntry, FakeFileSeed, StoredPullRequest } from "./types.ts";

/** Splits a unified diff into GitLab's per-file entries (hunks only in `diff`). */
export function toDiffEntries(diff: string, files: Record<string, FakeFileSeed>): DiffEntry[] {
  const sections = diff.split(/^(?=diff --git )/m).filter((section) => section.startsWith("diff --git "));
  return sections.map((section) => {
    const lines = section.split("\n");
    const header = /^diff --git a\/(.+) b\/(.+)$/.exec(lines[0]);
    let oldPath = header?.[1] ?? "";
    let newPath = header?.[2] ?? "";
    let aMode = "100644";
    let bMode = "100644";
    let newFile = false;
    let deletedFile = false;
    let renamed = false;
    for (const line of lines) {
      if (line.startsWith("@@")) break;
      if (line.startsWith("new file mode ")) [newFile, aMode, bMode] = [true, "0", line.slice(14)];
      else if (line.startsWith("deleted file mode ")) {
        [deletedFile, aMode, bMode] = [true, line.slice(18), "0"];
      } else if (line.startsWith("old mode ")) aMode = line.slice(9);
      else if (line.startsWith("new mode ")) bMode = line.slice(9);
      else if (line.startsWith("rename from ")) [renamed, oldPath] = [true, line.slice(12)];
      else if (line.startsWith("rename to ")) newPath = line.slice(10);
    }
    const hunkStart = section.search(/^@@/m);
    const seed = files[newPath] ?? files[oldPath] ?? {};
    const withheld = seed.tooLarge === true || seed.collapsed === true;
    return {
      old_path: oldPath,
      new_path: newPath,
      a_mode: aMode,
      b_mode: bMode,
      new_file: newFile,
      renamed_file: renamed,
      deleted_file: deletedFile,
      generated_file: false,
      too_large: seed.tooLarge === true,
      collapsed: seed.collapsed === true,
      diff: withheld || hunkStart < 0 ? "" : section.slice(hunkStart),
    };
  });
}

/** GitLab's own rule: added lines take `new_line`, removed lines `old_line`, unchanged lines both. */
export function validatePosition(pr: StoredPullRequest, position: Record<string, unknown>): string | null {
  if (position.position_type !== "text") return "position_type must be text";
  const startSha = pr.startSha ?? pr.baseSha;
  if (
    position.base_sha !== pr.baseSha || position.start_sha !== startSha || position.head_sha !== pr.headSha
  ) {
    return "position SHAs do not match the latest merge request diff version";
  }
  if (typeof position.old_path !== "string" || typeof position.new_path !== "string") {
    return "old_path and new_path are required";
  }
  const file = parseDiff(pr.diff).find((candidate) =>
    (candidate.to === position.new_path || candidate.to === "/dev/null") &&
    (candidate.from === position.old_path || candidate.from === "/dev/null")
  );
  const entry = pr.fileEntries.find((candidate) => candidate.new_path === position.new_path);
  if (!file || !entry || entry.diff === "") return 'Note {:line_code=>["can\'t be blank"]}';
  const newLine = position.new_line === undefined ? undefined : Number(position.new_line);
  const oldLine = position.old_line === undefined ? undefined : Number(position.old_line);
  const changes = file.chunks.flatMap((chunk) => chunk.changes);
  const valid = changes.some((change) => {
    if (change.type === "add") return oldLine === undefined && newLine === change.ln;
    if (change.type === "del") return newLine === undefined && oldLine === change.ln;
    return oldLine === change.ln1 && newLine === change.ln2;
  });
  return valid ? null : 'Note {:line_code=>["can\'t be blank", "must be a valid line code"]}';
}

/** GitLab stores positions with integer lines (form values arrive as strings) and null for the unused side. */
export function storedPosition(position: Record<string, unknown>): Record<string, unknown> {
  const line = (value: unknown) =>
    value === undefined || value === null || value === "" ? null : Number(value);
  return { ...position, old_line: line(position.old_line), new_line: line(position.new_line) };
}
