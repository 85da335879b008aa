/**
 * The page shell every HTML answer is drawn in: head, header with the navigation and the signed-in user, main,
 * footer, the islands' script. It sits in the web layer beside `renderHtml` (`html.tsx`), which wraps every
 * page and error page in it.
 */
import type { ComponentChildren } from "preact";
import type { Chrome } from "./chrome.ts";

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f6f8; --fg: #1d1d21; --muted: #5f6068; --card: #fff; --line: #e2e2e8;
  --accent: #4b3fd1; --accent-fg: #fff; --accent-soft: #ecebff; --ok: #18794e; --warn: #a35400; --bad: #c4321c;
  --code: #f0f0f4; --radius: .6rem; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
@media (prefers-color-scheme: dark) { :root { --bg: #131317; --fg: #ececf1; --muted: #a0a0ab; --card: #1c1c22;
  --line: #2e2e38; --accent: #9d94ff; --accent-fg: #131317; --accent-soft: #25233f; --ok: #4cc38a; --warn: #f0a541;
  --bad: #ff6b55; --code: #24242c; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.5; font-size: 15px; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible {
  outline: 2px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; z-index: 9; background: var(--card); padding: .25rem .5rem; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; padding: .6rem 1.5rem;
  border-bottom: 1px solid var(--line); background: var(--card); }
header.top .brand { font-weight: 750; letter-spacing: .02em; color: var(--accent); text-decoration: none; font-size: 1.15rem;
  display: flex; align-items: center; gap: .4rem; }
header.top nav { display: flex; flex-wrap: wrap; gap: .15rem; }
header.top nav a { color: var(--muted); text-decoration: none; padding: .3rem .6rem; border-radius: .4rem; }
header.top nav a:hover { color: var(--fg); background: var(--bg); }
header.top nav a[aria-current="page"] { color: var(--fg); background: var(--accent-soft); font-weight: 600; }
header.top .who { margin-left: auto; display: flex; align-items: center; gap: .75rem; color: var(--muted); font-size: .9rem; }
header.top .who form { margin: 0; }
main { max-width: 74rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: .25rem 0 1rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .6rem; }
.page-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .5rem 1rem; }
.page-head p { margin: 0; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line);
  border-radius: var(--radius); overflow: hidden; }
th, td { text-align: left; padding: .55rem .75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: .85rem; }
tr:last-child td { border-bottom: 0; }
.table-wrap { overflow-x: auto; }
.pill { display: inline-block; padding: 0 .55rem; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor;
  white-space: nowrap; }
.pill.completed, .pill.active, .pill.info { color: var(--ok); }
.pill.running, .pill.in_progress, .pill.pending, .pill.paused, .pill.warning, .pill.skipped { color: var(--warn); }
.pill.failed, .pill.cancelled, .pill.blocker, .pill.partial { color: var(--bad); }
.pill.queued { color: var(--muted); }
.copy-field { display: flex; gap: .5rem; align-items: flex-start; } .copy-field pre { flex: 1; min-width: 0; margin: .3rem 0;
  overflow-wrap: anywhere; } .copy-field button { margin-top: .3rem; white-space: nowrap; }
.attention { border-left: 4px solid var(--bad); }
.attention h2 { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: baseline; }
ul.checks { list-style: none; margin: 0; padding: 0; display: grid; gap: .6rem; }
ul.checks li { display: grid; gap: .1rem; }
ul.checks li.warning strong { color: var(--warn); } ul.checks li.error strong { color: var(--bad); }
.status-line { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem; margin: 0 0 1rem; }
.markdown > :first-child { margin-top: 0; } .markdown > :last-child { margin-bottom: 0; }
.markdown pre { overflow-x: auto; } .markdown blockquote { margin: .5rem 0; padding-left: .8rem;
  border-left: 3px solid var(--line); color: var(--muted); }
.markdown .md-heading { font-weight: 700; }
.muted { color: var(--muted); } .small { font-size: .85rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 1rem; margin-bottom: 1.5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem 1.1rem; }
.cards .card strong { display: block; font-size: 1.6rem; } .cards .card strong.small { font-size: 1.1rem; }
a.card { color: inherit; text-decoration: none; } a.card:hover, a.card:focus-visible { border-color: var(--accent); }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.1rem 1.25rem;
  margin-bottom: 1rem; }
.panel > h2:first-child, .panel > h3:first-child { margin-top: 0; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(20rem, 100%), 1fr)); gap: 1rem; }
.grid-editor { display: grid; grid-template-columns: minmax(0, 2fr) minmax(14rem, 1fr); gap: 1rem; }
@media (max-width: 48rem) { .grid-editor { grid-template-columns: minmax(0, 1fr); } }
form.stack { display: grid; gap: .8rem; max-width: 32rem; }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: 0; }
label { display: grid; gap: .25rem; font-weight: 600; font-size: .9rem; }
label.check { display: flex; align-items: center; gap: .4rem; font-weight: 400; }
input, select, textarea { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line);
  border-radius: .45rem; padding: .45rem .6rem; width: 100%; font-weight: 400; }
