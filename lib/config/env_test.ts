import assert from "node:assert/strict";
import { loadServerConfig } from "./env.ts";

Deno.test("loadServerConfig() applies defaults for an empty environment", () => {
  const config = loadServerConfig({});
  assert.equal(config.databaseUrl, "./data/loom.db");
  assert.equal(config.port, 8000);
  assert.equal(config.llmProvider, "openai");
  assert.deepEqual(config.allowedKeyEnvs, []);
  assert.ok(Object.isFrozen(config));
});

Deno.test("loadServerConfig() parses numbers and comma lists", () => {
  const config = loadServerConfig({
    LOOM_PORT: "9000",
    LOOM_ALLOWED_KEY_ENVS: "OPENAI_API_KEY, ANTHROPIC_API_KEY,",
    LOOM_DATABASE_URL: "postgres://loom@db/loom",
  });
  assert.equal(config.port, 9000);
  assert.deepEqual(config.allowedKeyEnvs, [{ name: "OPENAI_API_KEY" }, { name: "ANTHROPIC_API_KEY" }]);
  assert.equal(config.databaseUrl, "postgres://loom@db/loom");
  assert.equal(config.env.LOOM_PORT, "9000");
});

Deno.test("loadServerConfig() names every invalid variable", () => {
  assert.throws(
    () => loadServerConfig({ LOOM_PORT: "eighty", LOOM_SECRET_KEY: "short", LOOM_LLM_PROVIDER: "acme" }),
    (error: Error) =>
      error instanceof TypeError && /LOOM_PORT/.test(error.message) &&
      /LOOM_SECRET_KEY/.test(error.message) &&
      /LOOM_LLM_PROVIDER/.test(error.message),
  );
});

Deno.test("loadServerConfig() reads the comment delay for platforms without batch reviews", () => {
  assert.equal(loadServerConfig({}).platformCommentDelayMs, undefined);
  assert.equal(loadServerConfig({ LOOM_PLATFORM_COMMENT_DELAY_MS: "0" }).platformCommentDelayMs, 0);
  assert.throws(
    () => loadServerConfig({ LOOM_PLATFORM_COMMENT_DELAY_MS: "-5" }),
    /LOOM_PLATFORM_COMMENT_DELAY_MS/,
  );
});

Deno.test("loadServerConfig() reads trusted proxies and body limits, refusing what it cannot parse", () => {
  const config = loadServerConfig({ LOOM_TRUSTED_PROXIES: "10.0.0.0/8, fd00::/8,192.0.2.7" });
  assert.deepEqual(config.trustedProxies, ["10.0.0.0/8", "fd00::/8", "192.0.2.7"]);
  assert.throws(
    () => loadServerConfig({ LOOM_TRUSTED_PROXIES: "10.0.0.0/8,proxy.internal" }),
    /LOOM_TRUSTED_PROXIES: Cannot parse trusted proxy "proxy\.internal"/,
  );
  assert.equal(loadServerConfig({}).maxWebhookBytes, 25 * 1024 * 1024);
  assert.equal(loadServerConfig({}).maxBodyBytes, 64 * 1024);
  assert.equal(loadServerConfig({ LOOM_MAX_BODY_BYTES: "131072" }).maxBodyBytes, 131072);
  assert.throws(() => loadServerConfig({ LOOM_MAX_WEBHOOK_BYTES: "ten" }), /LOOM_MAX_WEBHOOK_BYTES/);
});

Deno.test("loadServerConfig() points the default public URL at the configured port", () => {
  assert.equal(loadServerConfig({}).publicUrl, "http://localhost:8000");
  assert.equal(loadServerConfig({ LOOM_PORT: "9100" }).publicUrl, "http://localhost:9100");
  assert.equal(
    loadServerConfig({ LOOM_PORT: "9100", LOOM_PUBLIC_URL: "https://loom.acme.test" }).publicUrl,
    "https://loom.acme.test",
  );
  assert.equal(loadServerConfig({ LOOM_LOG_FORMAT: "text" }).logFormat, "text");
  assert.throws(() => loadServerConfig({ LOOM_LOG_FORMAT: "xml" }), /LOOM_LOG_FORMAT/);
});

Deno.test("loadServerConfig() takes a key ring in LOOM_SECRET_KEY and refuses a malformed one at start-up", () => {
  const newKey = "n".repeat(40);
  const oldKey = "o".repeat(40);
  assert.equal(
    loadServerConfig({ LOOM_SECRET_KEY: `${newKey}, ${oldKey}` }).secretKey,
    `${newKey}, ${oldKey}`,
  );
  for (
    const [ring, problem] of [
      [`${newKey},`, /LOOM_SECRET_KEY: key 2 of the ring is empty/],
      [`${newKey},,${oldKey}`, /LOOM_SECRET_KEY: key 2 of the ring is empty/],
      [`${newKey},short`, /LOOM_SECRET_KEY: key 2 of the ring must be at least 32 characters/],
      [`${newKey},${newKey}`, /LOOM_SECRET_KEY: key 2 of the ring repeats key 1/],
      ["short", /LOOM_SECRET_KEY: the key must be at least 32 characters/],
    ] as const
  ) {
    assert.throws(() => loadServerConfig({ LOOM_SECRET_KEY: ring }), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /^Cannot start Loom: invalid environment/);
      assert.match(error.message, problem);
      assert.ok(!error.message.includes(newKey), "the message never shows a key");
      return true;
    });
  }
});

Deno.test("loadServerConfig() reads LOOM_ALLOWED_KEY_ENVS as keys paired with endpoints, refusing a bad pair", () => {
  const config = loadServerConfig({
    LOOM_ALLOWED_KEY_ENVS:
      "OPENAI_API_KEY, TEAM_KEY=https://gateway.example.com/v1, TEAM_KEY=http://ollama:11434",
  });
  assert.deepEqual(config.allowedKeyEnvs, [
    { name: "OPENAI_API_KEY" },
    { name: "TEAM_KEY", baseUrl: "https://gateway.example.com/v1" },
    { name: "TEAM_KEY", baseUrl: "http://ollama:11434" },
  ]);
  for (
    const [value, problem] of [
      ["TEAM KEY", /LOOM_ALLOWED_KEY_ENVS: entry 1 \("TEAM KEY"\) must be a variable name/],
      [
        "A,TEAM_KEY=gateway.example.com",
        /LOOM_ALLOWED_KEY_ENVS: entry 2 .* pairs TEAM_KEY with "gateway\.example\.com", which is not a URL/,
      ],
      ["TEAM_KEY=ftp://files.example.com", /use an http or https base URL/],
      ["TEAM_KEY=https://u:p@gateway.example.com", /holds credentials/],
    ] as const
  ) {
    assert.throws(() => loadServerConfig({ LOOM_ALLOWED_KEY_ENVS: value }), problem);
  }
});
