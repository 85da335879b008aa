import assert from "node:assert/strict";
import { addRedactionCounts, redactSecrets } from "./redact.ts";

// Built from pieces so secret scanners do not flag this file.
const GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY";
const GITLAB_TOKEN = "glpat-" + "x9Yz8Wv7Ut6Sr5Qp4On3";
const SLACK_TOKEN = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" +
  ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

Deno.test("redactSecrets() replaces each kind of token with its marker", () => {
  const cases: [string, string][] = [
    [`const token = "${GITHUB_TOKEN}";`, "github_token"],
    [`aws_access_key_id = ${AWS_KEY}`, "aws_access_key"],
    [`aws_secret_access_key = ${AWS_SECRET}`, "aws_secret_key"],
    [`GITLAB=${GITLAB_TOKEN}`, "gitlab_token"],
    [`slack: ${SLACK_TOKEN}`, "slack_token"],
    [`Authorization: Bearer ${JWT}`, "jwt"],
    [`stripe.key = "${"sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"}"`, "stripe_key"],
    [`const key = "${"rk_" + "live_" + "51H8xYzAbCdEfGhIjKlMnOp"}";`, "stripe_key"],
    [`DATABASE_URL=postgres://loom:${"s3cr3t-" + "Passw0rd"}@db:5432/loom`, "url_credentials"],
    [`twilio: ${"SK" + "0123456789abcdef0123456789abcdef"}`, "twilio_key"],
    [
      `SENDGRID=${"SG." + "ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"}`,
      "sendgrid_key",
    ],
    [`//registry.npmjs.org/:_authToken=${"npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}`, "npm_token"],
    [
      `password = ${"pypi-" + "AgEIcHlwaS5vcmcCJDk0ZTRkZjRkLWQ1YjEtNDM0Zi1hNzA1LTJlNzU2ZDZhZWM3YgACKl"}`,
      "pypi_token",
    ],
  ];
  for (const [text, kind] of cases) {
    const result = redactSecrets(text);
    assert.match(result.text, new RegExp(`\\[REDACTED:${kind}\\]`), text);
    assert.equal(result.counts[kind as keyof typeof result.counts], 1, text);
  }
  assert.ok(!redactSecrets(`x = "${GITHUB_TOKEN}"`).text.includes(GITHUB_TOKEN));
  assert.ok(!redactSecrets(`aws_secret_access_key = ${AWS_SECRET}`).text.includes(AWS_SECRET));
});

Deno.test("redactSecrets() removes a whole private key block, also one cut off at the end", () => {
  const block = [
    "R1 +-----BEGIN RSA PRIVATE KEY-----",
    "R2 +MIIEowIBAAKCAQEA7bq98W3x",
    "R3 +-----END RSA PRIVATE KEY-----",
    "R4 +const after = 1;",
  ].join("\n");
  const result = redactSecrets(block);
  assert.equal(result.text, "R1 +[REDACTED:private_key]\nR4 +const after = 1;");
  const cut = redactSecrets("R1 +-----BEGIN OPENSSH PRIVATE KEY-----\nR2 +b3BlbnNzaC1rZXktdjEAAAAA");
  assert.equal(cut.text, "R1 +[REDACTED:private_key]");
});

Deno.test("redactSecrets() keeps the name of a generic secret and replaces only a random-looking value", () => {
  const result = redactSecrets(`api_key = "q8Xv2LmN4pR7tZ1wYc9K"\nAPI_SECRET=Zk3u9QmW2xLp7RtV8nB4`);
  assert.equal(result.text, `api_key = "[REDACTED:generic_secret]"\nAPI_SECRET=[REDACTED:generic_secret]`);
  assert.equal(result.counts.generic_secret, 2);
});

Deno.test("redactSecrets() keeps a URL's user and host and replaces only its password", () => {
  const result = redactSecrets(`url: "postgres://app:${"hunter2" + "Hunter"}@db.internal:5432/app"`);
  assert.equal(result.text, `url: "postgres://app:[REDACTED:url_credentials]@db.internal:5432/app"`);
  assert.equal(
    redactSecrets("see https://example.com:8443/path and git@github.com:octo/app").text.includes("REDACTED"),
    false,
  );
});

Deno.test("redactSecrets() leaves ordinary code alone", () => {
  const code = [
    `const apiKey = process.env.OPENAI_API_KEY;`,
    `password = "changeme-please"`,
    `const token = getToken(request);`,
    `secret_name: "database_credentials"`,
    `// see https://example.com/docs/auth#tokens`,
  ].join("\n");
  const result = redactSecrets(code);
  assert.equal(result.text, code);
  assert.deepEqual(result.counts, {});
});

Deno.test("addRedactionCounts() sums counts by kind", () => {
  const total = { jwt: 1 };
  addRedactionCounts(total, { jwt: 2, github_token: 1 });
  assert.deepEqual(total, { jwt: 3, github_token: 1 });
});
