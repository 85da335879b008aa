/**
 * `deno task repo:add <platform> <owner/name> [--org <slug>] [--installation <id>]`: connects a repository from
 * the command line for an organization — after the platform confirmed that the organization's credential can read
 * it, as the dashboard does (`lib/tenancy/connect.ts`) — and prints the webhook URL and secret to paste into the
 * platform's webhook settings. The repository then shows on that organization's dashboard. `--org` may be left out
 * while the deployment has at most one organization.
 */
import { loadServerConfig } from "../lib/config/env.ts";
import { createLogger } from "../lib/log.ts";
import { openRuntime } from "../lib/runtime.ts";
import { randomSecret } from "../lib/crypto/secret_box.ts";
import { sql } from "../lib/db/mod.ts";
import type { PlatformId } from "../lib/platforms/types.ts";
import { ConnectError, connectRepo } from "../lib/tenancy/connect.ts";

const PLATFORMS: PlatformId[] = [
  "github",
  "gitlab",
  "gitea",
  "bitbucket",
  "bitbucket_server",
  "azure_devops",
];
const USAGE = `Usage: deno task repo:add <${
  PLATFORMS.join("|")
}> <owner/name> [--org <slug>] [--installation <id>]`;

const write = (text: string) => Deno.stdout.write(new TextEncoder().encode(text + "\n"));

function flag(name: string): string | undefined {
  const index = Deno.args.indexOf(name);
  return index >= 0 ? Deno.args[index + 1] : undefined;
}

const positional = Deno.args.filter((arg, index) =>
  !arg.startsWith("--") && !Deno.args[index - 1]?.startsWith("--")
);
const [platform, fullName] = positional;
const installation = flag("--installation");
if (
  !platform || !fullName || !PLATFORMS.includes(platform as PlatformId) ||
  (installation !== undefined && !/^[1-9][0-9]*$/.test(installation))
) {
  await write(USAGE);
  Deno.exit(2);
}
const config = loadServerConfig(Deno.env.toObject());
const runtime = await openRuntime(config, createLogger({ level: "warn" }));
let exitCode = 0;
try {
  const organizations = await runtime.db.query<{ id: unknown; slug: string }>(
    sql`select id, slug from organizations order by id`,
  );
  const slug = flag("--org");
  let organizationId: number | null = null;
  if (slug !== undefined) {
    const found = organizations.find((organization) => organization.slug === slug);
    if (!found) {
      throw new ConnectError(
        400,
        `Cannot find organization "${slug}": known are ${
          organizations.map((o) => o.slug).join(", ") || "none"
        }`,
      );
    }
    organizationId = Number(found.id);
  } else if (organizations.length > 1) {
    throw new ConnectError(
      400,
      `Say which organization the repository is for: --org ${organizations.map((o) => o.slug).join("|")}`,
    );
  } else if (organizations.length === 1) {
    organizationId = Number(organizations[0]!.id);
  }
  // Azure DevOps service hooks carry no signature; Loom checks a custom header set on the subscription instead.
  const secret = platform === "azure_devops"
    ? `header:X-Loom-Webhook-Secret:${randomSecret()}`
    : randomSecret();
  const { repo } = await connectRepo({ db: runtime.db, secretBox: runtime.secretBox, server: config }, {
    organizationId,
    platform: platform as PlatformId,
    fullName,
    webhookSecret: secret,
    installationId: installation === undefined ? null : Number(installation),
  });
  await write(`Connected ${platform}:${repo.fullName} (id ${repo.id}).`);
  await write(
    `Webhook URL:    ${config.publicUrl.replace(/\/$/, "")}/api/webhooks/${platform}?repo=${repo.id}`,
  );
  await write(`Webhook secret: ${secret}`);
  if (platform === "azure_devops") {
    await write(`On each service hook subscription, add the HTTP header: ${secret.slice("header:".length)}`);
  }
} catch (error) {
  if (!(error instanceof ConnectError)) throw error;
  await write(error.message);
  exitCode = 1;
} finally {
  await runtime.close();
}
Deno.exit(exitCode);
