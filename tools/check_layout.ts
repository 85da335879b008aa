/**
 * `deno task check:layout`: the conventions of DESIGN.md and the layer rules of ARCHITECTURE.md a machine can
 * check.
 * - file names: snake_case `.ts`, PascalCase `.tsx` in `islands/` and `components/`, no `index.ts` outside routes;
 * - a `_private.ts` file is imported only from its own folder;
 * - islands import nothing server-only (type-only imports are erased and allowed);
 * - every file imports only its own floor or lower ones;
 * - no import circle between files;
 * - a folder with a `mod.ts` is listed sealed or open, and a sealed folder is entered through its `mod.ts` only;
 * - no file in `lib/` or `tests/fakes/` over 500 lines: a module that long holds more than one job;
 * - production code reads and writes diffs only through `lib/diff` (no `parse-diff` package outside tests and
 *   benchmarks), so every adapter's diff text is parsed the one way anchoring relies on;
 * - one import style: the project's own files are imported by relative path (`./`, `../`), never by the `@/`
 *   alias, so a file reads the same in the editor, in `deno check` and in this check;
 * - both migration folders hold the same numbered list;
 * - `routes.gen.ts` is up to date.
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { generateManifest } from "./gen_routes.ts";
import { findImportCircles } from "./import_circles.ts";
import { importGraph, importSpecifiers } from "./import_graph.ts";
import { checkLayerRules, parseLayerRules } from "./layer_rules.ts";
import { checkDoors, parseDoors } from "./doors.ts";

const SOURCE_DIRS = ["lib", "routes", "islands", "components", "worker", "tools", "tests", "bench", "cli"];
const SERVER_ONLY =
  /(lib\/(db|queue|auth|platforms|llm|review|webhooks|config)\/|^node:|^postgres$|^@octokit|runtime\.ts$)/;

/**
 * Every broken source-tree rule: names, private files, island imports, floors and import circles.
 * @param files every `.ts`/`.tsx` source file, path relative to the repository root → contents
 * @param architecture the text of ARCHITECTURE.md
 */
export function checkSourceLayout(files: ReadonlyMap<string, string>, architecture: string): string[] {
  const problems: string[] = [];
  for (const file of files.keys()) {
    if (!file.includes("/")) continue;
    const name = file.split("/").pop()!;
    const top = file.split("/")[0];
    if (/\.tsx$/.test(name) && (top === "islands" || top === "components")) {
      if (!/^[A-Z][A-Za-z0-9]*\.tsx$/.test(name)) {
        problems.push(`${file}: islands and components are PascalCase.tsx`);
      }
    } else if (/\.tsx?$/.test(name) && top !== "routes") {
      if (!/^_?[a-z0-9]+(_[a-z0-9]+)*\.tsx?$/.test(name)) problems.push(`${file}: file names are snake_case`);
    }
    if (/^index\.tsx?$/.test(name) && top !== "routes") {
      problems.push(`${file}: index files only exist in routes/`);
    }
  }
  const edges = importGraph(files);
  for (const { from, to, specifier } of edges) {
    if (to.split("/").pop()!.startsWith("_") && dirname(to) !== dirname(from)) {
      problems.push(`${from}: imports ${specifier}, which is private to ${dirname(to)}/`);
    }
  }
  for (const [file, text] of files) {
    for (const { specifier } of importSpecifiers(text)) {
      if (specifier.startsWith("@/")) {
        problems.push(`${file}: imports ${specifier}; import the project's own files by relative path`);
      }
      if (specifier === "parse-diff" && !isTestOrBench(file)) {
        problems.push(`${file}: imports parse-diff; production code parses diffs with lib/diff`);
      }
    }
  }
  for (const [file, text] of files) {
    const lines = lineCount(text);
    if ((file.startsWith("lib/") || file.startsWith("tests/fakes/")) && lines > MAX_LINES) {
      problems.push(
        `${file}: ${lines} lines; files in lib/ and tests/fakes/ stay within ${MAX_LINES}: split it`,
      );
    }
  }
  problems.push(...islandProblems(files));
  problems.push(...checkLayerRules(parseLayerRules(architecture), [...files.keys()], edges));
  problems.push(...checkDoors(parseDoors(architecture), [...files.keys()], edges));
  for (const circle of findImportCircles(edges)) problems.push(`import circle: ${circle.join(" → ")}`);
  return problems;
}

/** Lines of a module in `lib/` or `tests/fakes/`; past this, a file holds more than one job. */
const MAX_LINES = 500;

function lineCount(text: string): number {
  return text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** Tests, fakes and benchmarks may use other libraries to cross-check our own. */
function isTestOrBench(file: string): boolean {
  return /_test\.tsx?$/.test(file) || file.startsWith("tests/") || file.startsWith("bench/");
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']/g;

/** Islands run in the browser: package imports count here too, which the import graph leaves out. */
function islandProblems(files: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of files) {
    if (!file.startsWith("islands/")) continue;
    for (const [, , typeOnly, specifier] of text.matchAll(IMPORT)) {
      const target = specifier.startsWith(".") ? join(dirname(file), specifier) : specifier;
      if (!typeOnly && SERVER_ONLY.test(target)) {
        problems.push(`${file}: islands must not import server-only module ${specifier}`);
      }
    }
  }
  return problems;
}

async function walk(directory: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(directory)) {
      const path = join(directory, entry.name);
      if (entry.isDirectory && entry.name !== "testdata" && entry.name !== "node_modules") {
        files.push(...await walk(path));
      } else if (entry.isFile) files.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files;
}

/** The source files of the repository (the top-level entry points and every source folder) with contents. */
async function readSourceTree(root: string): Promise<Map<string, string>> {
  const topLevel: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (entry.isFile) topLevel.push(join(root, entry.name));
  }
  const paths = [...topLevel, ...(await Promise.all(SOURCE_DIRS.map((dir) => walk(join(root, dir))))).flat()]
    .map((file) => relative(root, file))
    .filter((file) => /\.tsx?$/.test(file))
    .sort();
  const texts = await Promise.all(paths.map((file) => Deno.readTextFile(join(root, file))));
  return new Map(paths.map((file, index) => [file, texts[index]]));
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const files = await readSourceTree(root);
  const problems = checkSourceLayout(files, await Deno.readTextFile(join(root, "ARCHITECTURE.md")));

  const listMigrations = async (dialect: string) =>
    (await walk(join(root, "migrations", dialect))).map((file) => file.split("/").pop()!).sort();
  const [postgres, sqlite] = await Promise.all([listMigrations("postgres"), listMigrations("sqlite")]);
  if (JSON.stringify(postgres) !== JSON.stringify(sqlite)) {
    problems.push(`migrations differ: postgres has ${postgres.join(", ")}; sqlite has ${sqlite.join(", ")}`);
  }

  const manifest = await generateManifest();
  if ((await Deno.readTextFile(join(root, "routes.gen.ts")).catch(() => "")) !== manifest) {
    problems.push("routes.gen.ts is stale: run `deno task gen`");
  }

  const output = problems.length === 0
    ? "Layout OK\n"
    : `Layout problems:\n${problems.map((p) => `- ${p}`).join("\n")}\n`;
  await (problems.length === 0 ? Deno.stdout : Deno.stderr).write(new TextEncoder().encode(output));
  if (problems.length > 0) Deno.exit(1);
}

if (import.meta.main) await main();
