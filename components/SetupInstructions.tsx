/** Copy-paste webhook setup for each platform, shown when a repository is connected and on its page. */
import type { PlatformId } from "../lib/platforms/types.ts";
import { Island } from "../lib/http/island.tsx";
import CopyField from "../islands/CopyField.tsx";

export const PLATFORM_LABELS: Record<PlatformId, string> = {
  github: "GitHub",
  gitlab: "GitLab",
  gitea: "Gitea / Forgejo",
  bitbucket: "Bitbucket Cloud",
  bitbucket_server: "Bitbucket Data Center",
  azure_devops: "Azure DevOps",
};

const STEPS: Record<PlatformId, (url: string, secret: string) => [string, string | null][]> = {
  github: (url, secret) => [
    ["Open the repository's Settings → Webhooks → Add webhook.", null],
    ["Payload URL:", url],
    ["Content type: application/json. Secret:", secret],
    [
      'Choose "Let me select individual events": Pull requests, Issue comments, Pull request review comments.',
      null,
    ],
  ],
  gitlab: (url, secret) => [
    ["Open the project's Settings → Webhooks → Add new webhook.", null],
    ["URL:", url],
    ["Secret token:", secret],
    ["Triggers: Merge request events and Comments. Keep SSL verification on.", null],
  ],
  gitea: (url, secret) => [
    ["Open the repository's Settings → Webhooks → Add webhook → Gitea.", null],
    ["Target URL (POST, content type application/json):", url],
    ["Secret:", secret],
    ['Trigger on "Custom events": Pull request, Pull request comments, Pull request synchronized.', null],
  ],
  bitbucket: (url, secret) => [
    ["Open Repository settings → Webhooks → Add webhook.", null],
    ["URL:", url],
    ["Secret:", secret],
    ["Triggers: Pull request Created, Updated and Comment created.", null],
  ],
  bitbucket_server: (url, secret) => [
    ["Open Repository settings → Webhooks → Create webhook.", null],
    ["URL:", url],
    ["Secret:", secret],
    [
      "Events: Pull request Opened, Source branch updated, Modified, Merged, Declined, Deleted and Comment added.",
      null,
    ],
  ],
  azure_devops: (url, secret) => [
    ["Open Project settings → Service hooks → Create subscription → Web Hooks.", null],
    [
      'Events: "Pull request created", "Pull request updated" and "Pull request commented on", for this repository.',
      null,
    ],
    ["URL:", url],
    ['Basic authentication: username "loom", password:', secret.replace(/^basic:loom:/, "")],
  ],
};

export function SetupInstructions(
  { platform, webhookUrl, secret }: { platform: PlatformId; webhookUrl: string; secret: string | null },
) {
  return (
    <ol class="setup" data-testid="setup-instructions">
      {STEPS[platform](webhookUrl, secret ?? "").map(([text, value]) => (
        <li>
          {text} {value !== null && (secret !== null || value === webhookUrl
            ? (
              <Island
                of={CopyField}
                name="CopyField"
                props={{ value, label: value === webhookUrl ? "the webhook URL" : "the secret" }}
              />
            )
            : <span class="muted">(shown to admins)</span>)}
        </li>
      ))}
    </ol>
  );
}
