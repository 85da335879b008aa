/**
 * The pull request both lifecycle end-to-end tests (GitHub and GitLab) review: a cache module whose head adds an
 * off-by-one loop and a TODO, a config with one llm step and two script steps (one that works, one that
 * crashes), and the model's scripted answers.
 */
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";

export const SECRET_KEY = "e2e-secret-key-e2e-secret-key-0123456789abc";
export const PUBLIC_URL = "https://loom.example.test";

export const BASE = `export function cacheKey(user: string): string {
  return user;
}

export function ttlSeconds(): number {
  return 60;
}
`;
export const HEAD = `export function cacheKey(user: string, tenant: string): string {
  return user + tenant;
}

export function ttlSeconds(): number {
  return 60 * 60 * 24 * 365;
}

export function evict(keys: string[]) {
  for (let i = 0; i <= keys.length; i++) delete store[keys[i]]; // TODO: bound the store
}
`;
export const HEAD_2 = HEAD.replace("return user + tenant;", "return `${tenant}:${user}`;");

export const CONFIG = `pipelines:
  default:
    - name: bugs
    - name: todos
      type: script
      script: .loom/todos.ts
      severity: info
    - name: crashy
      type: script
      script: .loom/crashy.ts
`;
export const TODOS_SCRIPT = `
export const input = JSON.parse(await new Response(Deno.stdin.readable).text());
export const findings = [];
for (const file of input.files) {
  if (!input.checkout.includes(file.newPath)) continue;
  const lines = (await Deno.readTextFile(file.newPath)).split("\\n");
  lines.forEach((line, index) => {
    if (line.includes("TODO")) {
      findings.push({ path: file.newPath, line: index + 1, severity: "warning", title: "Unresolved TODO", body: line.trim() });
    }
  });
}
console.log(JSON.stringify({ findings }));
`;
export const CRASHY_SCRIPT = `throw new Error("the lint table is missing");`;

export function findingsReply(request: FakeLlmRequest): FakeReply {
  if (!request.structured) return "EXPLAINED: `evict` reads one element past the end of `keys`.";
  return {
    json: {
      findings: [
        {
          path: "src/cache.ts",
          line: 10,
          side: "RIGHT",
          severity: "blocker",
          title: "Off-by-one in evict loop",
          body: "`i <= keys.length` reads one past the end; use `<`.",
        },
        {
          path: "src/cache.ts",
          line: 200,
          side: "RIGHT",
          severity: "info",
          title: "Document the TTL choice",
          body: "A one-year TTL deserves a comment explaining why.",
        },
      ],
    },
    usage: { inputTokens: 1200, outputTokens: 150 },
  };
}
