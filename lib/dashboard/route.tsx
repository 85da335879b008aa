/**
 * Route wrappers for the dashboard: every page, form action and API route declares what it needs (a signed-in
 * member, a minimum role) and gets the viewer; CSRF is checked on every mutation before the handler runs.
 * Pages answer with HTML (a sign-in redirect, an error page), the API with JSON.
 */
import type { Context } from "hono";
import type { ComponentChildren } from "preact";
import type { AppEnv, RouteHandler } from "../http/define.ts";
import { HttpError } from "../http/errors.ts";
import type { Role } from "../db/organizations.ts";
import { countUsers } from "../db/users.ts";
import { checkSessionCsrf, hasRole, loadViewer, type Viewer } from "../auth/mod.ts";
import type { Chrome } from "../http/chrome.ts";
import { errorResponse, renderHtml } from "../http/html.tsx";

export { renderHtml };
export { formatCost, formatDuration, formatTime } from "./format.ts";

type PageHandler = (c: Context<AppEnv>, viewer: Viewer) => Response | Promise<Response>;

const ROLE_NAMES: Record<Role, string> = { owner: "an owner", admin: "an admin", member: "a member" };

export function chromeFor(viewer: Viewer, active: string): Chrome {
  return {
    active,
    userName: viewer.user.name || viewer.user.email,
    organizationName: viewer.organization.name,
    organizationId: viewer.organization.id,
    csrfToken: viewer.session.csrfToken,
    organizations: viewer.memberships.map((membership) => ({
      id: membership.organization.id,
      name: membership.organization.name,
    })),
  };
}

/** Renders a signed-in page with the navigation header. */
export function renderDashboard(
  c: Context<AppEnv>,
  viewer: Viewer,
  options: { title: string; active: string; status?: number },
  children: ComponentChildren,
): Response {
  return renderHtml(c, options.title, children, {
    chrome: chromeFor(viewer, options.active),
    status: options.status,
  });
}

function errorPage(c: Context<AppEnv>, status: number, message: string, viewer?: Viewer): Response {
  return errorResponse(c, status, message, {
    chrome: viewer ? chromeFor(viewer, "") : undefined,
    html: true,
  });
}

async function signedOut(c: Context<AppEnv>): Promise<Response> {
  if (await countUsers(c.var.deps.db) === 0) return c.redirect("/setup", 303);
  const next = c.req.method === "GET" ? c.req.path + (new URL(c.req.url).search) : "/";
  return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
}

async function withViewer(
  c: Context<AppEnv>,
  role: Role,
  html: boolean,
  run: (viewer: Viewer) => Response | Promise<Response>,
): Promise<Response> {
  const viewer = await loadViewer(c);
  if (!viewer) return html ? await signedOut(c) : c.json({ error: "Sign in first" }, 401);
  if (!viewer.organization) {
    const message = "You are not a member of any organization. Ask an admin for an invitation.";
    return html ? errorPage(c, 403, message) : c.json({ error: message }, 403);
  }
  const member = viewer as Viewer;
  if (!hasRole(member, role)) {
    const message = `This needs ${ROLE_NAMES[role]} of ${member.organization.name}; you are ${
      ROLE_NAMES[member.role]
    }.`;
    return html ? errorPage(c, 403, message, member) : c.json({ error: message }, 403);
  }
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && !await checkSessionCsrf(c, member.session)) {
    const message = "The form expired or came from another site. Reload the page and try again.";
    return html
      ? errorPage(c, 403, message, member)
      : c.json({ error: "Missing or invalid CSRF token" }, 403);
  }
  try {
    return await run(member);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return html
      ? errorPage(c, error.status, error.message, member)
      : c.json({ error: error.message }, error.status as 400);
  }
}

/** A page or form action for members with at least `role` (default: member). */
export function page(handler: PageHandler, options: { role?: Role } = {}): RouteHandler {
  return (c) => withViewer(c, options.role ?? "member", true, (viewer) => handler(c, viewer));
}

/** A JSON API route for members with at least `role`; mutations need the `x-csrf-token` header. */
export function api(handler: PageHandler, options: { role?: Role } = {}): RouteHandler {
  return (c) => withViewer(c, options.role ?? "member", false, (viewer) => handler(c, viewer));
}

/** Parses a positive integer route parameter; anything else is a 404, like a missing row. */
export function idParam(c: Context<AppEnv>, name: string): number {
  const value = c.req.param(name) ?? "";
  if (!/^[1-9][0-9]{0,15}$/.test(value)) throw new HttpError(404, `Cannot find ${name} "${value}"`);
  return Number(value);
}

/** The form fields of a urlencoded or multipart body, strings only. */
export async function formFields(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string") fields[key] = value;
  return fields;
}

/** Fixed notices shown after a redirect (`?notice=key`), so no page echoes arbitrary text from the URL. */
const NOTICES: Record<string, string> = {
  "repo-connected": "Repository connected. Add the webhook below to start reviewing.",
  "installation-claimed": "GitHub confirmed the installation: it now belongs to this organization.",
  "repo-paused": "Reviews are paused for this repository.",
  "repo-resumed": "Reviews are running again for this repository.",
  "repo-disconnected": "Repository disconnected. Its queued and running reviews were cancelled.",
  "review-queued": "A new review is queued.",
  "prompt-saved": "Saved a new version.",
  "learning-saved": "Learning saved. Reviews from now on use it as it is.",
  "learning-deleted": "Learning deleted.",
  "credential-saved": "Saved. The value is encrypted and will not be shown again.",
  "credential-deleted": "Credential deleted.",
  "invitation-created": "Invitation created.",
  "invitation-revoked": "Invitation revoked.",
  "member-updated": "Member updated.",
  "member-removed": "Member removed.",
  "organization-renamed": "Organization renamed.",
  "profile-saved": "Profile saved.",
  "password-changed": "Password changed. Other sessions were signed out.",
  "identity-linked": "Sign-in account linked.",
  "signed-out-everywhere": "Signed out of every other session.",
};

export function Notice({ c, error }: { c: Context<AppEnv>; error?: string | null }) {
  // Only after a redirect: a form re-rendered on POST keeps the URL's old `?notice=`.
  const notice = c.req.method === "GET" ? NOTICES[c.req.query("notice") ?? ""] : undefined;
  return (
    <>
      {notice && <p class="notice ok" role="status">{notice}</p>}
      {error && <p class="notice error" role="alert">{error}</p>}
    </>
  );
}

export function CsrfField({ viewer }: { viewer: Viewer }) {
  return <input type="hidden" name="_csrf" value={viewer.session.csrfToken} />;
}
