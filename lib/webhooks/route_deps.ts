/** What the webhook route needs beyond every route's dependencies (`lib/http/define.ts`); `app.ts` passes them. */
import type { PlatformId, WebhookParser } from "../platforms/types.ts";
import type { ReadPullRequest } from "./head_check.ts";
import type { WebhookCache } from "./webhook_cache.ts";

export interface WebhookRouteDeps {
  parsers: Partial<Record<PlatformId, WebhookParser>>;
  /** Reads a pull request from its platform for the webhook route's replay check (`head_check.ts`). */
  readPullRequest?: ReadPullRequest;
  /** Repository rows and decrypted secrets the webhook route keeps between requests (for this `secretBox`). */
  webhookCache?: WebhookCache;
}
