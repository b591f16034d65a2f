/**
 * Input checks shared by every AuditLog, so the same bad input fails the same way (same class,
 * code and message) on memory, SQLite and PostgreSQL. `createAuditPreparer` turns the events of
 * an `append` into rows ready to chain: validated, timestamped, normalised to plain JSON,
 * redacted and encoded. Everything that can fail happens here, before any write.
 */
import { randomUUID } from "node:crypto";
import { encode } from "../serde/encode.ts";
import { InvalidAuditEventError, InvalidAuditOptionError, showValue } from "./errors.ts";
import { isAuditKind } from "./kinds.ts";
import { createRedactor } from "./redact.ts";
import type { AuditLogOptions, AuditRow, NewAuditEvent } from "./types.ts";

/** A row before the log chains it: everything but its seq and hashes. */
export type PreparedAuditEvent = Omit<AuditRow, "seq" | "prevHash" | "hash">;

/** Longest tenant, actor, run or thread id accepted. */
export const MAX_AUDIT_NAME = 256;
// Control characters would make ids ambiguous in logs and exports, and PostgreSQL text
// refuses NUL outright: rejecting them here keeps one bad event from failing a shared batch.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Builds the function `append` runs first. Pure apart from the clock and random ids.
 * @throws InvalidAuditOptionError for a clock that is not a function or a bad secret list.
 */
export function createAuditPreparer(
  options: AuditLogOptions = {},
): (events: readonly NewAuditEvent[]) => PreparedAuditEvent[] {
  const redact = createRedactor({ extraSecrets: options.extraSecrets });
  const now = options.now ?? (() => new Date());
  if (typeof now !== "function") {
    throw new InvalidAuditOptionError(
      `The audit log's now option must be a function returning a Date, got ${showValue(now)}.`,
    );
  }
  return (events) => {
    if (!Array.isArray(events)) {
      throw new InvalidAuditEventError(0, "batch", `expected an array, got ${showValue(events)}`);
    }
    return events.map((event, index) => prepareOne(event, index, redact, now));
  };
}

function prepareOne(
  event: NewAuditEvent,
  index: number,
  redact: <T>(value: T) => T,
  now: () => Date,
): PreparedAuditEvent {
  if (typeof event !== "object" || event === null) {
    throw new InvalidAuditEventError(index, "event", `expected an object, got ${showValue(event)}`);
  }
  if (!isAuditKind(event.kind)) {
    throw new InvalidAuditEventError(
      index,
      "kind",
      `${showValue(event.kind)} is not a dotted lower-case name; use e.g. "run.created"`,
    );
  }
  const actor = event.actor === null ? null : checkName(index, "actor", event.actor);
  const data = event.data === undefined ? {} : event.data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new InvalidAuditEventError(index, "data", `expected an object, got ${showValue(data)}`);
  }
  return {
    tenant: checkName(index, "tenant", event.tenant),
    id: randomUUID(),
    ts: checkTs(index, event.ts ?? now()),
    kind: event.kind,
    actor: actor === null ? null : redact(actor),
    runId: event.runId === undefined ? null : checkName(index, "runId", event.runId),
    threadId: event.threadId === undefined ? null : checkName(index, "threadId", event.threadId),
    data: encode(redact(toJson(data, "data", index, new Set()))),
  };
}

function checkName(index: number, field: string, value: unknown): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_AUDIT_NAME) {
    throw new InvalidAuditEventError(
      index,
      field,
      `expected a non-empty string of at most ${MAX_AUDIT_NAME} characters, got ${showValue(value)}`,
    );
  }
  if (CONTROL.test(value)) {
    throw new InvalidAuditEventError(
      index,
      field,
      `${showValue(value)} contains a control character`,
    );
  }
  return value;
}

/** Normalises a time to `toISOString()` text, which sorts as text in time order. */
function checkTs(index: number, value: unknown): string {
  const date =
    value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  const iso = date !== undefined && !Number.isNaN(date.getTime()) ? date.toISOString() : "";
  if (!ISO_UTC.test(iso)) {
    throw new InvalidAuditEventError(
      index,
      "ts",
      `expected a Date or ISO-8601 string in years 0000-9999, got ${showValue(value)}`,
    );
  }
  return iso;
}

/**
 * Converts event data to plain JSON: bigint to a decimal string, Date to ISO text, -0 to 0,
 * undefined properties dropped and undefined array items to null (as JSON.stringify does).
 * Anything else that JSON cannot hold is refused, naming its path.
 */
function toJson(value: unknown, path: string, index: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) break;
      return value === 0 ? 0 : value;
    case "bigint":
      return value.toString();
    case "object":
      if (value === null) return null;
      return objectToJson(value, path, index, seen);
  }
  throw new InvalidAuditEventError(
    index,
    path,
    `${showValue(value)} (${typeof value}) cannot be stored as JSON; convert it to a string, ` +
      "number, boolean, null, array or plain object",
  );
}

function objectToJson(value: object, path: string, index: number, seen: Set<object>): unknown {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new InvalidAuditEventError(index, path, "is an invalid Date");
    }
    return value.toISOString();
  }
  if (seen.has(value)) throw new InvalidAuditEventError(index, path, "is a circular reference");
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "an object";
    throw new InvalidAuditEventError(
      index,
      path,
      `is a ${name}, which JSON cannot hold; convert it to a plain object or array`,
    );
  }
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item, i) =>
      item === undefined ? null : toJson(item, `${path}[${i}]`, index, seen),
    );
  } else {
    const record: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) record[key] = toJson(item, `${path}.${key}`, index, seen);
    }
    out = record;
  }
  seen.delete(value);
  return out;
}
