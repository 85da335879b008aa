import assert from "node:assert/strict";
import { loadServerConfig } from "./env.ts";
import { ConfigError } from "./errors.ts";
import { resolveModel, urlIsUnder } from "./models.ts";
import { parseRepoConfig } from "./parse.ts";
import { defaultRepoConfig } from "./schema.ts";
import { FULL, MODEL } from "./testing.ts";
import { resolveRepoConfig } from "./load.ts";

const SERVER = loadServerConfig({
  LOOM_LLM_PROVIDER: "openai",
  LOOM_LLM_MODEL: "gpt-4o-mini",
  LOOM_LLM_API_KEY: "sk-server",
  LOOM_ALLOWED_KEY_ENVS: "ANTHROPIC_API_KEY,TEAM_OPENAI_KEY,UNSET_KEY",
  LOOM_ALLOWED_BASE_URLS: "http://ollama.internal:11434, https://gateway.example.com/v1/",
  ANTHROPIC_API_KEY: "sk-ant",
  TEAM_OPENAI_KEY: "sk-team",
  AWS_SECRET_ACCESS_KEY: "do-not-leak",
});

Deno.test("resolveModel() gives the server's model for an undefined default", () => {
  assert.deepEqual(resolveModel(defaultRepoConfig(), "default", SERVER), {
    name: "default",
    provider: "openai",
    model: "gpt-4o-mini",
    apiKey: "sk-server",
  });
});

Deno.test("resolveModel() reads an allowed api_key_env and resolves the fallback chain", () => {
  const model = resolveModel(parseRepoConfig(FULL), "default", SERVER);
  assert.deepEqual(model, {
    name: "default",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    apiKey: "sk-ant",
    temperature: 0.2,
    maxOutputTokens: 8192,
    timeoutMs: 90000,
    fallback: {
      name: "local",
      provider: "openai",
      model: "qwen2.5-coder:14b",
      baseUrl: "http://ollama.internal:11434/v1",
    },
  });
});

Deno.test("resolveModel() rejects api_key_env outside the server allowlist", () => {
  const config = parseRepoConfig(MODEL + "    api_key_env: AWS_SECRET_ACCESS_KEY\n");
  assert.throws(() => resolveModel(config, "m", SERVER), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.issues[0].path, "models.m.api_key_env");
    assert.match(error.issues[0].message, /Must be a variable the server allows \(LOOM_ALLOWED_KEY_ENVS\)/);
    assert.doesNotMatch(error.message, /do-not-leak/);
    return true;
  });
});

Deno.test("resolveModel() rejects an allowed api_key_env that the server has not set", () => {
  const config = parseRepoConfig(MODEL + "    api_key_env: UNSET_KEY\n");
  assert.throws(
    () => resolveModel(config, "m", SERVER),
    /Cannot read "UNSET_KEY": the server allows it but it is not set/,
  );
});

Deno.test("resolveModel() checks base_url against the server allowlist by origin and path", async (t) => {
  const cases: [string, boolean][] = [
    ["http://ollama.internal:11434/v1", true],
    ["http://ollama.internal:11434", true],
    ["https://gateway.example.com/v1", true],
    ["https://gateway.example.com/v1/openai", true],
    ["https://gateway.example.com/v2", false],
    ["https://gateway.example.com/v10", false],
    ["https://gateway.example.com.evil.test/v1", false],
    ["http://ollama.internal:8080/v1", false],
    ["https://ollama.internal:11434/v1", false],
    ["http://169.254.169.254/latest", false],
    ["https://user:pass@gateway.example.com/v1", false],
  ];
  for (const [url, allowed] of cases) {
    await t.step(`${url} is ${allowed ? "allowed" : "rejected"}`, () => {
      const config = parseRepoConfig(MODEL + `    base_url: ${url}\n`);
      if (allowed) assert.equal(resolveModel(config, "m", SERVER).baseUrl, url);
      else {assert.throws(() =>
          resolveModel(config, "m", SERVER), /Must start with a base URL the server allows/);}
    });
  }
});

Deno.test("resolveModel() allows the server's own base_url without an allowlist entry", () => {
  const server = loadServerConfig({
    LOOM_LLM_BASE_URL: "https://llm.corp.example/v1",
    LOOM_LLM_API_KEY: "sk-corp",
  });
  const config = parseRepoConfig(MODEL + "    base_url: https://llm.corp.example/v1/\n");
  assert.deepEqual(resolveModel(config, "m", server), {
    name: "m",
    provider: "openai",
    model: "x",
    baseUrl: "https://llm.corp.example/v1/",
    apiKey: "sk-corp",
  });
});

Deno.test("resolveModel() never sends the server key to an endpoint the repository chose", () => {
  const config = parseRepoConfig(MODEL + "    base_url: https://gateway.example.com/v1\n");
  assert.equal(resolveModel(config, "m", SERVER).apiKey, undefined);
  const otherProvider = parseRepoConfig("models:\n  m: {provider: google, model: gemini-2.5-pro}\n");
  assert.equal(resolveModel(otherProvider, "m", SERVER).apiKey, undefined);
  const sameEndpoint = parseRepoConfig("models:\n  m: {provider: openai, model: gpt-4o}\n");
  assert.equal(resolveModel(sameEndpoint, "m", SERVER).apiKey, "sk-server");
});

Deno.test("resolveModel() reports a violation in the fallback chain", () => {
  const config = parseRepoConfig(
    "models:\n  a: {provider: openai, model: x, fallback: b}\n  b: {provider: openai, model: y, base_url: 'https://evil.test/v1'}\n",
  );
  assert.throws(() => resolveModel(config, "a", SERVER), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.issues.map((issue) => issue.path), ["models.b.base_url"]);
    return true;
  });
});

