/**
 * `deno task check:layout`: the conventions of DESIGN.md a machine can check.
 * - file names: snake_case `.ts`, PascalCase `.tsx` in `islands/` and `components/`, no `index.ts` outside routes;
 * - a `_private.ts` file is imported only from its own folder;
 * - islands import nothing server-only (type-only imports are erased and allowed);
 * - both migration folders hold the same numbered list;
 * - `routes.gen.ts` is up to date.
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateManifest } from "./gen_routes.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const SOURCE_DIRS = ["lib", "routes", "islands", "components", "worker", "tools", "tests", "bench", "cli"];
const problems: string[] = [];

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

const files = (await Promise.all(SOURCE_DIRS.map((dir) => walk(join(root, dir))))).flat()
  .map((file) => relative(root, file));

for (const file of files) {
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

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']/g;
const SERVER_ONLY =
  /(lib\/(db|queue|auth|platforms|llm|review|webhooks|config)\/|^node:|^postgres$|^@octokit|runtime\.ts$)/;
for (const file of files.filter((file) => /\.tsx?$/.test(file))) {
  const text = await Deno.readTextFile(join(root, file));
  for (const match of text.matchAll(IMPORT)) {
    const [, , typeOnly, specifier] = match;
    if (!specifier) continue;
    const target = specifier.startsWith(".")
      ? relative(root, resolve(dirname(join(root, file)), specifier))
      : specifier;
    const targetName = target.split("/").pop() ?? "";
    if (targetName.startsWith("_") && specifier.startsWith(".") && dirname(target) !== dirname(file)) {
      problems.push(`${file}: imports ${specifier}, which is private to ${dirname(target)}/`);
    }
    if (file.startsWith("islands/") && !typeOnly && SERVER_ONLY.test(target)) {
      problems.push(`${file}: islands must not import server-only module ${specifier}`);
    }
  }
}

async function listMigrations(dialect: string): Promise<string[]> {
  return (await walk(join(root, "migrations", dialect))).map((file) => file.split("/").pop()!).sort();
}
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
