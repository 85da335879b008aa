/**
 * The set-up doctor: what stops Loom from reviewing pull requests, in plain words with what to do. Run at
 * start-up (printed in the banner and logged) and on the dashboard's home page (scoped to the viewer's
 * organization). Each check reads configuration and the database only — no platform or model is called — so it
 * is cheap enough for every page view.
 */
import type { ServerConfig } from "./config/env.ts";
import type { Db } from "./db/mod.ts";
import { sql } from "./db/mod.ts";
import { pendingMigrations } from "./db/migrate.ts";
import { type CredentialKind, storedCredentialKinds } from "./db/credentials.ts";
import { listRepos } from "./db/repos.ts";
import { workerActivity } from "./queue/mod.ts";
import type { PlatformId } from "./platforms/types.ts";

export interface DoctorFinding {
  /** Stable name of the check, for tests and log filters. */
  check: "public-url" | "platform-credential" | "model-key" | "repositories" | "database" | "worker";
  /** `error`: no review can happen; `warning`: reviews are degraded or will not reach anyone. */
  level: "error" | "warning";
  message: string;
  /** What to do, in one sentence. */
  fix: string;
  /** The dashboard page where it is fixed, if any. */
  href?: string;
}

export interface DoctorInput {
  config: ServerConfig;
  db: Db;
  /** Scope credentials and repositories to one organization; all of them when absent (start-up). */
  organizationId?: number;
  now?: () => number;
}

const LOCAL_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|[^.]+\.localhost)$/i;
/** A due job waiting this long with nothing running means no worker is polling the database. */
const IDLE_WORKER_MS = 2 * 60_000;

const PLATFORM_NAMES: Record<PlatformId, string> = {
  github: "GitHub",
  gitlab: "GitLab",
  gitea: "Gitea",
  bitbucket: "Bitbucket",
  bitbucket_server: "Bitbucket Data Center",
  azure_devops: "Azure DevOps",
};

/** Whether platforms on the internet can reach `url`: not a loopback or `.localhost` name. */
export function isLocalUrl(url: string): boolean {
  return LOCAL_HOSTS.test(new URL(url).hostname);
}

/** The platforms this server holds a token for in its environment (the instance default). */
function environmentPlatforms(config: ServerConfig): Set<PlatformId> {
  const platforms = new Set<PlatformId>();
  if (config.githubToken || (config.githubAppId && config.githubAppPrivateKey)) platforms.add("github");
  if (config.gitlabToken) platforms.add("gitlab");
  if (config.giteaToken) platforms.add("gitea");
  if (config.bitbucketToken) platforms.add("bitbucket");
  if (config.bitbucketServerUrl && config.bitbucketServerToken) platforms.add("bitbucket_server");
  if (config.azureDevopsToken) platforms.add("azure_devops");
  return platforms;
}

const MODEL_KINDS: CredentialKind[] = ["openai", "anthropic", "google"];

export async function runDoctor(input: DoctorInput): Promise<DoctorFinding[]> {
  const { config, db } = input;
  const findings: DoctorFinding[] = [];
  if (isLocalUrl(config.publicUrl)) {
    findings.push({
      check: "public-url",
      level: "warning",
      message:
        `LOOM_PUBLIC_URL is ${config.publicUrl}: platforms cannot reach a local address, so webhooks ` +
        "will not arrive and links posted on pull requests will not open for anyone else.",
      fix: "Set LOOM_PUBLIC_URL to the address the platforms reach this server at (your domain or a tunnel).",
    });
  }
  try {
    await db.query(sql`select 1 as ok`);
  } catch (error) {
    findings.push({
      check: "database",
      level: "error",
      message: `Cannot reach the database: ${error instanceof Error ? error.message : String(error)}`,
      fix: "Check LOOM_DATABASE_URL and that the database is running.",
    });
    return findings;
  }
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    findings.push({
      check: "database",
      level: "error",
      message: `The database lacks ${pending.length} migration${pending.length === 1 ? "" : "s"} (${
        pending.map((migration) => migration.name).join(", ")
      }).`,
      fix: "Run `deno task db:migrate`, or restart Loom, which migrates on start.",
    });
  }
  const [stored, repos] = await Promise.all([
    storedCredentialKinds(db, input.organizationId),
    listRepos(db, input.organizationId),
  ]);
  const platforms = environmentPlatforms(config);
  for (const kind of stored) if (kind in PLATFORM_NAMES) platforms.add(kind as PlatformId);
  if (platforms.size === 0) {
    findings.push({
      check: "platform-credential",
      level: "error",
      message: "No platform token: Loom cannot read pull requests or post reviews.",
      fix: "Add a platform token in Settings, or set LOOM_GITHUB_TOKEN (or another platform's token).",
      href: "/settings",
    });
  } else {
    const missing = [...new Set(repos.map((repo) => repo.platform))].filter((platform) =>
      !platforms.has(platform)
    );
    for (const platform of missing) {
      findings.push({
        check: "platform-credential",
        level: "error",
        message: `No ${PLATFORM_NAMES[platform]} token: its connected repositories cannot be reviewed.`,
        fix: `Add a ${PLATFORM_NAMES[platform]} token in Settings.`,
        href: "/settings",
      });
    }
  }
  // A local model server (Ollama, vLLM) may need no key; allowed key variables are keys repositories may name.
  const hasModelKey = Boolean(config.llmApiKey) || Boolean(config.llmBaseUrl) ||
    config.allowedKeyEnvs.some(({ name }) => Boolean(config.env[name])) ||
    MODEL_KINDS.some((kind) => stored.has(kind));
  if (!hasModelKey) {
    findings.push({
      check: "model-key",
      level: "error",
      message: "No model key: reviews cannot call a model.",
      fix: "Add an OpenAI, Anthropic or Google key in Settings, or set LOOM_LLM_API_KEY.",
      href: "/settings",
    });
  }
  if (repos.length === 0) {
    findings.push({
      check: "repositories",
      level: "warning",
      message: "No repositories are connected, so no webhook can start a review.",
      fix: "Connect one in Repositories; the page shows the webhook to add on your platform.",
      href: "/repos",
    });
  }
  const activity = await workerActivity(db, input.now);
  if (activity.oldestDueWaitMs > IDLE_WORKER_MS && activity.inProgress === 0) {
    findings.push({
      check: "worker",
      level: "error",
      message: `${activity.duePending} job${activity.duePending === 1 ? " has" : "s have"} waited ${
        Math.round(activity.oldestDueWaitMs / 60_000)
      } min with nothing running: no worker is taking jobs from this database.`,
      fix: "Start a worker (`deno task worker`), or run `deno task start`, which includes one.",
    });
  }
  return findings;
}
