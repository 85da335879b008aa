/**
 * Debian's Chromium driven by playwright-core. Nothing is downloaded: a missing browser is an error that says
 * how to install it, never a silent skip.
 */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = Deno.env.get("LOOM_CHROMIUM_PATH") ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `Cannot run browser tests: no Chromium at ${CHROMIUM_PATH}: run "apt-get install -y chromium"`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** Where screenshots go: `test-output/screenshots/`. */
export async function screenshotPath(name: string): Promise<string> {
  const directory = new URL("../../test-output/screenshots/", import.meta.url).pathname;
  await Deno.mkdir(directory, { recursive: true });
  return `${directory}${name}.png`;
}

/** Builds the islands once when a browser test runs on its own (the test task builds them first). */
export async function ensureIslandsBuilt(): Promise<void> {
  const client = new URL("../../static/_islands/client.js", import.meta.url);
  try {
    await Deno.stat(client);
  } catch {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../tools/build_islands.ts", import.meta.url).pathname],
    }).output();
    if (!output.success) throw new Error(`Cannot build islands: ${new TextDecoder().decode(output.stderr)}`);
  }
}
