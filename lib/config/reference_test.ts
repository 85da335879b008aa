import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { parseRepoConfig } from "./parse.ts";
import { configOptions, renderOptionDoc } from "./reference.ts";
import { defaultRepoConfig } from "./schema.ts";
import { valuesAt } from "./testing.ts";

Deno.test("configOptions() describes and defaults every option", () => {
  for (const option of configOptions()) {
    assert.ok(option.description.length > 0, `${option.path} has no description`);
    assert.ok(/^[A-Z`"]/.test(option.description), `${option.path} description starts with a capital`);
    assert.ok(
      option.section || option.required || option.default !== undefined ||
        /unset|not set/i.test(option.description),
      `${option.path} has no default and does not say what unset means`,
    );
  }
});

/** `docs/config.md` split at `###` headings, with every fenced yaml block. */
async function readDocs() {
  const text = await Deno.readTextFile(new URL("../../docs/config.md", import.meta.url));
  const yamlBlocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => ({
    yaml: match[1],
    line: text.slice(0, match.index).split("\n").length + 1,
  }));
  const sections = new Map<string, string>();
  for (const part of text.split(/^(?=#{1,3} )/m)) {
    const heading = /^### `([^`]+)`/.exec(part);
    if (heading) sections.set(heading[1], part);
  }
  return { text, yamlBlocks, sections };
}

Deno.test("docs/config.md documents every option exactly as the schema describes it", async () => {
  const { text, sections } = await readDocs();
  // `deno fmt` rewraps prose, so compare with whitespace collapsed.
  const flat = (markdown: string) => markdown.replace(/\s+/g, " ");
  const options = configOptions();
  for (const option of options) {
    assert.ok(
      flat(text).includes(flat(renderOptionDoc(option))),
      `docs/config.md is missing or outdated for ${option.path}; expected:\n${renderOptionDoc(option)}`,
    );
  }
  assert.deepEqual([...sections.keys()], options.map((option) => option.path), "headings follow the schema");
});

Deno.test("docs/config.md gives every option an example that uses it and validates", async () => {
  const { sections } = await readDocs();
  for (const [path, section] of sections) {
    const example = /```yaml\n([\s\S]*?)```/.exec(section);
    assert.ok(example, `${path} has no yaml example`);
    const key = path.split(/[.[\]]+/).filter((segment) => segment !== "" && segment !== "<name>").at(-1)!;
    assert.match(
      example[1],
      new RegExp(`^\\s*(- )?${key}:`, "m"),
      `the example for ${path} does not set ${key}`,
    );
    parseRepoConfig(example[1]);
    if (!path.includes("<name>") && !path.includes("[]")) {
      assert.ok(
        valuesAt(parseDocument(example[1]).toJS(), path).length > 0,
        `the example for ${path} omits it`,
      );
    }
  }
});

Deno.test("docs/config.md has only valid yaml examples, and its default configuration is the real one", async () => {
  const { text, yamlBlocks } = await readDocs();
  for (const block of yamlBlocks) {
    try {
      parseRepoConfig(block.yaml);
    } catch (error) {
      assert.fail(`docs/config.md line ${block.line}: ${(error as Error).message}`);
    }
  }
  const defaults = /## Default configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(text);
  assert.ok(defaults);
  assert.deepEqual(parseRepoConfig(defaults[1]), defaultRepoConfig());
});
