/**
 * A synthetic repository for the code index benchmark (`context_index.ts`): modules in eight languages with the
 * import and call structure of real code. Every module imports two or three others of its language (across
 * packages and within its own), calls their functions from its own, defines a type and a class, and is 45–70
 * lines long. Names repeat the way they do in real code: Java, C#, Ruby and PHP classes all have `load` and
 * `score` methods, so the index has to tell them apart by their imports.
 *
 * A changed module's head adds a call to one of its imports and changes a constant in `score`, so the change
 * references definitions in other files and has callers elsewhere.
 */

/** Languages and their share of the modules (the remaining files are documents and configuration). */
const MIX: readonly [Language, number][] = [
  ["typescript", 0.35],
  ["python", 0.2],
  ["go", 0.15],
  ["java", 0.12],
  ["rust", 0.08],
  ["csharp", 0.04],
  ["ruby", 0.03],
  ["php", 0.03],
];
type Language = "typescript" | "python" | "go" | "java" | "rust" | "csharp" | "ruby" | "php";

const WORDS = [
  "ledger",
  "order",
  "invoice",
  "account",
  "session",
  "report",
  "catalog",
  "payment",
  "shipment",
  "profile",
  "search",
  "audit",
  "quota",
  "schedule",
  "refund",
  "token",
];
const AREAS = 40;

interface Module {
  language: Language;
  path: string;
  /** Unique word stem: `ledger417`. */
  stem: string;
  area: number;
  deps: Module[];
}

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same repository. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pascal = (text: string) => text[0]!.toUpperCase() + text.slice(1);
const camel = (stem: string, suffix: string) => `${stem}${pascal(suffix)}`;

function modulePath(language: Language, area: number, stem: string): string {
  const folder = `area${area}`;
  switch (language) {
    case "typescript":
      return `web/src/${folder}/${stem}.ts`;
    case "python":
      return `services/py/app/${folder}/${stem}.py`;
    case "go":
      return `services/go/internal/${folder}/${stem}.go`;
    case "java":
      return `services/java/src/main/java/com/acme/${folder}/${pascal(stem)}.java`;
    case "rust":
      return `services/rust/src/${folder}/${stem}.rs`;
    case "csharp":
      return `services/dotnet/${pascal(folder)}/${pascal(stem)}.cs`;
    case "ruby":
      return `services/ruby/app/${folder}/${stem}.rb`;
    case "php":
      return `services/php/src/${pascal(folder)}/${pascal(stem)}.php`;
  }
}

/** Lines of a `describe` function: a long switch, as real modules have, so files are realistic in size. */
function cases(count: number, line: (index: number) => string): string[] {
  return Array.from({ length: count }, (_, index) => line(index));
}

