/** What a model receives for a library prompt: the same message builder the review uses, on a sample diff. */
import { buildReviewMessages } from "../review/prompt.ts";
import type { PromptPreview } from "./api_types.ts";

export const SAMPLE_DIFF = `### File: src/auth/login.ts
@@ -10,6 +10,9 @@ export async function login(request: Request) {
R10   const { email, password } = await request.json();
R11 + if (!email) return new Response("missing email", { status: 400 });
R12 + const user = await db.query(\`select * from users where email = '\${email}'\`);
R13 + if (user.password === password) return createSession(user);
R14   return new Response("unauthorized", { status: 401 });`;

export function previewPrompt(body: string, title: string): PromptPreview {
  const [system, user] = buildReviewMessages({ stepPrompt: body, title, diff: SAMPLE_DIFF });
  const systemText = String(system?.content ?? "");
  return {
    system: systemText,
    user: String(user?.content ?? ""),
    approxTokens: Math.ceil(systemText.length / 4),
  };
}
