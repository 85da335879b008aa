/**
 * Browser entry: finds island markers rendered by `<Island>` and hydrates each with its serialized props. Each
 * island is its own bundle entry next to this file, loaded only on pages that use it.
 */
import { h, hydrate } from "preact";

for (const element of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = element.dataset.island ?? "";
  const props = JSON.parse(element.dataset.props ?? "{}");
  const url = new URL(`./islands/${name}.js`, import.meta.url).href;
  import(url).then((module) => hydrate(h(module.default, props), element));
}
