/**
 * JSONL export of a tenant's audit chain, verifiable offline. Every line is the canonical
 * encoding (sorted keys; plain JSON, since event data is normalised to JSON) of one event with
 * its hashes and the payload format:
 *
 *     {"actor":..,"data":{..},"format":1,"hash":..,"id":..,"kind":..,"prevHash":..,"runId":..,
 *      "seq":1,"tenant":..,"threadId":..,"ts":..}
 *
 * and the last line is the head the export was taken against:
 *
 *     {"head":{"hash":..,"seq":N,"tenant":..}}
 *
 * The head line is what lets `verifyAuditLines` notice a file whose newest lines were cut off.
 * Anyone can re-check a file without Conclave: re-encode each event's `data` canonically, build
 * the payload described in `chain.ts`, and chain the SHA-256 hashes.
 */
import { decode } from "../serde/decode.ts";
import { encode } from "../serde/encode.ts";
import { AUDIT_FORMAT_VERSION, auditRowFromEvent } from "./chain.ts";
import { InvalidAuditQueryError, showValue } from "./errors.ts";
import { checkAuditTenant } from "./query.ts";
import type { AuditEvent, AuditHead, AuditLog, AuditRow, AuditVerifyResult } from "./types.ts";
import { AuditChainVerifier } from "./verify.ts";

/** Options of the export helpers. */
export interface AuditExportOptions {
  /** Events read per `list` call. Default 1000. */
  pageSize?: number;
}

/** The JSONL line of one event (no trailing newline). Pure. */
export function auditLine(event: AuditEvent): string {
  return encode({
    format: AUDIT_FORMAT_VERSION,
    ...event,
    runId: event.runId ?? null,
    threadId: event.threadId ?? null,
  });
}

/**
 * The export's lines, without newlines: every event up to the head read at the start (events
 * appended meanwhile are left for the next export), then the head line. Reads page by page.
 * @throws InvalidAuditQueryError for a bad tenant or page size.
 */
export async function* auditJsonlLines(
  log: AuditLog,
  tenant: string,
  options: AuditExportOptions = {},
): AsyncGenerator<string> {
  checkAuditTenant(tenant);
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new InvalidAuditQueryError(
      `Audit export pageSize must be a whole number >= 1, got ${showValue(pageSize)}.`,
    );
  }
  const head = (await log.head(tenant)) ?? { tenant, seq: 0, hash: "" };
  for (let afterSeq = 0; afterSeq < head.seq; ) {
    const limit = Math.min(pageSize, head.seq - afterSeq);
    const page = await log.list({ tenant, afterSeq, limit });
    if (page.length === 0) break;
    for (const event of page) yield auditLine(event);
    afterSeq = page[page.length - 1]!.seq;
  }
  yield encode({ head: { tenant: head.tenant, seq: head.seq, hash: head.hash } });
}

/**
 * Writes a tenant's export through `write`, one call per line (each ending in "\n").
 * @returns The head the export ends at (seq 0 for a tenant with no events) and the number of
 *   event lines written.
 * @example
 * const out = createWriteStream("acme-audit.jsonl");
 * await exportAuditJsonl(log, "acme", (line) => out.write(line));
 */
export async function exportAuditJsonl(
  log: AuditLog,
  tenant: string,
  write: (line: string) => unknown,
  options: AuditExportOptions = {},
): Promise<{ head: AuditHead; count: number }> {
  let count = 0;
  let last = "";
  for await (const line of auditJsonlLines(log, tenant, options)) {
    if (last !== "") {
      await write(`${last}\n`);
      count++;
    }
    last = line;
  }
  await write(`${last}\n`);
  const { head } = decode(last) as { head: AuditHead };
  return { head, count };
}

/**
 * Verifies exported lines (blank lines are skipped) with the same rules as `verify`: each event
 * must follow the previous one, hash to its stored hash, and the last line must be the head.
 * Never throws for a damaged file: the result names the first bad seq.
 * @example
 * const lines = createInterface({ input: createReadStream("acme-audit.jsonl") });
 * const result = await verifyAuditLines(lines);
 */
export async function verifyAuditLines(
  lines: Iterable<string> | AsyncIterable<string>,
): Promise<AuditVerifyResult> {
  let verifier: AuditChainVerifier | undefined;
  let head: AuditHead | undefined;
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const parsed = parseLine(line);
    verifier ??= new AuditChainVerifier(tenantOf(parsed));
    if (head !== undefined) {
      verifier.fail("beyond-head", head.seq + 1, "lines follow the head line: the file was edited");
    } else if ("head" in parsed) {
      head = parsed.head;
    } else if ("row" in parsed) {
      verifier.push(parsed.row);
    } else {
      verifier.fail("row-corrupt", verifier.expectedSeq, parsed.error);
    }
    if (verifier.failed) break;
  }
  verifier ??= new AuditChainVerifier("");
  if (head === undefined && !verifier.failed) {
    const seq = verifier.expectedSeq;
    verifier.fail(
      "truncated",
      seq,
      `the file ends at seq ${seq - 1} with no head line: it was cut short`,
    );
  }
  return verifier.finish(head);
}

type ParsedLine = { row: AuditRow } | { head: AuditHead } | { error: string };

function tenantOf(parsed: ParsedLine): string {
  if ("row" in parsed) return parsed.row.tenant;
  if ("head" in parsed) return parsed.head.tenant;
  return "";
}

/** Reads one line into a row or the head; a line that is neither is reported, not thrown. */
function parseLine(line: string): ParsedLine {
  let value: Record<string, unknown>;
  try {
    value = decode(line) as Record<string, unknown>;
  } catch (error) {
    return { error: `a line is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null) return { error: "a line is not an object" };
  const head = value.head as AuditHead | undefined;
  if (head !== undefined) {
    const good =
      typeof head === "object" &&
      head !== null &&
      typeof head.tenant === "string" &&
      Number.isSafeInteger(head.seq) &&
      typeof head.hash === "string";
    return good ? { head } : { error: `the head line is malformed: ${showValue(head)}` };
  }
  if (value.format !== AUDIT_FORMAT_VERSION) {
    return {
      error: `a line has format ${showValue(value.format)}; this runtime reads format ${AUDIT_FORMAT_VERSION}`,
    };
  }
  if (typeof value.data !== "object" || value.data === null || Array.isArray(value.data)) {
    return { error: `a line's data is not an object: ${showValue(value.data)}` };
  }
  const { format: _format, ...event } = value;
  return { row: auditRowFromEvent(event as unknown as AuditEvent) };
}
