/**
 * `deno task repo:add <platform> <owner/name>`: connects a repository from the command line and prints the
 * webhook URL and secret to paste into the platform's webhook settings. The dashboard does the same.
 */
import { loadServerConfig } from "../lib/config/env.ts";
import { createLogger } from "../lib/log.ts";
import { openRuntime } from "../lib/runtime.ts";
import { randomSecret } from "../lib/crypto/secret_box.ts";
import { createRepo, findRepo } from "../lib/db/repos.ts";
import type { PlatformId } from "../lib/platforms/types.ts";
import { configuredHost } from "../lib/platforms/hosts.ts";
import { PUBLIC_PLATFORM_HOSTS } from "../lib/platform_id.ts";

const PLATFORMS: PlatformId[] = [
  "github",
  "gitlab",
  "gitea",
  "bitbucket",
  "bitbucket_server",
  "azure_devops",
];
const [platform, fullName] = Deno.args;
const write = (text: string) => Deno.stdout.write(new TextEncoder().encode(text + "\n"));
if (!platform || !fullName || !PLATFORMS.includes(platform as PlatformId)) {
  await write(`Usage: deno task repo:add <${PLATFORMS.join("|")}> <owner/name> [--installation <id>]`);
  Deno.exit(2);
}
const config = loadServerConfig(Deno.env.toObject());
const runtime = await openRuntime(config, createLogger({ level: "warn" }));
try {
  const host = configuredHost(platform as PlatformId, config) ??
    PUBLIC_PLATFORM_HOSTS[platform as PlatformId];
  const existing = await findRepo(runtime.db, platform as PlatformId, fullName, host);
  if (existing) {
    await write(`Repository ${platform}:${fullName} is already connected (id ${existing.id}).`);
    Deno.exit(1);
  }
  const installationFlag = Deno.args.indexOf("--installation");
  // Azure DevOps service hooks carry no signature; Loom checks a custom header set on the subscription instead.
  const secret = platform === "azure_devops"
    ? `header:X-Loom-Webhook-Secret:${randomSecret()}`
    : randomSecret();
  const repo = await createRepo(runtime.db, {
    platform: platform as PlatformId,
    host,
    fullName,
    webhookSecret: await runtime.secretBox.encrypt(secret),
    installationId: installationFlag > 0 ? Number(Deno.args[installationFlag + 1]) : null,
  });
  await write(`Connected ${platform}:${fullName} (id ${repo.id}).`);
  await write(
    `Webhook URL:    ${config.publicUrl.replace(/\/$/, "")}/api/webhooks/${platform}?repo=${repo.id}`,
  );
  await write(`Webhook secret: ${secret}`);
  if (platform === "azure_devops") {
    await write(`On each service hook subscription, add the HTTP header: ${secret.slice("header:".length)}`);
  }
} finally {
  await runtime.close();
}
