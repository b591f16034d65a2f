/**
 * @conclave/runtime: durable runs and their queue over a platform store (SQLite or
 * PostgreSQL), workers with leases and fencing, multitask strategies, crons and run streams.
 */

export {
  type ApprovalAction,
  ApprovalInbox,
  type ApprovalVerdict,
  type PendingApproval,
  resumeValue,
} from "./approvals.ts";
export { type AuditDurability, type AuditOptions, AuditSink } from "./audit-sink.ts";
export { type CronRequest, CronScheduler, createCron, nextFiring } from "./crons.ts";
export { auditEventsOf, ModePolicy } from "./governance.ts";
export {
  applyEnv,
  type GraphSpec,
  importGraph,
  parseGraphSpec,
  readLangGraphJson,
  registerGraphs,
} from "./graph-discovery.ts";
export {
  type AnyCompiledGraph,
  type GraphFactoryContext,
  GraphRegistry,
  type GraphSource,
  type RegisteredGraph,
} from "./graph-registry.ts";
export { defaultAssistantId, newId, uuid5 } from "./ids.ts";
export {
  DEFAULT_DATABASE_URL,
  isPostgresUrl,
  maskUrl,
  type OpenPlatformOptions,
  openPlatform,
  type Platform,
} from "./open-platform.ts";
export {
  DEFAULT_RESERVATION_MAX_AGE_MS,
  type ReservationExpiryOptions,
} from "./reservation-expiry.ts";
export { type RunEvent, RunEventBus, type RunEventBusOptions } from "./run-events.ts";
export { ROLLED_BACK } from "./run-executor.ts";
export { Runtime, type RuntimeOptions, TERMINAL_STATUSES } from "./runtime.ts";
export type { RuntimeLogger } from "./runtime-context.ts";
export { mergeConfig, type SubmitRequest } from "./submit.ts";
export { tenantLabel, tenantStore } from "./tenant-store.ts";
export { copyCheckpoints, copyThread } from "./thread-copy.ts";
export { isUnavailable } from "./unavailable.ts";
export {
  bodyFor,
  type DeliveryResult,
  deliver,
  formatOf,
  runPayload,
  signature,
  type WebhookFormat,
  type WebhookOptions,
} from "./webhooks.ts";
export { Worker, type WorkerOptions } from "./worker.ts";
