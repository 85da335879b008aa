import assert from "node:assert/strict";
import { resolveUserPath } from "./config_check.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/**
 * The environment of a shell that starts `deno task`: `deno task` sets `INIT_CWD` only when it is unset, and
 * npm (`npx deno …`, which may run these tests) sets it to its own start folder.
 */
function shellEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return env;
}

Deno.test("resolveUserPath resolves against the folder the user ran the task from", () => {
  assert.equal(
    resolveUserPath(".loom/config.yaml", "/home/ada/app", "/opt/loom"),
    "/home/ada/app/.loom/config.yaml",
  );
  assert.equal(resolveUserPath("c.yaml", undefined, "/opt/loom"), "/opt/loom/c.yaml");
  assert.equal(resolveUserPath("/etc/c.yaml", "/home/ada", "/opt/loom"), "/etc/c.yaml");
});

Deno.test("deno task config:check reads a relative path from the user's folder, not Loom's", async () => {
  // From a subfolder of the checkout: `cd examples && deno task config:check small_team.yaml`.
  const fromExamples = await new Deno.Command(Deno.execPath(), {
    args: ["task", "config:check", "small_team.yaml"],
    cwd: `${ROOT}examples`,
    clearEnv: true,
    env: shellEnv(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(fromExamples.stdout);
  assert.equal(fromExamples.code, 0, new TextDecoder().decode(fromExamples.stderr));
  assert.match(stdout, /^small_team\.yaml is valid: \d+ enabled steps?$/m);

  // From another repository, with Loom's deno.json named explicitly.
  const repo = await Deno.makeTempDir({ prefix: "loom-config-check-" });
  try {
    await Deno.mkdir(`${repo}/.loom`);
    await Deno.copyFile(`${ROOT}examples/monorepo.yaml`, `${repo}/.loom/config.yaml`);
    const fromRepo = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--config", `${ROOT}deno.json`, "config:check"],
      cwd: repo,
      clearEnv: true,
      env: shellEnv(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(fromRepo.code, 0, new TextDecoder().decode(fromRepo.stderr));
    assert.match(new TextDecoder().decode(fromRepo.stdout), /^\.loom\/config\.yaml is valid/m);
  } finally {
    await Deno.remove(repo, { recursive: true });
  }
});
