/**
 * Ordered glob lists (`.gitignore`-style negation, last match wins) and include/exclude filters, compiled once
 * into matchers. Shared by the trigger rules (`triggers.ts`) and the per-step and per-path selections of the
 * review policy (`lib/review/policy.ts`), which sits a floor above the configuration.
 */
import picomatchUntyped from "picomatch";

interface PicomatchOptions {
  dot?: boolean;
  nocase?: boolean;
}
// picomatch ships no type declarations; this is the one call shape Loom uses.
const picomatch = picomatchUntyped as (
  glob: string,
  options?: PicomatchOptions,
) => (input: string) => boolean;

/** A compiled glob list: `true` when the input is selected. */
export type GlobMatcher = (input: string) => boolean;

/**
 * Compiles an ordered glob list where a leading `!` negates and the last matching pattern wins, as in
 * `.gitignore`. A list that starts with a negation starts from "everything", so `["!docs/**"]` means
 * "all but docs". An empty list matches nothing.
 * @param patterns picomatch globs, optionally prefixed with `!`
 * @param options `nocase` for case-insensitive names such as logins
 */
export function compileGlobs(patterns: readonly string[], options: { nocase?: boolean } = {}): GlobMatcher {
  const compiled = patterns.map((pattern) => {
    const negated = pattern.startsWith("!");
    return {
      negated,
      test: picomatch(negated ? pattern.slice(1) : pattern, { dot: true, nocase: options.nocase }),
    };
  });
  const initial = compiled.length > 0 && compiled[0].negated;
  return (input) => {
    let selected = initial;
    for (const { negated, test } of compiled) {
      if (selected === negated && test(input)) selected = !negated;
    }
    return selected;
  };
}

/** An include/exclude pair: selected when included and not excluded. */
export function compileFilter(
  filter: { include: readonly string[]; exclude: readonly string[] },
  options: { nocase?: boolean } = {},
): GlobMatcher {
  const include = compileGlobs(filter.include, options);
  const exclude = compileGlobs(filter.exclude, options);
  return (input) => include(input) && !exclude(input);
}
