/**
 * Remembers, between webhook requests of one process, the repository rows that `?repo=<id>` names and their
 * decrypted webhook secrets, so a webhook costs no lookup query and no AES-GCM decryption. A remembered row is
 * only a starting guess: whatever it leads to is confirmed against the database in the statement that writes the
 * delivery (same secret, platform and name), and a mismatch or a rejection sends the request down the path that
 * reads the row afresh. Plaintexts are keyed by their ciphertext: rotating a secret changes the ciphertext, so a
 * remembered plaintext can never stand in for a new secret. One cache serves one secret box.
 */
import type { Repo } from "../db/repos.ts";

/** Beyond this many repositories (and as many secrets) the oldest is dropped; enough for a large installation. */
const DEFAULT_MAX_ENTRIES = 10_000;

export interface WebhookCache {
  repo(id: number): Repo | undefined;
  rememberRepo(repo: Repo): void;
  forgetRepo(id: number): void;
  /** The plaintext of `ciphertext`, decrypted with `decrypt` the first time only. */
  secret(ciphertext: string, decrypt: (ciphertext: string) => Promise<string>): Promise<string>;
}

export function createWebhookCache(options: { maxEntries?: number } = {}): WebhookCache {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const remember = <K, V>(map: Map<K, V>, key: K, value: V) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > maxEntries) map.delete(map.keys().next().value!);
  };
  const repos = new Map<number, Repo>();
  const secrets = new Map<string, Promise<string>>();
  return {
    repo: (id) => repos.get(id),
    rememberRepo: (repo) => remember(repos, repo.id, repo),
    forgetRepo: (id) => void repos.delete(id),
    secret(ciphertext, decrypt) {
      let plaintext = secrets.get(ciphertext);
      if (!plaintext) {
        plaintext = decrypt(ciphertext);
        remember(secrets, ciphertext, plaintext);
        // A failed decryption is not remembered: the next request tries again and fails the same way.
        plaintext.catch(() => secrets.delete(ciphertext));
      }
      return plaintext;
    },
  };
}