function render(module: Module, changed: boolean): string {
  const { stem, deps } = module;
  const [first, second, third] = deps;
  const factor = changed ? 3 : 2;
  const area = `area${module.area}`;
  switch (module.language) {
    case "typescript": {
      const imports = deps.map((dep) =>
        `import { ${camel(dep.stem, "load")}, ${
          camel(dep.stem, "score")
        } } from "../area${dep.area}/${dep.stem}.ts";`
      );
      return [
        ...imports,
        "",
        `export interface ${pascal(stem)}Options {`,
        "  limit: number;",
        "  label: string;",
        "  tags?: string[];",
        "}",
        "",
        `/** Loads ${stem} rows up to \`limit\` and adds what its dependencies load. */`,
        `export function ${camel(stem, "load")}(options: ${pascal(stem)}Options): number {`,
        `  const base = ${camel(first!.stem, "load")}({ limit: options.limit, label: options.label });`,
        `  return base + ${camel(second!.stem, "score")}([options.limit, options.label.length]);`,
        "}",
        "",
        `export function ${camel(stem, "score")}(values: number[]): number {`,
        "  let total = 0;",
        "  for (const value of values) total += value;",
        ...(changed ? [`  total += ${camel(first!.stem, "score")}(values.slice(1));`] : []),
        `  return total * ${factor};`,
        "}",
        "",
        `export class ${pascal(stem)}Store {`,
        "  private readonly items = new Map<string, number>();",
        "",
        "  add(key: string, value: number): void {",
        "    this.items.set(key, (this.items.get(key) ?? 0) + value);",
        "  }",
        "",
        "  total(): number {",
        `    return ${camel(stem, "score")}([...this.items.values()]);`,
        "  }",
        "}",
        "",
        `export function ${camel(stem, "describe")}(code: number): string {`,
        "  switch (code) {",
        ...cases(12, (index) => `    case ${index}:\n      return "${stem} state ${index}";`),
        "    default:",
        `      return ${third ? `String(${camel(third.stem, "score")}([code]))` : '"unknown"'};`,
        "  }",
        "}",
        "",
      ].join("\n");
    }
    case "python": {
      const imports = deps.map((dep) =>
        `from app.area${dep.area}.${dep.stem} import ${dep.stem}_load, ${dep.stem}_score`
      );
      return [
        ...imports,
        "",
        "",
        `class ${pascal(stem)}Store:`,
        "    def __init__(self, limit: int):",
        "        self.limit = limit",
        "        self.items: dict[str, int] = {}",
        "",
        "    def add(self, key: str, value: int) -> None:",
        "        self.items[key] = self.items.get(key, 0) + value",
        "",
        "    def total(self) -> int:",
        `        return ${stem}_score(list(self.items.values()))`,
        "",
        "",
        `def ${stem}_load(limit: int, label: str = "") -> int:`,
        `    """Loads ${stem} rows up to limit and adds what its dependencies load."""`,
        `    base = ${first!.stem}_load(limit, label)`,
        `    return base + ${second!.stem}_score([limit, len(label)])`,
        "",
        "",
        `def ${stem}_score(values: list[int]) -> int:`,
        "    total = 0",
        "    for value in values:",
        "        total += value",
        ...(changed ? [`    total += ${first!.stem}_score(values[1:])`] : []),
        `    return total * ${factor}`,
        "",
        "",
        `def ${stem}_describe(code: int) -> str:`,
        ...cases(
          12,
          (index) =>
            `    ${index === 0 ? "if" : "elif"} code == ${index}:\n        return "${stem} state ${index}"`,
        ),
        `    return ${third ? `str(${third.stem}_score([code]))` : '"unknown"'}`,
        "",
      ].join("\n");
    }
    case "go": {
      const packages = [...new Set(deps.filter((dep) => dep.area !== module.area).map((dep) => dep.area))];
      const ref = (dep: Module, name: string) =>
        `${dep.area === module.area ? "" : `area${dep.area}.`}${pascal(dep.stem)}${name}`;
      return [
        `package ${area}`,
        "",
        "import (",
        '\t"strings"',
        ...packages.map((other) => `\t"example.com/mono/internal/area${other}"`),
        ")",
        "",
        `// ${pascal(stem)}Options configures a load.`,
        `type ${pascal(stem)}Options struct {`,
        "\tLimit int",
        "\tLabel string",
        "}",
        "",
        `// ${pascal(stem)}Load loads rows up to Limit and adds what its dependencies load.`,
        `func ${pascal(stem)}Load(options ${pascal(stem)}Options) int {`,
        `\tbase := ${ref(first!, "Load")}(${
          ref(first!, "Options")
        }{Limit: options.Limit, Label: options.Label})`,
        `\treturn base + ${
          ref(second!, "Score")
        }([]int{options.Limit, len(strings.TrimSpace(options.Label))})`,
        "}",
        "",
        `func ${pascal(stem)}Score(values []int) int {`,
        "\ttotal := 0",
        "\tfor _, value := range values {",
        "\t\ttotal += value",
        "\t}",
        ...(changed ? [`\ttotal += ${ref(first!, "Score")}(values[1:])`] : []),
        `\treturn total * ${factor}`,
        "}",
        "",
        `func ${pascal(stem)}Describe(code int) string {`,
        "\tswitch code {",
        ...cases(12, (index) => `\tcase ${index}:\n\t\treturn "${stem} state ${index}"`),
        "\t}",
        `\treturn "unknown"`,
        "}",
        "",
      ].join("\n");
    }
    case "java": {
      return [
        `package com.acme.${area};`,
        "",
        ...deps.filter((dep) => dep.area !== module.area).map((dep) =>
          `import com.acme.area${dep.area}.${pascal(dep.stem)};`
        ),
        "import java.util.List;",
        "",
        `/** ${pascal(stem)} rows and their scores. */`,
        `public final class ${pascal(stem)} {`,
        `    private ${pascal(stem)}() {}`,
        "",
        "    /** Loads rows up to {@code limit} and adds what the dependencies load. */",
        "    public static int load(int limit, String label) {",
        `        int base = ${pascal(first!.stem)}.load(limit, label);`,
        `        return base + ${pascal(second!.stem)}.score(List.of(limit, label.length()));`,
        "    }",
        "",
        "    public static int score(List<Integer> values) {",
        "        int total = 0;",
        "        for (int value : values) {",
        "            total += value;",
        "        }",
        ...(changed
          ? [`        total += ${pascal(first!.stem)}.score(values.subList(1, values.size()));`]
          : []),
        `        return total * ${factor};`,
        "    }",
        "",
        "    public static String describe(int code) {",
        "        switch (code) {",
        ...cases(
          12,
          (index) => `            case ${index}:\n                return "${stem} state ${index}";`,
        ),
        "            default:",
        '                return "unknown";',
        "        }",
        "    }",
        "}",
        "",
      ].join("\n");
    }
    case "rust": {
      return [
        ...deps.map((dep) =>
          `use crate::area${dep.area}::${dep.stem}::{${dep.stem}_load, ${dep.stem}_score};`
        ),
        "",
        `/// ${pascal(stem)} rows and their scores.`,
        `pub struct ${pascal(stem)}Store {`,
        "    pub items: Vec<i64>,",
        "}",
        "",
        `impl ${pascal(stem)}Store {`,
        "    pub fn total(&self) -> i64 {",
        `        ${stem}_score(&self.items)`,
        "    }",
        "}",
        "",
        "/// Loads rows up to `limit` and adds what the dependencies load.",
        `pub fn ${stem}_load(limit: i64, label: &str) -> i64 {`,
        `    let base = ${first!.stem}_load(limit, label);`,
        `    base + ${second!.stem}_score(&[limit, label.len() as i64])`,
        "}",
        "",
        `pub fn ${stem}_score(values: &[i64]) -> i64 {`,
        "    let mut total = 0;",
        "    for value in values {",
        "        total += value;",
        "    }",
        ...(changed ? [`    total += ${first!.stem}_score(&values[1..]);`] : []),
        `    total * ${factor}`,
        "}",
        "",
        `pub fn ${stem}_describe(code: i64) -> String {`,
        "    match code {",
        ...cases(12, (index) => `        ${index} => "${stem} state ${index}".to_string(),`),
        '        _ => "unknown".to_string(),',
        "    }",
        "}",
        "",
      ].join("\n");
    }
    case "csharp":
      return [
        ...[...new Set(deps.map((dep) => dep.area))].map((other) => `using Acme.Area${other};`),
        "",
        `namespace Acme.${pascal(area)};`,
        "",
        `public static class ${pascal(stem)}`,
        "{",
        "    /// <summary>Loads rows up to limit and adds what the dependencies load.</summary>",
        "    public static int Load(int limit, string label)",
        "    {",
        `        var baseValue = ${pascal(first!.stem)}.Load(limit, label);`,
        `        return baseValue + ${pascal(second!.stem)}.Score(new[] { limit, label.Length });`,
        "    }",
        "",
        "    public static int Score(int[] values)",
        "    {",
        "        var total = 0;",
        "        foreach (var value in values)",
        "        {",
        "            total += value;",
        "        }",
        ...(changed ? [`        total += ${pascal(first!.stem)}.Score(values[1..]);`] : []),
        `        return total * ${factor};`,
        "    }",
        "",
        "    public static string Describe(int code) => code switch",
        "    {",
        ...cases(12, (index) => `        ${index} => "${stem} state ${index}",`),
        '        _ => "unknown",',
        "    };",
        "}",
        "",
      ].join("\n");
    case "ruby":
      return [
        ...deps.map((dep) => `require_relative "../area${dep.area}/${dep.stem}"`),
        "",
        `class ${pascal(stem)}`,
        "  # Loads rows up to limit and adds what the dependencies load.",
        '  def self.load(limit, label = "")',
        `    base = ${pascal(first!.stem)}.load(limit, label)`,
        `    base + ${pascal(second!.stem)}.score([limit, label.length])`,
        "  end",
        "",
        "  def self.score(values)",
        "    total = values.sum",
        ...(changed ? [`    total += ${pascal(first!.stem)}.score(values.drop(1))`] : []),
        `    total * ${factor}`,
        "  end",
        "",
        "  def self.describe(code)",
        "    case code",
        ...cases(12, (index) => `    when ${index} then "${stem} state ${index}"`),
        '    else "unknown"',
        "    end",
        "  end",
        "end",
        "",
      ].join("\n");
    case "php":
      return [
        "<?php",
        "",
        "declare(strict_types=1);",
        "",
        `namespace Acme\\${pascal(area)};`,
        "",
        ...deps.filter((dep) => dep.area !== module.area).map((dep) =>
          `use Acme\\Area${dep.area}\\${pascal(dep.stem)};`
        ),
        "",
        `final class ${pascal(stem)}`,
        "{",
        "    /** Loads rows up to $limit and adds what the dependencies load. */",
        "    public static function load(int $limit, string $label = ''): int",
        "    {",
        `        $base = ${pascal(first!.stem)}::load($limit, $label);`,
        `        return $base + ${pascal(second!.stem)}::score([$limit, strlen($label)]);`,
        "    }",
        "",
        "    /** @param list<int> $values */",
        "    public static function score(array $values): int",
        "    {",
        "        $total = array_sum($values);",
        ...(changed ? [`        $total += ${pascal(first!.stem)}::score(array_slice($values, 1));`] : []),
        `        return $total * ${factor};`,
        "    }",
        "",
        "    public static function describe(int $code): string",
        "    {",
        "        return match ($code) {",
        ...cases(12, (index) => `            ${index} => '${stem} state ${index}',`),
        "            default => 'unknown',",
        "        };",
        "    }",
        "}",
        "",
      ].join("\n");
  }
}

