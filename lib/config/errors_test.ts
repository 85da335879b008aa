import assert from "node:assert/strict";
import { ConfigError } from "./errors.ts";
import { parseRepoConfig } from "./parse.ts";

Deno.test("ConfigError names the file and counts one problem in the singular", () => {
  try {
    parseRepoConfig("version: 3", { file: "examples/x.yaml" });
    assert.fail("expected an error");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(
      error.message,
      'Cannot load "examples/x.yaml": 1 problem: version (line 1, column 10): Must be 1: current value is 3',
    );
    assert.equal(error.file, "examples/x.yaml");
  }
});

Deno.test("ConfigError.toMarkdown() explains every problem for the pull request", () => {
  let error: ConfigError | undefined;
  try {
    parseRepoConfig("output:\n  grouping: by|file\ntriggers:\n  draft: true\n", { ref: "main" });
  } catch (caught) {
    error = caught as ConfigError;
  }
  assert.ok(error);
  const markdown = error.toMarkdown();
  assert.ok(markdown.startsWith("<!-- loom:config-error -->\n### Loom could not read `.loom/config.yaml`\n"));
  assert.match(markdown, /on the base branch `main` has 2 problems:/);
  assert.match(markdown, /\| Key \| Where \| Problem \|/);
  assert.match(
    markdown,
    /\| `output.grouping` \| line 2, column 13 \| Must be one of "file", "severity", "step": current value is "by\\\|file" \|/,
  );
  assert.match(
    markdown,
    /\| `triggers.draft` \| line 4, column 3 \| Unknown key "draft". Did you mean "drafts"\? \|/,
  );
  assert.match(markdown, /deno task config:check \.loom\/config\.yaml/);
  assert.doesNotMatch(markdown, /https?:\/\//);
});

Deno.test("ConfigError.toMarkdown() escapes HTML from the file", () => {
  const error = new ConfigError([{ path: "a", message: "Bad <img src=x onerror=alert(1)>\nnext" }]);
  const markdown = error.toMarkdown();
  assert.match(markdown, /Bad &lt;img src=x onerror=alert\(1\)&gt; next/);
  assert.match(markdown, /\| `a` \| – \|/);
});

Deno.test("ConfigError.toText() prints one file:line:column line per problem", () => {
  const error = new ConfigError([
    { path: "output.grouping", message: "Must be one of", line: 2, column: 13, suggestion: "file" },
    { path: "", message: "Top", line: 1 },
    { path: "models", message: "Unplaced" },
  ], { file: "c.yaml" });
  assert.equal(
    error.toText(),
    'c.yaml:2:13: output.grouping: Must be one of. Did you mean "file"?\nc.yaml:1: (top level): Top\nc.yaml: models: Unplaced',
  );
});
