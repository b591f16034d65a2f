/**
 * How much of a model call's content (prompts, completions, tool arguments) an audit event
 * keeps. Operators choose per deployment: content can be sensitive, and the log is permanent.
 * - `off`: nothing;
 * - `digest`: `{ sha256, chars }`, enough to prove later that a given text was (or was not)
 *   the one sent, without storing it;
 * - `full`: the content itself, with secrets redacted.
 */
import { sha256 } from "../checkpoint/row.ts";
import { encode } from "../serde/encode.ts";
import { InvalidAuditOptionError, showValue } from "./errors.ts";
import { createRedactor, type RedactOptions } from "./redact.ts";

/** The content modes, from least to most kept. */
export const AUDIT_CONTENT_MODES = ["off", "digest", "full"] as const;

/** How much content an audit event keeps. */
export type AuditContentMode = (typeof AUDIT_CONTENT_MODES)[number];

/** The `digest` form of content. */
export interface AuditContentDigest {
  /**
   * Hex SHA-256 of the content: of its UTF-8 text for a string, otherwise of its canonical
   * encoding (`serde/encode`, sorted keys), so equal content always gives the same digest.
   */
  sha256: string;
  /** Length in UTF-16 code units of the text that was hashed. */
  chars: number;
}

/**
 * Checks a content mode read from configuration.
 * @throws InvalidAuditOptionError naming the accepted modes.
 */
export function checkAuditContentMode(mode: unknown): AuditContentMode {
  if (!AUDIT_CONTENT_MODES.includes(mode as AuditContentMode)) {
    throw new InvalidAuditOptionError(
      `Audit content mode must be "off", "digest" or "full", got ${showValue(mode)}; set it in ` +
        "the deployment's audit configuration.",
    );
  }
  return mode as AuditContentMode;
}

/**
 * What an audit event records of `content` under `mode`. Pure.
 * @returns undefined for `off` (leave the field out), a {@link AuditContentDigest} for
 *   `digest`, and a redacted copy of the content for `full`.
 * @throws InvalidAuditOptionError for an unknown mode.
 * @example
 * data.input = auditContent(config.contentMode, messages, { extraSecrets: registry.secrets });
 */
export function auditContent(mode: "off", content: unknown, options?: RedactOptions): undefined;
export function auditContent(
  mode: "digest",
  content: unknown,
  options?: RedactOptions,
): AuditContentDigest;
export function auditContent<T>(mode: "full", content: T, options?: RedactOptions): T;
export function auditContent(
  mode: AuditContentMode,
  content: unknown,
  options?: RedactOptions,
): unknown;
export function auditContent(
  mode: AuditContentMode,
  content: unknown,
  options: RedactOptions = {},
): unknown {
  switch (checkAuditContentMode(mode)) {
    case "off":
      return undefined;
    case "digest": {
      const text = typeof content === "string" ? content : encode(content, "content");
      return { sha256: sha256(text), chars: text.length } satisfies AuditContentDigest;
    }
    case "full":
      return createRedactor(options)(content);
  }
}
