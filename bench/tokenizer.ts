/**
 * OpenAI token counting, Loom's o200k counter (`lib/llm/bpe_counter.ts`) against `gpt-tokenizer`'s
 * `countTokens`, each in a fresh process: the resident memory the vocabulary costs once loaded and used, the
 * time to load it, and the time to count the same text (every `.ts` file under `lib/`, concatenated, counted
 * several times; the first count is reported apart because it fills both counters' caches), and the time to
 * count one 60 KB piece without a split point ("ab" × 30,000, as in a blob or a generated line), where merging
 * by rescanning every pair is quadratic.
 *
 *   deno run -A bench/tokenizer.ts [--rounds 5]
 */

const rounds = Number(Deno.args[Deno.args.indexOf("--rounds") + 1] || 5);
const print = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));

interface Measurement {
  counter: string;
  tokens: number;
  loadMs: number;
  firstCountMs: number;
  countMs: number[];
  longPieceMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

/** Runs in the child process: loads one counter, counts, and prints a `Measurement` as JSON. */
async function measure(counter: "loom" | "gpt-tokenizer"): Promise<Measurement> {
  const texts: string[] = [];
  const walk = async (directory: URL) => {
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isDirectory) await walk(new URL(`${entry.name}/`, directory));
      else if (entry.name.endsWith(".ts")) {
        texts.push(await Deno.readTextFile(new URL(entry.name, directory)));
      }
    }
  };
  await walk(new URL("../lib/", import.meta.url));
  const text = texts.join("\n");
  const rss = () => Deno.memoryUsage().rss / 1024 / 1024;
  const rssBeforeMb = rss();
  let started = performance.now();
  let count: (text: string) => number;
  if (counter === "loom") {
    const { loadO200kCounter } = await import("../lib/llm/openai_tokens.ts");
    count = await loadO200kCounter();
  } else {
    const { countTokens } = await import("gpt-tokenizer");
    const options = { disallowedSpecial: new Set<string>() };
    count = (text) => countTokens(text, options);
  }
  const loadMs = performance.now() - started;
  started = performance.now();
  const tokens = count(text);
  const firstCountMs = performance.now() - started;
  const countMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    started = performance.now();
    if (count(text) !== tokens) throw new Error("The counter is not deterministic");
    countMs.push(performance.now() - started);
  }
  const rssAfterMb = rss();
  started = performance.now();
  count("ab".repeat(30_000));
  const longPieceMs = performance.now() - started;
  return { counter, tokens, loadMs, firstCountMs, countMs, longPieceMs, rssBeforeMb, rssAfterMb };
}

if (Deno.args[0] === "--child") {
  print(JSON.stringify(await measure(Deno.args[1] as "loom" | "gpt-tokenizer")));
} else {
  const results: Measurement[] = [];
  for (const counter of ["gpt-tokenizer", "loom"]) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "--child", counter, "--rounds", String(rounds)],
      stderr: "inherit",
    }).output();
    if (!output.success) throw new Error(`The ${counter} run failed`);
    results.push(JSON.parse(new TextDecoder().decode(output.stdout)));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  print(
    "| counter | tokens | load ms | first count ms | count ms (median of " + rounds +
      ") | 60 KB piece ms | RSS before MB | RSS after MB | RSS added MB |",
  );
  print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const result of results) {
    print(
      `| ${result.counter} | ${result.tokens} | ${result.loadMs.toFixed(0)} | ${
        result.firstCountMs.toFixed(0)
      } | ${median(result.countMs).toFixed(0)} | ${result.longPieceMs.toFixed(0)} | ${
        result.rssBeforeMb.toFixed(1)
      } | ${result.rssAfterMb.toFixed(1)} | ${(result.rssAfterMb - result.rssBeforeMb).toFixed(1)} |`,
    );
  }
  if (new Set(results.map((result) => result.tokens)).size !== 1) throw new Error("The counters disagree");
}