form.stack button { justify-self: start; }
form.inline.panel { margin-bottom: 1rem; padding: .9rem 1.1rem; }
.features h2 { margin-top: 0; }
textarea { min-height: 14rem; font-family: ui-monospace, "SF Mono", Menlo, monospace; font-size: .88rem; }
form.inline input, form.inline select { width: auto; }
button, .button { font: inherit; cursor: pointer; border-radius: .45rem; padding: .45rem .9rem; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-fg); font-weight: 600; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.danger { background: transparent; color: var(--bad); border-color: var(--bad); }
button.link { background: none; border: 0; padding: 0; color: var(--muted); font-weight: 400; text-decoration: underline; }
.notice { border-radius: var(--radius); padding: .6rem .9rem; margin-bottom: 1rem; border: 1px solid var(--line); background: var(--card); }
.notice.error { border-color: var(--bad); color: var(--bad); } .notice.ok { border-color: var(--ok); color: var(--ok); }
code, pre { font-family: ui-monospace, "SF Mono", Menlo, monospace; font-size: .86rem; }
code { background: var(--code); padding: .05rem .3rem; border-radius: .3rem; }
pre { background: var(--code); padding: .75rem 1rem; border-radius: var(--radius); overflow-x: auto; white-space: pre-wrap; }
.finding { border-left: 4px solid var(--line); padding: .6rem 1rem; margin: .6rem 0; background: var(--card);
  border-radius: 0 var(--radius) var(--radius) 0; }
.finding.blocker { border-left-color: var(--bad); } .finding.warning { border-left-color: var(--warn); }
.finding.info { border-left-color: var(--ok); }
.finding h3 { font-size: 1rem; margin: .1rem 0 .3rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.auth { max-width: 26rem; margin: 3rem auto; } .auth .panel { padding: 1.6rem; }
.oauth { display: grid; gap: .5rem; margin-top: 1rem; }
.hero { text-align: center; padding: 3.5rem 1rem 2rem; } .hero h1 { font-size: 2.4rem; margin-bottom: .5rem; }
.hero p { font-size: 1.15rem; color: var(--muted); max-width: 40rem; margin: 0 auto 1.5rem; }
.features { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 1rem; }
.chart { min-height: 230px; } .chart .u-legend { font-size: .8rem; }
.bar { height: .55rem; border-radius: 999px; background: var(--accent); }
.uplot, .uplot *, .uplot *::before, .uplot *::after { box-sizing: border-box; }
.uplot { font-family: inherit; line-height: 1.5; width: min-content; }
.u-title { text-align: center; font-size: 15px; font-weight: bold; }
.u-wrap { position: relative; user-select: none; } .u-over, .u-under { position: absolute; }
.u-under { overflow: hidden; } .uplot canvas { display: block; position: relative; width: 100%; height: 100%; }
.u-axis { position: absolute; } .u-legend { font-size: 14px; margin: auto; text-align: center; }
.u-inline { display: block; } .u-inline * { display: inline-block; } .u-inline tr { margin-right: 16px; }
.u-legend th { font-weight: 600; } .u-legend th > * { vertical-align: middle; display: inline-block; }
.u-legend .u-marker { width: 1em; height: 1em; margin-right: 4px; background-clip: padding-box !important; }
.u-inline.u-live th::after { content: ":"; vertical-align: middle; } .u-inline:not(.u-live) .u-value { display: none; }
.u-series > * { padding: 4px; } .u-series th { cursor: pointer; } .u-legend .u-off > * { opacity: 0.3; }
.u-select { background: rgba(0,0,0,0.07); position: absolute; pointer-events: none; }
.u-cursor-x, .u-cursor-y { position: absolute; left: 0; top: 0; pointer-events: none; will-change: transform; }
.u-hz .u-cursor-x, .u-vt .u-cursor-y { height: 100%; border-right: 1px dashed #607D8B; }
.u-hz .u-cursor-y, .u-vt .u-cursor-x { width: 100%; border-bottom: 1px dashed #607D8B; }
.u-cursor-pt { position: absolute; top: 0; left: 0; border-radius: 50%; border: 0 solid; pointer-events: none; will-change: transform; background-clip: padding-box !important; }
.u-axis.u-off, .u-select.u-off, .u-cursor-x.u-off, .u-cursor-y.u-off, .u-cursor-pt.u-off { display: none; }
footer { text-align: center; color: var(--muted); font-size: .8rem; padding: 2rem 1rem; }
@media (max-width: 640px) { main { padding: 1rem; } header.top { padding: .6rem 1rem; } header.top .who { margin-left: 0; } }
`;

/** A constant stylesheet, never user input: as a text child Preact would escape its `>` selectors. */
const STYLE_PROPS = { dangerouslySetInnerHTML: { __html: STYLE } };

const NAV: [string, string][] = [
  ["/", "Dashboard"],
  ["/repos", "Repositories"],
  ["/reviews", "Reviews"],
  ["/prompts", "Prompts"],
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
        <style {...STYLE_PROPS} />
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
