/**
 * GitHub's web host for its API URL, where people sign in and browse: `https://github.com` for
 * `api.github.com`, else the URL without `/api/v3` (GitHub Enterprise Server serves both from one host).
 */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return "https://github.com";
  return (url.origin + url.pathname).replace(/\/+$/, "").replace(/\/api\/v3$/, "");
}