/** The repository at head and the base versions of the changed files. */
export interface SyntheticRepository {
  head: Map<string, string>;
  /** Changed paths → their base text. */
  base: Map<string, string>;
  /** Modules per language. */
  languages: Record<string, number>;
}

/**
 * Builds a repository of `files` files (modules plus one README and one config file per area and the
 * guideline files) whose `changed` modules differ between base and head, spread over the languages (all of them,
 * or `languages` with their shares scaled up).
 */
export function syntheticRepository(
  files: number,
  changed: number,
  options: { seed?: number; languages?: readonly string[] } = {},
): SyntheticRepository {
  const next = random(options.seed ?? 42);
  const chosenMix = MIX.filter(([language]) => options.languages?.includes(language) ?? true);
  if (chosenMix.length === 0) throw new RangeError(`Cannot build a repository in ${options.languages}`);
  const shares = chosenMix.reduce((sum, [, share]) => sum + share, 0);
  const head = new Map<string, string>();
  const documents = AREAS * 2 + 2;
  const moduleCount = files - documents;
  const modules: Module[] = [];
  for (const [language, share] of chosenMix) {
    const count = language === chosenMix.at(-1)![0]
      ? moduleCount - modules.length
      : Math.round(moduleCount * share / shares);
    const mine: Module[] = [];
    for (let index = 0; index < count; index++) {
      const stem = `${WORDS[Math.floor(next() * WORDS.length)]}${modules.length + index}`;
      const area = Math.floor(next() * AREAS);
      mine.push({ language, path: modulePath(language, area, stem), stem, area, deps: [] });
    }
    for (const module of mine) {
      // Two or three imports of the same language: the first from the same area when there is one.
      const sameArea = mine.filter((other) => other.area === module.area && other !== module);
      const pick = () => mine[Math.floor(next() * mine.length)]!;
      const deps = new Set<Module>();
      if (sameArea.length > 0) deps.add(sameArea[Math.floor(next() * sameArea.length)]!);
      while (deps.size < 2 + Math.floor(next() * 2)) {
        const candidate = pick();
        if (candidate !== module) deps.add(candidate);
      }
      module.deps = [...deps];
    }
    modules.push(...mine);
  }
  const chosen = new Set<Module>();
  while (chosen.size < changed) chosen.add(modules[Math.floor(next() * modules.length)]!);
  const base = new Map<string, string>();
  for (const module of modules) {
    head.set(module.path, render(module, chosen.has(module)));
    if (chosen.has(module)) base.set(module.path, render(module, false));
  }
  for (let area = 0; area < AREAS; area++) {
    head.set(`docs/area${area}/README.md`, `# Area ${area}\n\nModules of area ${area} and who owns them.\n`);
    head.set(
      `config/area${area}.json`,
      JSON.stringify({ area, owners: [`team-${area % 7}`], retries: 3 }) + "\n",
    );
  }
  head.set("AGENTS.md", "# Working here\n\n- Amounts are integer cents.\n- Every load checks its limit.\n");
  head.set("CONTRIBUTING.md", "# Contributing\n\nRun the tests of every language you touch.\n");
  const languages: Record<string, number> = {};
  for (const module of modules) languages[module.language] = (languages[module.language] ?? 0) + 1;
  return { head, base, languages };
}
