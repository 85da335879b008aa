/**
 * Which guideline files a change is given: the repository's `.loom/rules/*.md`, then for each changed file the
 * `AGENTS.md` and `CONTRIBUTING.md` files up its tree, nearest first (a folder's own rules refine the root's).
 */

const GUIDELINE_NAMES = new Set(["AGENTS.md", "CONTRIBUTING.md"]);
const RULES = /^\.loom\/rules\/[^/]+\.md$/;
/** Where GitHub looks for a root CONTRIBUTING.md besides the root itself. */
const ROOT_ALIASES = [".github/", "docs/"];

/** True for `AGENTS.md` and `CONTRIBUTING.md` in any folder, and for `.loom/rules/*.md`. */
export function isGuideline(path: string): boolean {
  return RULES.test(path) || GUIDELINE_NAMES.has(path.slice(path.lastIndexOf("/") + 1));
}

/**
 * The guideline paths for `changedPaths`, in the order they are given: every rule file (sorted), then each
 * changed file's guidelines from its own folder up to the root (`.github/` and `docs/` copies count as the
 * root's), each path once.
 * @param available the guideline paths the index found
 */
export function guidelinesFor(changedPaths: readonly string[], available: readonly string[]): string[] {
  const present = new Set(available);
  const chosen = new Set(available.filter((path) => RULES.test(path)).sort());
  for (const changed of changedPaths) {
    const parts = changed.split("/").slice(0, -1);
    for (let depth = parts.length; depth >= 0; depth--) {
      const folder = parts.slice(0, depth).map((part) => `${part}/`).join("");
      const folders = depth === 0 ? ["", ...ROOT_ALIASES] : [folder];
      for (const candidate of folders) {
        for (const name of GUIDELINE_NAMES) {
          if (present.has(candidate + name)) chosen.add(candidate + name);
        }
      }
    }
  }
  return [...chosen];
}
