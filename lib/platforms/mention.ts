/**
 * How a reply names a user so the platform notifies them. Most platforms turn `@login` into a mention; Azure
 * DevOps does not: it notifies, and renders the person's name, only for `@<identity id>` (the id a comment's
 * author carries), and shows a typed `@Display Name` as plain text.
 */
import type { PlatformId } from "../platform_id.ts";
import type { PlatformUser } from "./types.ts";

/** The text that mentions `user` on `platform`; `@login` where the platform's id is unknown. */
export function mention(platform: PlatformId, user: PlatformUser): string {
  if (platform === "azure_devops" && user.id) return `@<${user.id}>`;
  return `@${user.login}`;
}