Deno.test("resolveModel() rejects an unknown model name with a suggestion", () => {
  assert.throws(() => resolveModel(parseRepoConfig(FULL), "locl", SERVER), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.issues[0].message, /Cannot find model "locl"/);
    assert.equal(error.issues[0].suggestion, "local");
    return true;
  });
});

Deno.test("urlIsUnder() treats an allowlist entry as an origin plus path prefix", () => {
  assert.equal(urlIsUnder("https://a.test/v1/x", "https://a.test/v1"), true);
  assert.equal(urlIsUnder("https://a.test/v1x", "https://a.test/v1"), false);
  assert.equal(urlIsUnder("https://a.test/anything", "https://a.test/"), true);
  assert.equal(urlIsUnder("https://a.test", "not a url"), false);
});

/** Two organizations' keys, each paired with its own gateway, and a provider key for the provider's endpoint. */
const PAIRED = loadServerConfig({
  LOOM_ALLOWED_KEY_ENVS: "ANTHROPIC_API_KEY, ACME_KEY=https://acme-gateway.internal/v1, " +
    "GLOBEX_KEY=https://globex-gateway.internal/v1",
  LOOM_ALLOWED_BASE_URLS: "http://ollama.internal:11434",
  ANTHROPIC_API_KEY: "sk-ant",
  ACME_KEY: "sk-acme",
  GLOBEX_KEY: "sk-globex",
});

async function pairedIssues(model: string): Promise<{ path: string; line?: number; column?: number }[]> {
  const text = `models:\n  m:\n${model}`;
  try {
    await resolveRepoConfig(text, () => Promise.resolve(null), { ref: "main", server: PAIRED });
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    const markdown = error.toMarkdown();
    // The comment posted on the pull request names the problem, never the server's allowlists.
    for (const secret of ["globex-gateway", "GLOBEX_KEY", "ollama.internal", "sk-"]) {
      if (!model.includes(secret)) {
        assert.doesNotMatch(markdown, new RegExp(secret), `comment shows ${secret}`);
      }
    }
    return error.issues.map(({ path, line, column }) => ({ path, line, column }));
  }
}

Deno.test("resolveModel() sends an allowed key only to the endpoint the server pairs it with", async () => {
  const gateway = parseRepoConfig(
    "models:\n  m:\n    provider: openai\n    model: gpt-4o\n    base_url: https://acme-gateway.internal/v1/openai\n" +
      "    api_key_env: ACME_KEY\n",
  );
  assert.deepEqual(resolveModel(gateway, "m", PAIRED), {
    name: "m",
    provider: "openai",
    model: "gpt-4o",
    baseUrl: "https://acme-gateway.internal/v1/openai",
    apiKey: "sk-acme",
  });
  const provider = parseRepoConfig(
    "models:\n  m:\n    provider: anthropic\n    model: c\n    api_key_env: ANTHROPIC_API_KEY\n",
  );
  assert.equal(resolveModel(provider, "m", PAIRED).apiKey, "sk-ant");

  // Acme's key at Globex's gateway (allowed, but only for Globex's key): refused where base_url is written.
  assert.deepEqual(
    await pairedIssues(
      "    provider: openai\n    model: gpt-4o\n    base_url: https://globex-gateway.internal/v1\n    api_key_env: ACME_KEY\n",
    ),
    [{ path: "models.m.base_url", line: 5, column: 15 }],
  );
  // Any key at the keyless local endpoint, or a provider's key at a gateway: refused too.
  assert.deepEqual(
    await pairedIssues(
      "    provider: openai\n    model: q\n    base_url: http://ollama.internal:11434/v1\n    api_key_env: ACME_KEY\n",
    ),
    [{ path: "models.m.base_url", line: 5, column: 15 }],
  );
  assert.deepEqual(
    await pairedIssues(
      "    provider: openai\n    model: q\n    base_url: https://acme-gateway.internal/v1\n    api_key_env: ANTHROPIC_API_KEY\n",
    ),
    [{ path: "models.m.base_url", line: 5, column: 15 }],
  );
  // A gateway key sent to the provider's own endpoint: refused where api_key_env is written.
  assert.deepEqual(
    await pairedIssues("    provider: openai\n    model: gpt-4o\n    api_key_env: ACME_KEY\n"),
    [
      { path: "models.m.api_key_env", line: 5, column: 18 },
    ],
  );
  // Keyless models keep LOOM_ALLOWED_BASE_URLS.
  assert.deepEqual(
    await pairedIssues("    provider: openai\n    model: q\n    base_url: http://ollama.internal:11434/v1\n"),
    [],
  );
});

Deno.test("an allowlist refusal names the setting, never the allowed values", async () => {
  assert.deepEqual(
    await pairedIssues("    provider: openai\n    model: q\n    api_key_env: AWS_SECRET_ACCESS_KEY\n"),
    [
      { path: "models.m.api_key_env", line: 5, column: 18 },
    ],
  );
  assert.deepEqual(
    await pairedIssues("    provider: openai\n    model: q\n    base_url: https://attacker.example/v1\n"),
    [{ path: "models.m.base_url", line: 5, column: 15 }],
  );
  // Not even as a "did you mean" for a near-miss of an allowed name.
  const config = parseRepoConfig(MODEL + "    api_key_env: GLOBEX_KEYS\n");
  assert.throws(() => resolveModel(config, "m", PAIRED), (error) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.issues[0]!.suggestion, undefined);
    assert.match(error.issues[0]!.message, /LOOM_ALLOWED_KEY_ENVS/);
    assert.doesNotMatch(error.message, /ACME_KEY|acme-gateway|ANTHROPIC_API_KEY/);
    return true;
  });
});
