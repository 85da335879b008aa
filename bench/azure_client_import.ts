/**
 * Loom's hand-written Azure DevOps client (`lib/platforms/azure_devops/client.ts`) against Microsoft's
 * `azure-devops-node-api`: the time to import each and create a Git client, and the resident set after it, each in
 * a fresh Deno process (5 rounds, the three kinds alternated so load on the machine hits all alike). `baseline`
 * imports nothing, so the RSS above it is what the client costs. Then the library is run against the fake Azure
 * DevOps over real HTTP, to see whether it works under Deno at all.
 *
 *   deno run -A bench/azure_client_import.ts [--rounds 5]
 */
import { startFakeAzureDevops } from "../tests/fakes/azure_devops.ts";

type Kind = "baseline" | "loom" | "azure-devops-node-api";

function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

async function child(kind: Kind): Promise<void> {
  const start = performance.now();
  if (kind === "loom") {
    const { createAzureDevopsClient } = await import("../lib/platforms/azure_devops/client.ts");
    createAzureDevopsClient({ baseUrl: "http://127.0.0.1:9", organization: "org", token: "t" });
  } else if (kind === "azure-devops-node-api") {
    const { GitApi } = await import("azure-devops-node-api/GitApi.js");
    const { getPersonalAccessTokenHandler } = await import("azure-devops-node-api/WebApi.js");
    new GitApi("http://127.0.0.1:9/org", [getPersonalAccessTokenHandler("t")]);
  }
  const importMs = performance.now() - start;
  print(JSON.stringify({ kind, importMs, rssMb: Deno.memoryUsage().rss / 1024 / 1024 }));
}

async function runChild(kind: Kind): Promise<{ importMs: number; rssMb: number }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--child", kind],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`${kind} child failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!);
}

/** Runs the library's Git client against the fake: read a pull request, list threads, post a thread. */
async function againstFake(): Promise<string[]> {
  await using azure = startFakeAzureDevops();
  azure.state.addPullRequest({
    repo: "proj/app",
    number: 8,
    title: "Add cache eviction",
    author: "ada@example.com",
    baseRef: "main",
    headRef: "eviction",
    headSha: "a".repeat(40),
    baseSha: "b".repeat(40),
    files: { "src/a.ts": { base: "x\n", head: "y\n" } },
  });
  const { GitApi } = await import("azure-devops-node-api/GitApi.js");
  const { WebApi, getPersonalAccessTokenHandler } = await import("azure-devops-node-api/WebApi.js");
  const handler = getPersonalAccessTokenHandler(azure.token);
  const root = `${azure.url}/${azure.organization}`;
  const lines: string[] = [];
  const attempt = async (name: string, run: () => Promise<unknown>) => {
    try {
      const result = await run();
      lines.push(`${name}: ok ${JSON.stringify(result)?.slice(0, 100)}`);
    } catch (error) {
      lines.push(`${name}: FAILED ${String(error).slice(0, 160)}`);
    }
  };
  await attempt("WebApi.getGitApi (resource area lookup)", () => new WebApi(root, handler).getGitApi());
  const git = new GitApi(root, [handler]);
  await attempt("GitApi.getPullRequest", async () => {
    const pr = await git.getPullRequest("app", 8, "proj");
    return { id: pr?.pullRequestId, status: pr?.status, title: pr?.title };
  });
  await attempt("GitApi.getThreads", async () => (await git.getThreads("app", 8, "proj"))?.length);
  await attempt("GitApi.createThread", async () => {
    const thread = await git.createThread(
      { comments: [{ content: "hello", commentType: 1 }], status: 1 },
      "app",
      8,
      "proj",
    );
    return { id: thread?.id, status: thread?.status };
  });
  return lines;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (Deno.args[0] === "--child") {
  await child(Deno.args[1] as Kind);
} else {
  const index = Deno.args.indexOf("--rounds");
  const rounds = index >= 0 ? Number(Deno.args[index + 1]) : 5;
  const kinds: Kind[] = ["baseline", "loom", "azure-devops-node-api"];
  const results = new Map<Kind, { importMs: number; rssMb: number }[]>(kinds.map((kind) => [kind, []]));
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round, so neither client always runs first on a warm or cold disk cache.
    for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
      results.get(kind)!.push(await runChild(kind));
    }
  }
  print("| client | import + create ms (each round) | median | RSS MB (each round) | median |");
  print("| --- | --- | --- | --- | --- |");
  for (const kind of kinds) {
    const list = results.get(kind)!;
    const ms = list.map((entry) => entry.importMs);
    const mb = list.map((entry) => entry.rssMb);
    print(
      `| ${kind} | ${ms.map((value) => value.toFixed(0)).join(" / ")} | ${median(ms).toFixed(0)} | ` +
        `${mb.map((value) => value.toFixed(1)).join(" / ")} | ${median(mb).toFixed(1)} |`,
    );
  }
  print("\nazure-devops-node-api against the fake Azure DevOps:");
  for (const line of await againstFake()) print(`- ${line}`);
}
