/**
 * Shortens a text to a platform's limit, ending it in `…` so a reader sees it was cut. Platforms refuse an
 * over-long field outright (GitHub's 140-character status description, a check run's 65,535-character summary,
 * Bitbucket's 2,000-character report details), so every adapter cuts with this before it sends.
 */
export function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
