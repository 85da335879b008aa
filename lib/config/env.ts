/**
 * Server configuration: parsed once from the environment by `loadServerConfig` in each entry point and passed
 * down. No other module reads `Deno.env`.
 */
import { z } from "zod";
import { parseTrustedProxies } from "../client_address.ts";
import { keyRingProblem } from "../crypto/key_ring.ts";
import { parseAllowedKeys } from "./allowed_keys.ts";

const list = z.string().default("").transform((value) =>
  value.split(",").map((item) => item.trim()).filter((item) => item.length > 0)
);
const optionalUrl = z.string().url().optional();

/** The deployment examples' placeholders ("replace-with-…", "change-me"): a value left as shipped. */
const PLACEHOLDER = /(^|[^a-z])(replace[-_ ]?(me|with)|change[-_ ]?me)([^a-z]|$)/i;
const notPlaceholder = (fix: string) =>
  [(value: string) => !PLACEHOLDER.test(value), `is still the example's placeholder: ${fix}`] as const;

export const ServerConfig = z.object({
  /** `postgres://…` for PostgreSQL, a file path (or `sqlite:path`) for SQLite. */
  databaseUrl: z.string().min(1).refine(...notPlaceholder("set the database's real password")).default(
    "./data/loom.db",
  ),
  port: z.coerce.number().int().min(0).max(65535).default(8000),
  hostname: z.string().default("0.0.0.0"),
  /**
   * Public URL of the dashboard, used in links posted to pull requests and in the webhook URLs it shows; unset,
   * `http://localhost:<port>`.
   */
  publicUrl: z.string().url().default("http://localhost:8000"),
  /**
   * A key ring (`lib/crypto/key_ring.ts`): one key of 32+ characters, or several separated by commas, the newest
   * first. The first key encrypts stored tokens and API keys; every key decrypts.
   */
  secretKey: z.string().superRefine((ring, context) => {
    const problem = keyRingProblem(ring);
    if (problem) context.addIssue({ code: "custom", message: problem });
  })
    .refine(...notPlaceholder("replace it with 32 or more random characters (openssl rand -base64 48)"))
    .optional(),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** `json` or `text`; unset: text on a terminal, JSON otherwise (see `chooseLogFormat`). */
  logFormat: z.enum(["json", "text"]).optional(),
  /** Concurrent jobs per worker process. */
  workerConcurrency: z.coerce.number().int().min(1).max(64).default(2),
  /** Lease length; a job whose worker stops heartbeating is claimable again after this. */
  jobLeaseMs: z.coerce.number().int().min(1000).default(60_000),
  jobTimeoutMs: z.coerce.number().int().min(1000).default(300_000),
  pollIntervalMs: z.coerce.number().int().min(10).default(1000),
  /**
   * How long a web request (a webhook, `/readyz`) waits for the database before answering 503
   * (`lib/db/unavailable.ts`).
   */
  databaseRequestTimeoutMs: z.coerce.number().int().min(50).default(800),
  /** Deadline of one request to a git platform (`lib/platforms/deadline.ts`). */
  platformTimeoutMs: z.coerce.number().int().min(100).default(30_000),
  githubApiUrl: z.string().url().default("https://api.github.com"),
  githubToken: z.string().optional(),
  githubAppId: z.string().optional(),
  githubAppPrivateKey: z.string().optional(),
  /** A GitHub App's webhook secret, shared by all its installations (per-repository secrets need no setting). */
  githubWebhookSecret: z.string().optional(),
  /**
   * The GitHub App's OAuth client, with which an organization admin proves to Loom that they may manage the
   * account an installation is on before the organization claims it (docs/platforms/github.md).
   */
  githubAppClientId: z.string().optional(),
  githubAppClientSecret: z.string().optional(),
  gitlabUrl: z.string().url().default("https://gitlab.com"),
  gitlabToken: z.string().optional(),
  giteaUrl: optionalUrl,
  giteaToken: z.string().optional(),
  bitbucketUrl: z.string().url().default("https://api.bitbucket.org/2.0"),
  bitbucketToken: z.string().optional(),
  /** Bitbucket Data Center / Server instance root; no default, there is no hosted service. */
  bitbucketServerUrl: optionalUrl,
  bitbucketServerToken: z.string().optional(),
  azureDevopsUrl: z.string().url().default("https://dev.azure.com"),
  azureDevopsToken: z.string().optional(),
  /** Pause between comment requests on Bitbucket and Azure DevOps, which have no batch review; default 1000. */
  platformCommentDelayMs: z.coerce.number().int().min(0).optional(),
  /** GitHub OAuth App for dashboard sign-in (callback: `<publicUrl>/auth/github/callback`). */
  githubOauthClientId: z.string().optional(),
  githubOauthClientSecret: z.string().optional(),
  /** GitLab OAuth application for dashboard sign-in on `gitlabUrl` (callback: `<publicUrl>/auth/gitlab/callback`). */
  gitlabOauthClientId: z.string().optional(),
  gitlabOauthClientSecret: z.string().optional(),
  /** Default model used when a repository has no config. */
  llmProvider: z.enum(["openai", "anthropic", "google"]).default("openai"),
  llmModel: z.string().default("gpt-4o-mini"),
  llmBaseUrl: optionalUrl,
  llmApiKey: z.string().optional(),
  /** LLM calls in flight at once across this process, so a burst of pull requests cannot trip rate limits. */
  llmConcurrency: z.coerce.number().int().min(1).max(256).default(8),
  /** LLM calls in flight at once per provider (OpenAI, Anthropic, Google), within `llmConcurrency`. */
  llmProviderConcurrency: z.coerce.number().int().min(1).max(256).default(4),
  /** How long identical LLM requests are answered from the cache (0 turns the cache off). */
  llmCacheTtlMs: z.coerce.number().int().min(0).default(7 * 24 * 3_600_000),
  /**
   * Environment variables a repository config may name in `api_key_env`, each paired with the endpoint it may
   * be sent to (`NAME` for the provider's own, `NAME=<base URL prefix>`; `allowed_keys.ts`).
   */
  allowedKeyEnvs: list.transform((entries, context) => {
    try {
      return parseAllowedKeys(entries);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  }),
  /** Base URLs (prefixes) a repository config may point a model at. */
  allowedBaseUrls: list,
  /**
   * Largest webhook body accepted, in bytes. GitHub caps its payloads at 25 MB and GitLab, Gitea, Bitbucket and
   * Azure DevOps send far less, so the default loses nothing legitimate.
   */
  maxWebhookBytes: z.coerce.number().int().min(1024).default(25 * 1024 * 1024),
  /** Largest body of every other request (sign-in and dashboard forms, the JSON API), in bytes. */
  maxBodyBytes: z.coerce.number().int().min(1024).default(64 * 1024),
  /**
   * Reverse proxies (CIDR ranges or addresses) whose `X-Forwarded-For` names the client; without them the TCP
   * peer is the client, and behind a proxy every visitor would share one sign-in limit.
   */
  trustedProxies: list.superRefine((entries, context) => {
    try {
      parseTrustedProxies(entries);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
    }
  }),
  /** Bearer token a Prometheus scrape of `/metrics` must present; unset leaves `/metrics` open. */
  metricsToken: z.string().min(1).refine(...notPlaceholder("replace it with a random token")).optional(),
  /** Port of a worker process's own `/metrics` and `/healthz` (0 turns it off; the web process uses `port`). */
  workerMetricsPort: z.coerce.number().int().min(0).max(65535).default(0),
  /** Finished jobs and webhook deliveries older than this many days are pruned hourly. */
  retentionDays: z.coerce.number().min(0.001).default(30),
  /**
   * How script steps are isolated: `bubblewrap` (namespaces and kernel limits around Deno's permissions) or
   * `deno-only` (Deno's permissions alone; the operator's explicit opt-out where bubblewrap cannot run).
   */
  scriptSandbox: z.enum(["bubblewrap", "deno-only"]).default("bubblewrap"),
  /**
   * Automatic reviews and command replies one author may cause per hour on the public repositories of one
   * organization (0: unlimited). The pull request's maintainers and `@loom review` are exempt; 10 covers a busy
   * contributor's pushes while capping what a stranger can spend of the owner's model budget.
   */
  publicAuthorHourlyBudget: z.coerce.number().int().min(0).default(10),
  /**
   * Organizations that may use the server's own platform tokens and model key (`lib/tenancy/lending.ts`): `all`
   * or organization slugs; empty lends them to the first organization only.
   */
  shareServerCredentials: list,
  /** Jira (Cloud or Data Center) whose issue keys pull requests name, read as ticket context (`lib/tickets/`). */
  jiraUrl: z.string().url().optional(),
  /** Jira Cloud: the account email that goes with `jiraToken` (an API token); unset, the token is a bearer token. */
  jiraEmail: z.string().min(1).optional(),
  /** A Jira Cloud API token (with `jiraEmail`) or a Data Center personal access token. */
  jiraToken: z.string().min(1).refine(...notPlaceholder("set the real Jira token")).optional(),
  /** Jira project keys whose issue keys count (`PAY,OPS`); empty for any key that does not look like a standard. */
  jiraProjects: list,
  /** Every environment variable, kept so allowlisted `api_key_env` names can be resolved. */
  env: z.record(z.string(), z.string()).default({}),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

const ENV_NAMES: Record<string, keyof ServerConfig> = {
  LOOM_DATABASE_URL: "databaseUrl",
  PORT: "port",
  LOOM_PORT: "port",
  LOOM_HOSTNAME: "hostname",
  LOOM_PUBLIC_URL: "publicUrl",
  LOOM_LOG_FORMAT: "logFormat",
  LOOM_SECRET_KEY: "secretKey",
  LOOM_LOG_LEVEL: "logLevel",
  LOOM_WORKER_CONCURRENCY: "workerConcurrency",
  LOOM_JOB_LEASE_MS: "jobLeaseMs",
  LOOM_JOB_TIMEOUT_MS: "jobTimeoutMs",
  LOOM_POLL_INTERVAL_MS: "pollIntervalMs",
  LOOM_PLATFORM_TIMEOUT_MS: "platformTimeoutMs",
  LOOM_DB_REQUEST_TIMEOUT_MS: "databaseRequestTimeoutMs",
  LOOM_GITHUB_API_URL: "githubApiUrl",
  LOOM_GITHUB_TOKEN: "githubToken",
  LOOM_GITHUB_APP_ID: "githubAppId",
  LOOM_GITHUB_APP_PRIVATE_KEY: "githubAppPrivateKey",
  LOOM_GITHUB_WEBHOOK_SECRET: "githubWebhookSecret",
  LOOM_GITHUB_APP_CLIENT_ID: "githubAppClientId",
  LOOM_GITHUB_APP_CLIENT_SECRET: "githubAppClientSecret",
  LOOM_GITLAB_URL: "gitlabUrl",
  LOOM_GITLAB_TOKEN: "gitlabToken",
  LOOM_GITEA_URL: "giteaUrl",
  LOOM_GITEA_TOKEN: "giteaToken",
  LOOM_BITBUCKET_URL: "bitbucketUrl",
  LOOM_BITBUCKET_TOKEN: "bitbucketToken",
  LOOM_BITBUCKET_SERVER_URL: "bitbucketServerUrl",
  LOOM_BITBUCKET_SERVER_TOKEN: "bitbucketServerToken",
  LOOM_AZURE_DEVOPS_URL: "azureDevopsUrl",
  LOOM_AZURE_DEVOPS_TOKEN: "azureDevopsToken",
  LOOM_PLATFORM_COMMENT_DELAY_MS: "platformCommentDelayMs",
  LOOM_GITHUB_OAUTH_CLIENT_ID: "githubOauthClientId",
  LOOM_GITHUB_OAUTH_CLIENT_SECRET: "githubOauthClientSecret",
  LOOM_GITLAB_OAUTH_CLIENT_ID: "gitlabOauthClientId",
  LOOM_GITLAB_OAUTH_CLIENT_SECRET: "gitlabOauthClientSecret",
  LOOM_LLM_PROVIDER: "llmProvider",
  LOOM_LLM_MODEL: "llmModel",
  LOOM_LLM_BASE_URL: "llmBaseUrl",
  LOOM_LLM_API_KEY: "llmApiKey",
  LOOM_LLM_CONCURRENCY: "llmConcurrency",
  LOOM_LLM_PROVIDER_CONCURRENCY: "llmProviderConcurrency",
  LOOM_LLM_CACHE_TTL_MS: "llmCacheTtlMs",
  LOOM_ALLOWED_KEY_ENVS: "allowedKeyEnvs",
  LOOM_ALLOWED_BASE_URLS: "allowedBaseUrls",
  LOOM_MAX_WEBHOOK_BYTES: "maxWebhookBytes",
  LOOM_MAX_BODY_BYTES: "maxBodyBytes",
  LOOM_TRUSTED_PROXIES: "trustedProxies",
  LOOM_METRICS_TOKEN: "metricsToken",
  LOOM_WORKER_METRICS_PORT: "workerMetricsPort",
  LOOM_RETENTION_DAYS: "retentionDays",
  LOOM_SCRIPT_SANDBOX: "scriptSandbox",
  LOOM_PUBLIC_AUTHOR_HOURLY_BUDGET: "publicAuthorHourlyBudget",
  LOOM_SHARE_SERVER_CREDENTIALS: "shareServerCredentials",
  LOOM_JIRA_URL: "jiraUrl",
  LOOM_JIRA_EMAIL: "jiraEmail",
  LOOM_JIRA_TOKEN: "jiraToken",
  LOOM_JIRA_PROJECTS: "jiraProjects",
};

/** Every environment variable `loadServerConfig` reads by name (`LOOM_LLM_PRICES` is read by the pricing table). */
export const SERVER_ENV_NAMES: readonly string[] = [...Object.keys(ENV_NAMES), "LOOM_LLM_PRICES"];

/**
 * Parses server configuration from environment variables.
 * @throws {TypeError} listing every invalid variable by name
 */
export function loadServerConfig(env: Record<string, string | undefined>): ServerConfig {
  const input: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== "") input[key] = value;
  }
  // Without a public URL, links and webhook URLs point at the port this server listens on.
  if (input.publicUrl === undefined && /^[1-9][0-9]*$/.test(String(input.port ?? ""))) {
    input.publicUrl = `http://localhost:${input.port}`;
  }
  input.env = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
  const result = ServerConfig.safeParse(input);
  if (!result.success) {
    const byKey = Object.fromEntries(Object.entries(ENV_NAMES).map(([name, key]) => [key, name]));
    const problems = result.error.issues.map((issue) =>
      `${byKey[String(issue.path[0])] ?? issue.path.join(".")}: ${issue.message}`
    );
    throw new TypeError(`Cannot start Loom: invalid environment: ${problems.join("; ")}`);
  }
  return Object.freeze(result.data);
}
