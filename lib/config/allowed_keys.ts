/**
 * `LOOM_ALLOWED_KEY_ENVS`: the server's API-key variables a repository may name in `api_key_env`, each paired
 * with where it may be sent. A key is an organization's money and identity: when a repository could combine
 * any allowed key with any allowed base URL, one tenant could point another tenant's key at an endpoint it
 * controls and read it from the request. So the pair is the unit:
 *
 * - `NAME` — the key goes only to its provider's own endpoint (a model without `base_url`);
 * - `NAME=https://gateway.example.com/v1` — the key goes only to base URLs under that prefix (same scheme,
 *   host and port, path under the prefix's path). A name may appear several times to allow several endpoints.
 *
 * The variable stays a comma-separated list, so a value written before pairs existed still parses; only the
 * meaning of a bare name narrowed (docs/config.md, "Models and the server allowlists").
 */

/** One allowed key variable and the endpoint it may be sent to; no `baseUrl` means the provider's own. */
export interface AllowedKey {
  name: string;
  baseUrl?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses the entries of `LOOM_ALLOWED_KEY_ENVS` (already split at commas and trimmed).
 * @throws {TypeError} naming the first entry that is not `NAME` or `NAME=<http(s) URL>`
 */
export function parseAllowedKeys(entries: readonly string[]): AllowedKey[] {
  return entries.map((entry, index) => {
    const equals = entry.indexOf("=");
    const name = (equals < 0 ? entry : entry.slice(0, equals)).trim();
    const which = `entry ${index + 1} ("${entry}")`;
    if (!ENV_NAME.test(name)) {
      throw new TypeError(
        `${which} must be a variable name, optionally followed by =<base URL the key may go to>`,
      );
    }
    if (equals < 0) return { name };
    const baseUrl = entry.slice(equals + 1).trim();
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new TypeError(`${which} pairs ${name} with "${baseUrl}", which is not a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new TypeError(`${which} pairs ${name} with a ${url.protocol} URL: use an http or https base URL`);
    }
    if (url.username !== "" || url.password !== "") {
      throw new TypeError(`${which} pairs ${name} with a URL that holds credentials: remove them`);
    }
    return { name, baseUrl };
  });
}
