/**
 * Typed errors of the audit log. All are terminal: each means the caller passed something the
 * log cannot accept, and retrying the same call cannot succeed. Tampering is not an error:
 * `verify` reports it as data.
 */
import { ConclaveError, type ConclaveErrorOptions } from "../errors.ts";

/** How a value is shown in messages: JSON when possible, cut to 80 characters. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "bigint" ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** An event handed to `append` is invalid; nothing of its batch was written. */
export class InvalidAuditEventError extends ConclaveError {
  /** The field at fault, e.g. "kind" or "data.when". */
  readonly field: string;
  /** Position of the event in the batch. */
  readonly index: number;
  constructor(index: number, field: string, problem: string, options?: ConclaveErrorOptions) {
    super(
      "AUDIT_INVALID_EVENT",
      `Audit event #${index} has an invalid ${field}: ${problem}. Nothing in this batch was ` +
        "written; fix the event and append the batch again.",
      options,
    );
    this.field = field;
    this.index = index;
  }
}

/** A `list` query or `exportAuditJsonl` option is invalid. */
export class InvalidAuditQueryError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("AUDIT_INVALID_QUERY", message, options);
  }
}

/** An audit option is invalid: a content mode, a secret list, a clock. */
export class InvalidAuditOptionError extends ConclaveError {
  constructor(message: string, options?: ConclaveErrorOptions) {
    super("AUDIT_INVALID_OPTION", message, options);
  }
}
