/**
 * `deno task compile` builds a single `loom` executable (web server and embedded worker). `deno compile` needs
 * Deno's runtime binary for the target, which it downloads on first use, so tests cannot run it; they check
 * what the task asks for instead: the islands are built into `static/` first and embedded, the app serves them
 * from there, and only npm packages that `main.ts` reaches — the SDKs it imports on first use included, test
 * and tooling packages left out — go into the executable.
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
  tasks: Record<string, string>;
};

/** Packages only tests, benchmarks or deployment tooling import. */
const NOT_SHIPPED = [
  "playwright-core",
  "fast-check",
  "ajv",
  "ajv-draft-04",
  "ajv-formats",
  "@microsoft/jest-sarif",
  "@octokit/webhooks-examples",
  "dockerfile-utils",
  "dockerfile-ast",
  "kubernetes-models",
];
/** Packages the server imports on first use (`await import(…)`); the executable must still hold them. */
const LOADED_ON_FIRST_USE = ["openai", "@anthropic-ai/sdk", "@google/genai", "@gitbeaker/rest", "gitea-js"];

/** The arguments of a `deno compile …` command line. */
function compileArguments(command: string): string[] {
  const words = command.trim().split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "compile"], command);
  return words.slice(2);
}

/** The value after `flag` in `args`. */
function valueOf(args: string[], flag: string): string[] {
  return args.flatMap((arg, index) => arg === flag ? [args[index + 1]!] : []);
}

Deno.test("deno task compile builds the islands, embeds static/ and keeps unused npm packages out", async () => {
  const [build, compile, ...rest] = config.tasks.compile!.split("&&").map((part) => part.trim());
  assert.deepEqual(rest, []);
  assert.equal(build, "deno task build");
  assert.match(config.tasks.build!, /tools\/build_islands\.ts/);
  const islands = await Deno.readTextFile(new URL("tools/build_islands.ts", root));
  assert.match(islands, /"static\/_islands"/, "the islands are written under static/");
  const args = compileArguments(compile!);
  assert.deepEqual(valueOf(args, "--include"), ["static/"]);
  assert.ok(args.includes("--exclude-unused-npm"));
  assert.ok(args.includes("-A"));
  assert.deepEqual(valueOf(args, "--output"), ["dist/loom"]);
  assert.equal(args.at(-1), "main.ts");
  // The app reads the embedded folder beside its own module, which is where --include puts it.
  const app = await Deno.readTextFile(new URL("app.ts", root));
  assert.match(app, /new URL\("\.\/static\/", import\.meta\.url\)/);

  const review = compileArguments(config.tasks["compile:review"]!);
  assert.ok(review.includes("--exclude-unused-npm"));
  assert.deepEqual(valueOf(review, "--output"), ["dist/loom-review"]);
  assert.equal(review.at(-1), "cli/review.ts");
});

interface GraphModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** npm packages reachable from `entry`, dynamic imports included, as `name@version`. */
async function reachablePackages(entry: string): Promise<string[]> {
  const url = new URL(entry, root);
  const output = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", url.pathname] }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: GraphModule[];
    redirects: Record<string, string>;
  };
  const modules = new Map(graph.modules.map((module) => [module.specifier, module]));
  const reached = new Set<string>();
  const pending = [url.href];
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      if (dependency.code) pending.push(dependency.code.specifier);
    }
  }
  return [...reached].filter((specifier) => specifier.startsWith("npm:"))
    .map((specifier) => (graph.redirects[specifier] ?? specifier).replace(/^npm:\/?/, ""));
}

for (const entry of ["main.ts", "cli/review.ts"]) {
  Deno.test(`${entry} reaches every SDK it loads on first use and no test-only package`, async () => {
    const packages = await reachablePackages(entry);
    const named = (name: string) => packages.filter((found) => found.startsWith(`${name}@`));
    for (const name of LOADED_ON_FIRST_USE) assert.ok(named(name).length > 0, `${name} is not reachable`);
    for (const name of NOT_SHIPPED) assert.deepEqual(named(name), [], `${name} would be compiled in`);
  });
}
