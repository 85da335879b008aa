/**
 * A `requesterFn` for `@gitbeaker/rest` that sends through an injected `fetch`. gitbeaker's own requester calls
 * the global `fetch`, retries 429/502 ten times with sub-millisecond pauses and keeps rate-limiter state; Loom
 * instead maps every failure to a `PlatformError` once and lets the job queue decide when to retry.
 */
import type { Gitlab } from "@gitbeaker/rest";
import { PlatformError } from "../types.ts";

type GitbeakerOptions = ConstructorParameters<typeof Gitlab>[0];
/** The requester factory gitbeaker resources accept. */
export type RequesterFn = NonNullable<GitbeakerOptions["requesterFn"]>;
type ResourceOptions = Parameters<RequesterFn>[0];
type Requester = ReturnType<RequesterFn>;
type RequestOptions = Parameters<Requester["get"]>[1];

function decamelize(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** gitbeaker takes camelCase options and relies on its requester to send GitLab's snake_case names. */
function decamelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decamelizeKeys);
  if (value === null || typeof value !== "object" || value instanceof Blob) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map((
      [key, inner],
    ) => [decamelize(key), decamelizeKeys(inner)]),
  );
}

/** Rails-style query string (`a[]=1&b[c]=2`), the format gitbeaker's own requester produces with `qs`. */
function appendQuery(search: URLSearchParams, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) appendQuery(search, `${key}[]`, item);
  } else if (typeof value === "object") {
    for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
      appendQuery(search, `${key}[${decamelize(inner)}]`, innerValue);
    }
  } else {
    search.append(key, String(value));
  }
}

async function readError(response: Response): Promise<string> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("json")) return text.slice(0, 500);
  try {
    const body = JSON.parse(text);
    const detail = body?.message ?? body?.error ?? text;
    return typeof detail === "string" ? detail : JSON.stringify(detail);
  } catch {
    return text.slice(0, 500);
  }
}

/** Builds a gitbeaker requester that uses `fetchImpl` and throws `PlatformError` for every non-2xx answer. */
export function createFetchRequester(fetchImpl: typeof fetch): RequesterFn {
  return (resourceOptions: ResourceOptions): Requester => {
    const prefix = resourceOptions.url.endsWith("/") ? resourceOptions.url : `${resourceOptions.url}/`;
    const send = async (method: string, endpoint: string, options: RequestOptions = {}) => {
      const headers = new Headers(resourceOptions.headers);
      for (const [name, value] of Object.entries(resourceOptions.authHeaders)) {
        headers.set(name, await value());
      }
      if (options.sudo !== undefined) headers.set("sudo", String(options.sudo));
      let body: BodyInit | undefined;
      if (options.body instanceof FormData) {
        body = options.body;
      } else if (options.body !== undefined) {
        body = JSON.stringify(decamelizeKeys(options.body));
        headers.set("content-type", "application/json");
      }
      const url = new URL(endpoint, prefix);
      for (const [key, value] of Object.entries(options.searchParams ?? {})) {
        appendQuery(url.searchParams, decamelize(key), value);
      }
      const label = `${method} ${url.pathname}`;
      let response: Response;
      try {
        response = await fetchImpl(url, { method, headers, body, signal: options.signal });
      } catch (error) {
        throw new PlatformError(`Cannot reach GitLab for "${label}": ${(error as Error).message}`, {
          platform: "gitlab",
          cause: error,
        });
      }
      if (!response.ok) {
        const detail = await readError(response);
        const retryAfter = response.headers.get("retry-after");
        throw new PlatformError(
          `GitLab answered "${label}" with ${response.status}: ${detail}${
            retryAfter ? ` (retry after ${retryAfter} s)` : ""
          }`,
          { platform: "gitlab", status: response.status },
        );
      }
      const responseHeaders = Object.fromEntries(response.headers.entries());
      if (response.status === 204) {
        await response.body?.cancel();
        return { body: null, headers: responseHeaders, status: response.status };
      }
      const type = (response.headers.get("content-type") ?? "").split(";")[0].trim();
      const responseBody = type === "application/json"
        ? (await response.json()) ?? {}
        : await response.text();
      return { body: responseBody, headers: responseHeaders, status: response.status };
    };
    // gitbeaker types each verb as generic over the body it returns; the body is validated with zod by callers.
    const verb = (method: string) =>
      ((endpoint: string, options?: RequestOptions) => send(method, endpoint, options)) as Requester["get"];
    return {
      get: verb("GET"),
      post: verb("POST"),
      put: verb("PUT"),
      patch: verb("PATCH"),
      delete: verb("DELETE"),
    };
  };
}
