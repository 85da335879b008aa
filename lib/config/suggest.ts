/** "Did you mean" suggestions for misspelled configuration keys and values. */

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions ("triggres" → "triggers"). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = Array.from({ length: rows }, () => new Array<number>(columns).fill(0));
  for (let i = 0; i < rows; i++) table[i][0] = i;
  for (let j = 0; j < columns; j++) table[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      table[i][j] = Math.min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        table[i][j] = Math.min(table[i][j], table[i - 2][j - 2] + 1);
      }
    }
  }
  return table[rows - 1][columns - 1];
}

/** Case, `-` and `_` are ignored so `maxComments` and `max-comments` both find `max_comments`. */
function normalize(value: string): string {
  return value.toLowerCase().replace(/[-_\s]/g, "");
}

/**
 * The candidate closest to `value`, or `undefined` when none is close enough to be a plausible typo.
 * @param value what the user wrote
 * @param candidates the valid keys or values at that place
 */
export function suggest(value: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(value);
  if (wanted.length === 0) return undefined;
  // An abbreviation ("warn", "perf") is a typo no edit distance catches; accept it when only one option fits.
  const extensions = candidates.filter((candidate) =>
    candidate !== value && normalize(candidate).startsWith(wanted)
  );
  if (wanted.length >= 3 && extensions.length === 1) return extensions[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === value) continue;
    const distance = editDistance(wanted, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the length accepts real typos ("severty", "inline_coments") but not unrelated short words.
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}
