/**
 * Secret redaction, applied to every audit event before it is hashed or stored. Two rules:
 * - a value under a secret-looking key (api_key, Authorization, password, token, cookie...,
 *   compared case-insensitively and ignoring "-", "_" and ".") is replaced whole;
 * - inside every string, secret-looking substrings (OpenAI and Anthropic keys, "Bearer ..."
 *   credentials, GitHub, AWS, Google and Slack tokens, JWTs) and the registered secret values
 *   are replaced.
 * Both replace with {@link REDACTED}. Redaction errs on the side of hiding: a false positive
 * costs a readable word in the log, a false negative leaks a credential into a permanent record.
 */
import { InvalidAuditOptionError, showValue } from "./errors.ts";

/** What a redacted value or substring becomes. */
export const REDACTED = "[REDACTED]";

/** Options of {@link redactSecrets}. */
export interface RedactOptions {
  /** Exact secret values (for example the API keys a registry loaded) to redact anywhere. */
  extraSecrets?: readonly string[];
}

/** Normalised key fragments (lower case, no separators) that mark a secret anywhere in a key. */
const SECRET_KEY_PARTS = [
  "apikey",
  "authorization",
  "password",
  "passwd",
  "passphrase",
  "secret",
  "cookie",
  "privatekey",
  "credential",
  "sessionid",
];
/** Keys that are secrets only as a whole word ("auth", but not "author"). */
const SECRET_KEYS = new Set(["auth", "pass", "pwd", "jwt"]);

/** Substrings that are credentials wherever they appear. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{4,}/g, // OpenAI (sk-, sk-proj-) and Anthropic (sk-ant-) keys
  /\bbearer\s+[A-Za-z0-9._~+/=-]+/gi, // HTTP bearer credentials
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, // GitHub tokens
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bAIza[0-9A-Za-z_-]{35}/g, // Google API keys
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, // JWTs
];

/** Whether a property name looks like it holds a secret. Pure. */
export function isSecretKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/[-_.\s]/g, "");
  if (SECRET_KEYS.has(normalised) || normalised.endsWith("token")) return true;
  return SECRET_KEY_PARTS.some((part) => normalised.includes(part));
}

/**
 * Builds a redactor once (patterns plus the registered secrets), for logs that redact every
 * event. The returned function is pure and never mutates its input.
 * @throws InvalidAuditOptionError when extraSecrets is not an array of strings.
 */
export function createRedactor(options: RedactOptions = {}): <T>(value: T) => T {
  const secrets = checkSecrets(options.extraSecrets);
  const redactString = (text: string): string => {
    let out = text;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED);
    return out;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return redactString(value);
    if (Array.isArray(value)) return value.map(walk);
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = item !== null && item !== undefined && isSecretKey(key) ? REDACTED : walk(item);
    }
    return out;
  };
  return <T>(value: T) => walk(value) as T;
}

/**
 * Returns a copy of `value` with secrets replaced by "[REDACTED]": values under secret-looking
 * keys, secret-looking substrings of strings, and every `extraSecrets` value. Pure. Arrays and
 * plain objects are copied; other objects (Date, Map...) are returned as they are.
 * @example
 * redactSecrets({ headers: { Authorization: "Bearer abc" }, note: "key sk-ant-api03-xyz" });
 * // { headers: { Authorization: "[REDACTED]" }, note: "key [REDACTED]" }
 */
export function redactSecrets<T>(value: T, options: RedactOptions = {}): T {
  return createRedactor(options)(value);
}

function checkSecrets(secrets: unknown): string[] {
  if (secrets === undefined) return [];
  if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== "string")) {
    throw new InvalidAuditOptionError(
      `extraSecrets must be an array of strings, got ${showValue(secrets)}; pass the secret ` +
        "values themselves, e.g. [process.env.OPENAI_API_KEY].",
    );
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...new Set(secrets as string[])]
    .filter((s) => s !== "")
    .sort((a, b) => b.length - a.length);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
