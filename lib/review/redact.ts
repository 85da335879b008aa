/**
 * Redacts values that look like credentials before any pull-request text leaves the machine. A key committed by
 * mistake must not end up in an LLM provider's logs; the summary tells the author what was found instead.
 * `redactMessages` is the one call site for model prompts: review steps and `@loom explain` both go through it.
 */
import type { ChatMessage } from "../llm/types.ts";

/** What kind of secret a redaction replaced; shown as `[REDACTED:<kind>]`. */
export type SecretKind =
  | "private_key"
  | "aws_access_key"
  | "aws_secret_key"
  | "github_token"
  | "gitlab_token"
  | "slack_token"
  | "slack_webhook"
  | "openai_key"
  | "stripe_key"
  | "url_credentials"
  | "twilio_key"
  | "sendgrid_key"
  | "npm_token"
  | "pypi_token"
  | "google_api_key"
  | "jwt"
  | "generic_secret";

/** The redacted text and how many values of each kind were replaced. */
export interface RedactionResult {
  text: string;
  counts: Partial<Record<SecretKind, number>>;
}

interface Rule {
  kind: SecretKind;
  pattern: RegExp;
  /** Which capture group is the secret; the whole match when absent. */
  group?: number;
  /** Extra check on the captured value, for patterns that also match ordinary code. */
  accept?: (value: string) => boolean;
}

// Assignments to names like `api_key`, `client_secret`, `DB_PASSWORD`; the value alone is replaced.
const SECRET_NAME = String
  .raw`[A-Za-z0-9_.-]*(?:api[_-]?key|apikey|secret|token|passwd|password|access[_-]?key|private[_-]?key|auth)[A-Za-z0-9_.-]*`;

const RULES: Rule[] = [
  {
    kind: "private_key",
    // An unterminated block (a chunk that ends inside the key) is redacted to the end of the text.
    pattern:
      /-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)/g,
  },
  {
    kind: "aws_access_key",
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/g,
  },
  {
    kind: "aws_secret_key",
    pattern: /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  { kind: "github_token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  {
    kind: "gitlab_token",
    pattern: /\bgl(?:pat|dt|rt|ptt|ft|soat|cbt|imt|oas|agent)-[A-Za-z0-9_-]{20,}/g,
  },
  { kind: "slack_token", pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  {
    kind: "slack_webhook",
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9_/-]{20,}/g,
  },
  { kind: "openai_key", pattern: /\bsk-(?:proj-|ant-(?:api|admin)\d+-)?[A-Za-z0-9_-]{32,}/g },
  // Secret and restricted keys, live and test; publishable `pk_` keys are meant to be public.
  { kind: "stripe_key", pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}\b/g },
  {
    kind: "url_credentials",
    // `scheme://user:password@host`: the password alone is replaced, so the model still sees which service.
    pattern: /\b[a-z][a-z0-9+.-]{1,30}:\/\/[^\s:/?#@'"`]*:([^\s/?#@'"`]+)@[^\s/?#'"`]/gi,
    group: 1,
  },
  // API key SIDs (`SK` + 32 hex); account SIDs (`AC…`) are identifiers, their auth tokens are caught as assignments.
  { kind: "twilio_key", pattern: /\bSK[0-9a-fA-F]{32}\b/g },
  { kind: "sendgrid_key", pattern: /\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}/g },
  { kind: "npm_token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: "pypi_token", pattern: /\bpypi-[A-Za-z0-9_-]{50,}/g },
  { kind: "google_api_key", pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  {
    kind: "generic_secret",
    pattern: new RegExp(
      // Quotes may arrive escaped (`api_key = \"…\"`) once a title has been JSON-encoded into a prompt.
      String.raw`${SECRET_NAME}\\?["']?\s*(?::=|=>|[:=])\s*\\?(["'\x60])([^"'\x60\s\[\\]{12,})\\?\1`,
      "gi",
    ),
    group: 2,
    accept: looksRandom,
  },
  {
    kind: "generic_secret",
    // Unquoted `.env` and YAML style; dotted expressions such as `process.env.API_KEY` are not values.
    pattern: new RegExp(
      String.raw`${SECRET_NAME}\s*[:=]\s*([A-Za-z0-9+/=_-]{16,})(?![A-Za-z0-9+/=_.(-])`,
      "gi",
    ),
    group: 1,
    accept: looksRandom,
  },
];

/** Bits of Shannon entropy per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Whether a value looks generated rather than written: high entropy and at least two character classes, so
 * `"changeme-please"` or `"process_environment"` stay while `"q8Xv2…"` goes.
 */
export function looksRandom(value: string): boolean {
  if (value.startsWith("[REDACTED:")) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(value)).length;
  return classes >= 2 && /[0-9]/.test(value) && entropy(value) >= 3.5;
}

/**
 * Replaces secret-looking values in `text` with `[REDACTED:<kind>]`: private key blocks, AWS access keys and
 * secret keys, GitHub, GitLab, Slack, OpenAI/Anthropic, Stripe, Twilio, SendGrid, npm, PyPI and Google tokens,
 * Slack webhooks, passwords in URLs, JWTs, and high-entropy values assigned to names such as `api_key`,
 * `secret` or `password`.
 */
export function redactSecrets(text: string): RedactionResult {
  const counts: Partial<Record<SecretKind, number>> = {};
  let result = text;
  for (const rule of RULES) {
    result = result.replace(rule.pattern, (match: string, ...groups: unknown[]) => {
      const value = rule.group === undefined ? match : String(groups[rule.group - 1] ?? "");
      if (value === "" || (rule.accept !== undefined && !rule.accept(value))) return match;
      counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
      const replacement = `[REDACTED:${rule.kind}]`;
      if (rule.group === undefined) return replacement;
      const at = match.lastIndexOf(value);
      return match.slice(0, at) + replacement + match.slice(at + value.length);
    });
  }
  return { text: result, counts };
}

/** Adds `more` into `into`, kind by kind. */
export function addRedactionCounts(
  into: Partial<Record<SecretKind, number>>,
  more: Partial<Record<SecretKind, number>>,
): void {
  for (const [kind, count] of Object.entries(more) as [SecretKind, number][]) {
    into[kind] = (into[kind] ?? 0) + count;
  }
}

/**
 * Redacts every message of a model call: the one way prompt text reaches a provider. The system message is
 * redacted too, since persona and step prompts come from the repository.
 */
export function redactMessages(messages: readonly ChatMessage[]): {
  messages: ChatMessage[];
  counts: RedactionResult["counts"];
} {
  const counts: RedactionResult["counts"] = {};
  const redacted = messages.map((message) => {
    const result = redactSecrets(message.content);
    addRedactionCounts(counts, result.counts);
    return { ...message, content: result.text };
  });
  return { messages: redacted, counts };
}
