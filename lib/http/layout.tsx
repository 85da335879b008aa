/**
 * The page shell every HTML answer is drawn in: head, header with the navigation and the signed-in user, main,
 * footer, the islands' script. It sits in the web layer beside `renderHtml` (`html.tsx`), which wraps every
 * page and error page in it.
 */
import type { ComponentChildren } from "preact";
import type { Chrome } from "./chrome.ts";

/**
 * The stylesheet, a file under `static/`: the Content-Security-Policy (`renderHtml`) allows styles from this
 * origin only, so neither a `<style>` element nor a `style=""` attribute would be applied.
 */
const STYLESHEET = "/static/loom.css";

const NAV: [string, string][] = [
  ["/", "Dashboard"],
  ["/repos", "Repositories"],
  ["/reviews", "Reviews"],
  ["/prompts", "Prompts"],
  ["/learnings", "Learnings"],
  ["/analytics", "Analytics"],
  ["/settings", "Settings"],
];

// The header's mark as the tab icon; a data URL needs no route and no extra request (the CSP allows `data:` images).
const FAVICON = "data:image/svg+xml," + encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" fill="#4b3fd1"/>' +
    '<path d="M6 5h3v14H6zM10.5 5h3v14h-3zM15 5h3v14h-3z" fill="#fff" opacity=".45"/>' +
    '<path d="M4 8.5h16v2.5H4zM4 13.5h16V16H4z" fill="#fff"/></svg>',
);

export function Layout(
  { title, chrome, children }: { title: string; chrome?: Chrome; children: ComponentChildren },
) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Loom`}</title>
        <link rel="icon" type="image/svg+xml" href={FAVICON} />
        <link rel="stylesheet" href={STYLESHEET} />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">
            <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
              <path d="M4 4h4v16H4zM10 4h4v16h-4zM16 4h4v16h-4z" fill="currentColor" opacity=".35" />
              <path d="M2 8h20v3H2zM2 14h20v3H2z" fill="currentColor" />
            </svg>
            Loom
          </a>
          {chrome && (
            <nav aria-label="Main">
              {NAV.map(([href, label]) => (
                <a href={href} aria-current={chrome.active === href ? "page" : undefined}>{label}</a>
              ))}
            </nav>
          )}
          {chrome && (
            <div class="who">
              {chrome.organizations.length > 1
                ? (
                  <form method="post" action="/account/organization" class="inline">
                    <input type="hidden" name="_csrf" value={chrome.csrfToken} />
                    <label class="check">
                      <span class="skip">Organization</span>
                      <select name="organizationId" aria-label="Organization">
                        {chrome.organizations.map((organization) => (
                          <option
                            value={organization.id}
                            selected={organization.id === chrome.organizationId}
                          >
                            {organization.name}
                          </option>
                        ))}
                      </select>
                    </label>
                    <button type="submit" class="secondary">Switch</button>
                  </form>
                )
                : <span data-testid="organization">{chrome.organizationName}</span>}
              <a href="/account" aria-current={chrome.active === "/account" ? "page" : undefined}>
                {chrome.userName}
              </a>
              <form method="post" action="/logout">
                <input type="hidden" name="_csrf" value={chrome.csrfToken} />
                <button type="submit" class="link">Sign out</button>
              </form>
            </div>
          )}
        </header>
        <main id="main">{children}</main>
        <footer>Loom · self-hosted AI code review</footer>
        <script type="module" src="/static/_islands/client.js"></script>
      </body>
    </html>
  );
}
