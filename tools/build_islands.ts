/** Bundles `client.ts` and every island into `static/_islands/` with Deno's built-in bundler. */
import { islands } from "../routes.gen.ts";

const root = new URL("../", import.meta.url);
const outdir = new URL("static/_islands/", root);
await Deno.remove(outdir, { recursive: true }).catch(() => {});
const entries = ["client.ts", ...islands.map((name) => `islands/${name}.tsx`)];
const output = await new Deno.Command(Deno.execPath(), {
  args: [
    "bundle",
    "--quiet",
    "--platform=browser",
    "--code-splitting",
    "--minify",
    "--outdir",
    "static/_islands",
    ...entries,
  ],
  cwd: root,
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!output.success) Deno.exit(output.code || 1);
