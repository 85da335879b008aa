import assert from "node:assert/strict";
import { mention } from "./mention.ts";

Deno.test("mention() names an Azure DevOps user by identity id, and everyone else by login", () => {
  const id = "6f9c2d84-0c7d-4e7b-9d63-0a4a3c0b1f55";
  assert.equal(mention("azure_devops", { login: "Ada Lovelace", id }), `@<${id}>`);
  assert.equal(mention("azure_devops", { login: "ada@example.com" }), "@ada@example.com");
  assert.equal(mention("github", { login: "ada", id: "42" }), "@ada");
  assert.equal(mention("gitlab", { login: "ada", id: "42" }), "@ada");
});
