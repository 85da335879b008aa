/** What the sign-in, set-up and account routes need beyond every route's dependencies (`app.ts` passes them). */
import type { OAuthProviders } from "./oauth.ts";

export interface SignInDeps {
  /** Dashboard sign-in providers; built from `config` when absent (tests pass ones pointed at fakes). */
  oauthProviders?: OAuthProviders;
  /** The one-time token `/setup` requires until the owner exists; without it, `/setup` refuses everyone. */
  setupToken?: string;
}
