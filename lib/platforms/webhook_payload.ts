/**
 * Validation of webhook payloads shared by the adapters: only the fields an adapter reads are checked, and a
 * malformed body becomes a `TypeError` naming every bad field (the webhook route answers 400 with it).
 */
import type { z } from "zod";

/** The body as an object, or a `TypeError` saying what it was instead. */
export function requireWebhookObject(platform: string, body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new TypeError(
      `Cannot parse ${platform} webhook: body must be a JSON object: current value is ${
        Array.isArray(body) ? "array" : body === null ? "null" : typeof body
      }`,
    );
  }
  return body as Record<string, unknown>;
}

/** Parses `body` with `schema`, or throws a `TypeError` naming the event and every invalid field. */
export function parseWebhookPayload<T extends z.ZodType>(
  platform: string,
  schema: T,
  body: unknown,
  event: string,
): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `"${issue.path.join(".")}" ${issue.message}`);
    throw new TypeError(`Cannot parse ${platform} "${event}" webhook: ${problems.join("; ")}`, {
      cause: result.error,
    });
  }
  return result.data;
}
