import assert from "node:assert/strict";
import { githubWebUrl } from "./web_url.ts";

Deno.test("githubWebUrl() finds the sign-in host of github.com and of GitHub Enterprise", () => {
  assert.equal(githubWebUrl("https://api.github.com"), "https://github.com");
  assert.equal(githubWebUrl("https://api.github.com/"), "https://github.com");
  assert.equal(githubWebUrl("https://github.acme.test/api/v3"), "https://github.acme.test");
  assert.equal(githubWebUrl("https://github.acme.test/api/v3/"), "https://github.acme.test");
});
