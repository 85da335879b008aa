/**
 * Who calls the fake GitHub: a personal access token or an installation token in `Authorization`, or — for the
 * token exchange only — an RS256 app JWT checked the way GitHub checks it (signature, `iat`, `exp` at most ten
 * minutes ahead, `iss` the app id).
 */
import { RouteError } from "./shapes.ts";
import type { FakeGitHubApp, FakeUser } from "./types.ts";

const TEXT = new TextEncoder();

export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - text.length % 4) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

/**
 * The user a token acts as; throws a 401 `RouteError` without one or with an unknown one.
 * @param tokens personal access tokens → login
 * @param installationUsers installation tokens → the app's bot
 */
export function authenticate(
  headers: Headers,
  tokens: Map<string, string>,
  installationUsers: Map<string, FakeUser>,
): FakeUser {
  const authorization = headers.get("authorization");
  if (authorization === null) throw new RouteError(401, "Requires authentication");
  const match = /^(token|bearer)\s+(\S+)$/i.exec(authorization);
  const token = match?.[2] ?? "";
  const login = tokens.get(token);
  if (login !== undefined) return { login, type: "User" };
  const installation = installationUsers.get(token);
  if (installation !== undefined) return installation;
  throw new RouteError(401, "Bad credentials");
}

/** The decoded header and payload of a valid app JWT; throws a 401 `RouteError` otherwise. */
export async function verifyAppJwt(
  headers: Headers,
  app: FakeGitHubApp | undefined,
): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  if (app === undefined) throw new RouteError(401, "A JSON web token could not be decoded");
  const match = /^bearer\s+(\S+)$/i.exec(headers.get("authorization") ?? "");
  const parts = match?.[1]?.split(".") ?? [];
  if (parts.length !== 3) throw new RouteError(401, "A JSON web token could not be decoded");
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[0]!)));
    payload = JSON.parse(new TextDecoder().decode(base64UrlDecode(parts[1]!)));
  } catch {
    throw new RouteError(401, "A JSON web token could not be decoded");
  }
  if (header.alg !== "RS256") throw new RouteError(401, "A JSON web token could not be decoded");
  const valid = await crypto.subtle.verify(
    "RSASSA-PKCS1-v1_5",
    app.publicKey,
    base64UrlDecode(parts[2]!),
    TEXT.encode(`${parts[0]}.${parts[1]}`),
  );
  if (!valid) throw new RouteError(401, "A JSON web token could not be decoded");
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat !== "number" || payload.iat > now + 60) {
    throw new RouteError(
      401,
      "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    );
  }
  if (typeof payload.exp !== "number" || payload.exp <= now) {
    throw new RouteError(
      401,
      "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    );
  }
  if (payload.exp - payload.iat > 660) {
    throw new RouteError(401, "'Expiration time' claim ('exp') is too far in the future");
  }
  if (String(payload.iss) !== app.appId) throw new RouteError(401, "Integration not found");
  return { header, payload };
}
