/**
 * What a model receives for a library prompt: the same message builder the review uses, on a sample diff. The
 * rules and the step's focus are shown together; on the wire the focus follows the diff (see `prompt.ts`).
 */
import { buildReviewMessages } from "../review/prompt.ts";
import type { PromptPreview } from "./api_types.ts";

const SAMPLE_DIFF = `### File: src/auth/login.ts
@@ export async function login(request: Request) {
R10   const { email, password } = await request.json();
R11 + if (!email) return new Response("missing email", { status: 400 });
R12 + const user = await db.query(\`select * from users where email = '\${email}'\`);
R13 + if (user.password === password) return createSession(user);
R14   return new Response("unauthorized", { status: 401 });`;

export function previewPrompt(body: string, title: string): PromptPreview {
  const [system, shared, focus] = buildReviewMessages({
    steps: [{ name: "preview", prompt: body }],
    title,
    diff: SAMPLE_DIFF,
  });
  // The instructions a prompt author writes: the rules, and the step's focus that follows the shared diff.
  const instructions = `${system?.content ?? ""}\n\n${focus?.content ?? ""}`;
  return {
    system: instructions,
    user: String(shared?.content ?? ""),
    approxTokens: Math.ceil(instructions.length / 4),
  };
}
