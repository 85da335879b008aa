import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import { Layout } from "../../components/Layout.tsx";

/** Renders a full HTML page around `children`. */
export function renderPage(title: string, children: ComponentChildren): string {
  return "<!doctype html>" + renderToString(<Layout title={title}>{children}</Layout>);
}
