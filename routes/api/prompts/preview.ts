import { defineHandlers } from "../../../lib/http/define.ts";
import { HttpError } from "../../../lib/http/errors.ts";
import { PromptPreviewInput } from "../../../lib/dashboard/api_types.ts";
import { previewPrompt } from "../../../lib/dashboard/prompt_preview.ts";
import { api } from "../../../lib/dashboard/route.tsx";

export const handler = defineHandlers({
  POST: api(async (c) => {
    const input = PromptPreviewInput.safeParse(await c.req.json().catch(() => null));
    if (!input.success) {
      throw new HttpError(400, `Cannot preview the prompt: ${input.error.issues[0]?.message}`);
    }
    return c.json(previewPrompt(input.data.body, input.data.title));
  }),
});
