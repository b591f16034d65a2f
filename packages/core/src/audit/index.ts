/**
 * The audit log: the append-only, hash-chained `AuditLog` contract, the pure chain, verify,
 * redaction and export logic the SQL adapters (@conclave/sqlite, @conclave/postgres) share, and
 * the in-memory log.
 */
export {
  AuditAppendQueue,
  type AuditAppendQueueOptions,
  type AuditBatchWriter,
} from "./append-queue.ts";
export {
  AUDIT_FORMAT_VERSION,
  auditEventFromRow,
  auditHash,
  auditPayload,
  auditRowFromEvent,
  type SealedAuditBatch,
  sealAuditEvents,
} from "./chain.ts";
export {
  AUDIT_CONTENT_MODES,
  type AuditContentDigest,
  type AuditContentMode,
  auditContent,
  checkAuditContentMode,
} from "./content.ts";
export {
  InvalidAuditEventError,
  InvalidAuditOptionError,
  InvalidAuditQueryError,
} from "./errors.ts";
export {
  type AuditExportOptions,
  auditJsonlLines,
  auditLine,
  exportAuditJsonl,
  verifyAuditLines,
} from "./export.ts";
export {
  AUDIT_EVENT_KINDS,
  AUDIT_KIND_PATTERN,
  isAuditKind,
  type KnownAuditKind,
} from "./kinds.ts";
export { MemoryAuditLog } from "./memory-audit-log.ts";
export {
  type CheckedAuditQuery,
  checkAuditQuery,
  checkAuditTenant,
  matchesAuditQuery,
} from "./query.ts";
export {
  createRedactor,
  isSecretKey,
  REDACTED,
  type RedactOptions,
  redactSecrets,
} from "./redact.ts";
export type * from "./types.ts";
export { createAuditPreparer, MAX_AUDIT_NAME, type PreparedAuditEvent } from "./validate.ts";
export { AuditChainVerifier, type AuditFinishOptions, verifyAuditRows } from "./verify.ts";
