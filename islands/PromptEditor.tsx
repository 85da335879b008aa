/**
 * The prompt edit form. Without JavaScript it posts "Save" or "Preview"; with it, the preview of what the model
 * receives follows the text as you type (debounced, through `/api/prompts/preview`).
 */
import { useEffect, useState } from "preact/hooks";
import type { PromptPreview } from "../lib/dashboard/api_types.ts";
import { callApi } from "../lib/dashboard/api_client.ts";

export default function PromptEditor(
  props: { csrfToken: string; body: string; preview: PromptPreview | null },
) {
  const [body, setBody] = useState(props.body);
  const [preview, setPreview] = useState(props.preview);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  useEffect(() => {
    if (!hydrated) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      callApi("POST /api/prompts/preview", { body, title: "Add rate limiting to the login endpoint" }, {
        signal: controller.signal,
        csrfToken: props.csrfToken,
      }).then(setPreview, () => {});
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [body, hydrated]);
  return (
    <>
      <form method="post" class="stack wide">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <label>
          Instructions
          <textarea
            name="body"
            required
            value={body}
            onInput={(event) => setBody((event.target as HTMLTextAreaElement).value)}
          />
        </label>
        <div class="inline row">
          <button type="submit" name="intent" value="save">Save new version</button>
          {!hydrated && (
            <button type="submit" name="intent" value="preview" class="secondary">
              Preview
            </button>
          )}
        </div>
      </form>
      {preview && (
        <section data-testid="preview" data-live={hydrated ? "on" : "off"}>
          <h3>
            Preview <span class="muted small">· about {preview.approxTokens} tokens of instructions</span>
          </h3>
          <p class="muted small">System message</p>
          <pre data-testid="preview-system">{preview.system}</pre>
          <p class="muted small">User message (a sample diff)</p>
          <pre>{preview.user}</pre>
        </section>
      )}
    </>
  );
}
