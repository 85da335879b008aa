/**
 * The HTTP layer of the Bitbucket Data Center client: every request carries the token as `Bearer` and
 * `X-Atlassian-Token: no-check` (Data Center refuses a state-changing request without it while XSRF protection
 * is on, the default), a failure becomes a `PlatformError` with Data Center's own `{errors: [{message}]}` text,
 * JSON answers are validated, and paged lists are followed by `nextPageStart`.
 */
import type { z } from "zod";
import { PlatformError } from "../types.ts";
import { Paged } from "./schema.ts";

/** Asked per page; REST 1.0 caps `limit` by its `page.max.*` settings (1000 by default) and defaults to 25. */
const PAGE_LIMIT = 100;

export interface SendInit {
  method?: string;
  body?: unknown;
  accept?: string;
  /** Answer null for a 404 instead of throwing. */
  notFoundIsNull?: boolean;
}

export interface RestHttp {
  send(operation: string, url: string, init?: SendInit): Promise<Response | null>;
  json<T extends z.ZodType>(schema: T, operation: string, url: string, init?: SendInit): Promise<z.infer<T>>;
  /** Every item of a paged list. */
  paged<T extends z.ZodType>(item: T, operation: string, url: string): Promise<z.infer<T>[]>;
}

export function createRestHttp(options: { token: string; fetch?: typeof fetch }): RestHttp {
  const doFetch = options.fetch ?? globalThis.fetch;

  async function send(operation: string, url: string, init: SendInit = {}): Promise<Response | null> {
    const headers = new Headers({
      authorization: `Bearer ${options.token}`,
      accept: init.accept ?? "application/json",
      "x-atlassian-token": "no-check",
    });
    if (init.body !== undefined) headers.set("content-type", "application/json");
    let response: Response;
    try {
      response = await doFetch(url, {
        method: init.method ?? "GET",
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (error) {
      throw new PlatformError(`Cannot ${operation}: request to Bitbucket Data Center failed`, {
        platform: "bitbucket_server",
        retryable: true,
        cause: error,
      });
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => "");
    if (response.status === 404 && init.notFoundIsNull) return null;
    let detail = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { errors?: { message?: string }[] };
      const messages = (parsed.errors ?? []).map((error) => error.message).filter(Boolean);
      if (messages.length > 0) detail = messages.join("; ");
    } catch {
      // Not JSON (an HTML error page from a proxy); the raw text is the best detail there is.
    }
    throw new PlatformError(
      `Cannot ${operation}: Bitbucket Data Center answered ${response.status}${detail ? `: ${detail}` : ""}`,
      { platform: "bitbucket_server", status: response.status },
    );
  }

  async function json<T extends z.ZodType>(
    schema: T,
    operation: string,
    url: string,
    init?: SendInit,
  ): Promise<z.infer<T>> {
    const response = await send(operation, url, init);
    const body = await response!.json().catch((error: unknown) => {
      throw new PlatformError(`Cannot ${operation}: Bitbucket Data Center sent a body that is not JSON`, {
        platform: "bitbucket_server",
        retryable: false,
        cause: error,
      });
    });
    const result = schema.safeParse(body);
    if (!result.success) {
      throw new PlatformError(
        `Cannot ${operation}: unexpected Bitbucket Data Center response: ${result.error.message}`,
        { platform: "bitbucket_server", retryable: false, cause: result.error },
      );
    }
    return result.data;
  }

  async function paged<T extends z.ZodType>(item: T, operation: string, url: string): Promise<z.infer<T>[]> {
    const schema = Paged(item);
    const items: z.infer<T>[] = [];
    let start = 0;
    for (;;) {
      const separator = url.includes("?") ? "&" : "?";
      const page: z.infer<typeof schema> = await json(
        schema,
        operation,
        `${url}${separator}start=${start}&limit=${PAGE_LIMIT}`,
      );
      items.push(...page.values);
      if (page.isLastPage || page.nextPageStart == null || page.nextPageStart <= start) return items;
      start = page.nextPageStart;
    }
  }

  return { send, json, paged };
}

/** `PROJECT/repo-slug` split, or a `TypeError` naming the expected form. */
export function splitRepo(repo: string): [string, string] {
  const parts = repo.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new TypeError(
      `Cannot address Bitbucket Data Center repository "${repo}": expected "PROJECT/repo-slug"`,
    );
  }
  return [parts[0], parts[1]];
}
