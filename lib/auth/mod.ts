/**
 * Dashboard accounts: password hashing, login rate limits, sessions and cookies, CSRF, OAuth sign-in, and the
 * role checks every dashboard route goes through. Secrets at rest use `lib/crypto/secret_box.ts`.
 */
export {
  hashPassword,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  passwordProblem,
  SCRYPT_COST,
  verifyPassword,
} from "./passwords.ts";
export {
  DEFAULT_LOGIN_LIMITS,
  type LoginLimits,
  type LoginReservation,
  reserveLoginAttempt,
  settleSuccessfulLogin,
} from "./rate_limit.ts";
export {
  anonymousCsrfToken,
  checkAnonymousCsrf,
  checkSessionCsrf,
  clearSessionCookie,
  clientAddress,
  hasRole,
  loadViewer,
  secureCookies,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  setOrganizationCookie,
  setSessionCookie,
  type Viewer,
} from "./session.ts";
export { deriveSetupToken, setupTokenMatches } from "./setup_token.ts";
export type { SignInDeps } from "./route_deps.ts";
export { attemptPasswordLogin, type LoginResult, setupOwner, signIn } from "./login.ts";
export {
  createOAuthProviders,
  type OAuthOptions,
  type OAuthProfile,
  type OAuthProvider,
  type OAuthProviderId,
  type OAuthProviders,
} from "./oauth.ts";
export { createSecretBox, type SecretBox } from "../crypto/secret_box.ts";
