import type { ComponentChildren } from "preact";

const STYLE = `
:root { color-scheme: light dark; --bg: #f7f7f8; --fg: #1d1d21; --muted: #5f6068; --card: #fff; --line: #e3e3e8;
  --accent: #4b3fd1; --ok: #18794e; --warn: #b25f00; --bad: #c4321c; font-family: system-ui, sans-serif; }
@media (prefers-color-scheme: dark) { :root { --bg: #141418; --fg: #ececf1; --muted: #a0a0ab; --card: #1d1d23;
  --line: #2c2c35; --accent: #9d94ff; --ok: #4cc38a; --warn: #f0a541; --bad: #ff6b55; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.5; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line);
  background: var(--card); }
header a { color: var(--fg); text-decoration: none; }
header .brand { font-weight: 700; letter-spacing: .02em; color: var(--accent); }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: .5rem .75rem; border-bottom: 1px solid var(--line); font-size: .95rem; }
th { color: var(--muted); font-weight: 600; }
.pill { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor; }
.pill.completed { color: var(--ok); } .pill.running, .pill.in_progress, .pill.pending { color: var(--warn); }
.pill.failed, .pill.cancelled { color: var(--bad); }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 1rem; margin-bottom: 1.5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; }
.card strong { display: block; font-size: 1.6rem; }
`;

export function Layout({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Loom`}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <header>
          <a class="brand" href="/">Loom</a>
          <nav>
            <a href="/">Reviews</a>
          </nav>
        </header>
        <main>{children}</main>
        <script type="module" src="/static/_islands/client.js"></script>
      </body>
    </html>
  );
}
