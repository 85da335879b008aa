/**
 * Who is asking: the session cookie resolved to a user, their organizations and the selected one. Cookies are
 * `HttpOnly; SameSite=Lax; Secure`, except `Secure` is left off when `publicUrl` is plain `http://localhost` (or
 * 127.0.0.1), where browsers would otherwise drop the cookie during local development.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "node:crypto";
import type { AppEnv } from "../http/define.ts";
import type { ServerConfig } from "../config/env.ts";
import { isHttpsPublicUrl, isLocalPublicUrl } from "../http/public_url.ts";
import { parseTrustedProxies, resolveClientAddress } from "../client_address.ts";
import { findSession, randomToken, type Session } from "../db/sessions.ts";
import { getUser, type User } from "../db/users.ts";
import { listMemberships, type Membership, type Organization, type Role } from "../db/organizations.ts";

export const SESSION_COOKIE = "loom_session";
const ORGANIZATION_COOKIE = "loom_org";
/** Double-submit token for forms shown before there is a session (login, setup, invitations). */
const ANONYMOUS_CSRF_COOKIE = "loom_csrf";
export const SESSION_TTL_MS = 14 * 24 * 3_600_000;

export interface Viewer {
  user: User;
  session: Session;
  organization: Organization;
  role: Role;
  memberships: Membership[];
}

/** A viewer signed in but not (or no longer) a member of any organization. */
export interface OrphanViewer {
  user: User;
  session: Session;
  organization: null;
  memberships: [];
}

export function secureCookies(config: ServerConfig): boolean {
  return isHttpsPublicUrl(config.publicUrl) || !isLocalPublicUrl(config.publicUrl);
}

function cookieOptions(config: ServerConfig, maxAgeSeconds?: number) {
  return {
    path: "/",
    httpOnly: true,
    secure: secureCookies(config),
    sameSite: "Lax" as const,
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, cookieOptions(c.var.deps.config, SESSION_TTL_MS / 1000));
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c.var.deps.config));
}

export function setOrganizationCookie(c: Context<AppEnv>, organizationId: number): void {
  setCookie(
    c,
    ORGANIZATION_COOKIE,
    String(organizationId),
    cookieOptions(c.var.deps.config, SESSION_TTL_MS / 1000),
  );
}

const viewers = new WeakMap<Context<AppEnv>, Promise<Viewer | OrphanViewer | null>>();

/** The signed-in user with the selected organization (the `loom_org` cookie, if still a member, else the first). */
export function loadViewer(c: Context<AppEnv>): Promise<Viewer | OrphanViewer | null> {
  let viewer = viewers.get(c);
  if (!viewer) {
    viewer = resolveViewer(c);
    viewers.set(c, viewer);
  }
  return viewer;
}

async function resolveViewer(c: Context<AppEnv>): Promise<Viewer | OrphanViewer | null> {
  const { db, now } = c.var.deps;
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const session = await findSession(db, token, now);
  if (!session) return null;
  const user = await getUser(db, session.userId);
  if (!user) return null;
  const memberships = await listMemberships(db, user.id);
  if (memberships.length === 0) return { user, session, organization: null, memberships: [] };
  const wanted = Number(getCookie(c, ORGANIZATION_COOKIE));
  const selected = memberships.find((membership) => membership.organization.id === wanted) ?? memberships[0]!;
  return { user, session, organization: selected.organization, role: selected.role, memberships };
}

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

export function hasRole(viewer: Viewer, role: Role): boolean {
  return RANK[viewer.role] >= RANK[role];
}

function equalTokens(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** The CSRF token a mutation sent: the `x-csrf-token` header (islands) or the `_csrf` form field. */
async function submittedCsrfToken(c: Context<AppEnv>): Promise<string> {
  const header = c.req.header("x-csrf-token");
  if (header) return header;
  const type = c.req.header("content-type") ?? "";
  if (type.includes("application/x-www-form-urlencoded") || type.includes("multipart/form-data")) {
    const form = await c.req.parseBody();
    return typeof form._csrf === "string" ? form._csrf : "";
  }
  return "";
}

export async function checkSessionCsrf(c: Context<AppEnv>, session: Session): Promise<boolean> {
  return equalTokens(await submittedCsrfToken(c), session.csrfToken);
}

/** The anonymous double-submit token, created (and its cookie set) on first use. */
export function anonymousCsrfToken(c: Context<AppEnv>): string {
  const existing = getCookie(c, ANONYMOUS_CSRF_COOKIE);
  if (existing && /^[0-9a-f]{64}$/.test(existing)) return existing;
  const token = randomToken();
  setCookie(c, ANONYMOUS_CSRF_COOKIE, token, cookieOptions(c.var.deps.config, 24 * 3600));
  return token;
}

export async function checkAnonymousCsrf(c: Context<AppEnv>): Promise<boolean> {
  return equalTokens(await submittedCsrfToken(c), getCookie(c, ANONYMOUS_CSRF_COOKIE) ?? "");
}

/**
 * The client's address: the TCP peer, or behind `LOOM_TRUSTED_PROXIES` the address they forwarded (see
 * `resolveClientAddress`); a client's own `X-Forwarded-For` is never believed.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  const peer = info?.remoteAddr?.hostname ?? "unknown";
  const proxies = c.var.deps.config.trustedProxies;
  if (proxies.length === 0) return peer;
  return resolveClientAddress(peer, c.req.header("x-forwarded-for"), parseTrustedProxies(proxies));
}
