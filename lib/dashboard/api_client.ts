/**
 * The islands' typed client for `/api/`: route keys, inputs and outputs come from `ApiRoutes`, and mutations send
 * the session's CSRF token, read from the hidden `_csrf` field every signed-in page renders.
 */
import type { ApiRoutes } from "./api_types.ts";

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/** The session's CSRF token from any form on the page (every signed-in page has the sign-out form). */
function pageCsrfToken(): string {
  return (globalThis.document?.querySelector<HTMLInputElement>('input[name="_csrf"]')?.value) ?? "";
}

export async function callApi<K extends keyof ApiRoutes>(
  route: K,
  input: ApiRoutes[K]["input"],
  options: { signal?: AbortSignal; fetch?: typeof fetch; csrfToken?: string } = {},
): Promise<ApiRoutes[K]["output"]> {
  const [method, pattern] = (route as string).split(" ") as [string, string];
  const values: Record<string, unknown> = { ...(input ?? {}) };
  const path = pattern.replace(/:(\w+)/g, (_, name: string) => {
    const value = values[name];
    delete values[name];
    return encodeURIComponent(String(value));
  });
  const headers: Record<string, string> = { accept: "application/json" };
  let url = path;
  let body: string | undefined;
  if (method === "GET") {
    const query = new URLSearchParams(
      Object.entries(values).filter(([, value]) => value !== undefined).map((
        [key, value],
      ) => [key, String(value)]),
    ).toString();
    if (query) url += `?${query}`;
  } else {
    headers["content-type"] = "application/json";
    headers["x-csrf-token"] = options.csrfToken ?? pageCsrfToken();
    body = JSON.stringify(values);
  }
  const response = await (options.fetch ?? fetch)(url, { method, headers, body, signal: options.signal });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, String(data.error ?? `HTTP ${response.status}`));
  return data;
}
