import assert from "node:assert/strict";

Deno.test("every file of the fakes stays under 500 lines", async () => {
  const folder = new URL("./", import.meta.url);
  const walk = async function* (directory: URL): AsyncGenerator<URL> {
    for await (const entry of Deno.readDir(directory)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), directory);
      if (entry.isDirectory) yield* walk(url);
      else if (entry.name.endsWith(".ts")) yield url;
    }
  };
  const tooLong: string[] = [];
  for await (const file of walk(folder)) {
    const lines = (await Deno.readTextFile(file)).split("\n").length;
    if (lines > 500) tooLong.push(`${file.pathname.slice(folder.pathname.length)}: ${lines}`);
  }
  assert.deepEqual(tooLong, []);
});
