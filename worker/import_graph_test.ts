/**
 * The worker's memory budget depends on which packages load at start: the LLM SDKs (20–30 MB resident each),
 * the GitLab and Gitea SDKs and the tokenizer vocabulary are imported on first use only. A static import of any
 * of them anywhere under `worker/main.ts` would put it back into every worker, so this test walks the module
 * graph `deno info` reports, following static imports only.
 */
import assert from "node:assert/strict";

const LOADED_ON_FIRST_USE = ["openai", "@anthropic-ai/sdk", "@google/genai", "@gitbeaker/rest", "gitea-js"];

interface GraphModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

Deno.test("worker/main.ts imports the LLM, GitLab and Gitea SDKs and the tokenizer vocabulary only on first use", async () => {
  const entry = new URL("./main.ts", import.meta.url);
  const output = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", entry.pathname] })
    .output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: GraphModule[];
    redirects: Record<string, string>;
  };
  const modules = new Map(graph.modules.map((module) => [module.specifier, module]));
  const reached = new Set<string>();
  const pending = [entry.href];
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      if (dependency.code && !dependency.isDynamic) pending.push(dependency.code.specifier);
    }
  }
  const staticPackages = [...reached].filter((specifier) => specifier.startsWith("npm:"))
    .map((specifier) => graph.redirects[specifier] ?? specifier);
  assert.ok(staticPackages.some((specifier) => specifier.includes("/zod@")), "the walk reaches npm packages");
  for (const name of LOADED_ON_FIRST_USE) {
    const found = staticPackages.filter((specifier) => specifier.startsWith(`npm:/${name}@`));
    assert.deepEqual(found, [], `${name} is imported statically`);
  }
  // The split pattern is a few lines; the vocabulary module itself must not be imported.
  const tokenizer = staticPackages.filter((specifier) => specifier.startsWith("npm:/gpt-tokenizer@"));
  assert.ok(
    tokenizer.every((specifier) => specifier.endsWith("/encodingParams/constants")),
    tokenizer.join(", "),
  );
});
