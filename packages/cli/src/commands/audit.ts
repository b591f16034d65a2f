/**
 * `conclave audit verify|export|ls`: the hash-chained audit log. `verify` recomputes every
 * tenant's chain (or one tenant's, or an exported file's) and exits 1 on the first broken seq,
 * naming the reason; it also notices a tenant whose whole log was deleted, from the root count.
 */
import { createReadStream, existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { type AuditEvent, type AuditVerifyResult, verifyAuditLines } from "@conclave/core";
import type { Platform } from "@conclave/runtime";
import { type CommandContext, EXIT, emit, table, UsageError } from "../kit.ts";
import { auditTenantsMissing, listAuditTenants } from "./admin-sql.ts";
import { exportAction } from "./audit-export.ts";
import { type Action, commandGroup, dateFlag, type Flags, intFlag, text } from "./command-group.ts";
import { shortTime, withPlatform } from "./session.ts";

const USAGE = `Usage: conclave audit verify [--tenant <t>] [--file <export.jsonl>]
       conclave audit export [--tenant <t>] [--out <file|dir|->]
       conclave audit ls [--tenant <t>] [--run <id>] [--kind <k,...>] [--after <seq>] [--limit <n>]

verify exits 1 when a chain is broken and prints the first bad seq and why (seq-gap,
broken-link, hash-mismatch, truncated, beyond-head, head-mismatch, head-missing,
tenant-missing). Every action takes --database <url>, --config <file>, --profile <name> and -o.`;

async function verifyFile(file: string): Promise<AuditVerifyResult> {
  const path = resolve(file);
  if (!existsSync(path))
    throw new UsageError(`--file ${JSON.stringify(file)}: no such file (looked at ${path}).`);
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  return verifyAuditLines(lines);
}

async function verifyDatabase(platform: Platform, flags: Flags): Promise<AuditVerifyResult[]> {
  const named = text(flags, "tenant");
  const tenants = named !== undefined ? [named] : await listAuditTenants(platform);
  const results: AuditVerifyResult[] = [];
  for (const tenant of tenants) results.push(await platform.audit.verify(tenant));
  const missing = named === undefined ? await auditTenantsMissing(platform) : 0;
  if (missing > 0)
    results.push({
      ok: false,
      tenant: "(deleted)",
      count: 0,
      seq: 1,
      reason: "tenant-missing",
      message: `${missing} tenant(s) once had an audit log that is gone entirely (events and head), by the count of tenants`,
    });
  return results;
}

function verifyText(results: AuditVerifyResult[]): string {
  if (results.length === 0) return "no audit events";
  const lines = results.map((r) =>
    r.ok
      ? `ok      ${r.tenant}: ${r.count} events`
      : `BROKEN  ${r.tenant}: seq ${r.seq}: ${r.reason}: ${r.message} (${r.count} events check out before it)`,
  );
  const broken = results.filter((r) => !r.ok).length;
  lines.push(`${results.length - broken} ok, ${broken} broken`);
  return lines.join("\n");
}

const verify: Action = {
  usage: `Usage: conclave audit verify [--tenant <t>] [--file <export.jsonl>]

Recomputes each tenant's hash chain (every tenant with an audit log unless --tenant) and
checks it against its head record. --file verifies an exported JSONL file offline instead.
Exit code 0 when every chain checks out, 1 when one is broken.`,
  options: { tenant: { type: "string" }, file: { type: "string" } },
  async run(ctx, flags) {
    const file = text(flags, "file");
    const results =
      file !== undefined
        ? [await verifyFile(file)]
        : await withPlatform(ctx, flags, ({ platform }) => verifyDatabase(platform, flags));
    emit(ctx, results, () => verifyText(results));
    return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
  },
};

/** The query flags of `audit ls`, checked once. */
function eventQuery(flags: Flags) {
  const kinds = text(flags, "kind")
    ?.split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const query = {
    limit: intFlag(flags, "limit", 50, { max: 100_000 }),
    runId: text(flags, "run"),
    kinds,
    from: dateFlag(flags, "from"),
    to: dateFlag(flags, "to"),
  };
  const after =
    text(flags, "after") === undefined ? undefined : intFlag(flags, "after", 0, { min: 0 });
  const filtered = [query.runId, kinds, query.from, query.to, after].some((v) => v !== undefined);
  return { query, after, filtered };
}

async function listEvents(platform: Platform, flags: Flags): Promise<AuditEvent[]> {
  const { query, after, filtered } = eventQuery(flags);
  const named = text(flags, "tenant");
  const events: AuditEvent[] = [];
  for (const tenant of named !== undefined ? [named] : await listAuditTenants(platform)) {
    // Unfiltered, a listing shows the newest events: it starts `limit` before the head.
    const head = filtered ? 0 : ((await platform.audit.head(tenant))?.seq ?? 0);
    const afterSeq = after ?? Math.max(0, head - query.limit);
    events.push(...(await platform.audit.list({ tenant, afterSeq, ...query })));
  }
  events.sort((a, b) => a.ts.localeCompare(b.ts) || a.seq - b.seq);
  return filtered ? events.slice(0, query.limit) : events.slice(-query.limit);
}

function eventsTable(events: AuditEvent[]): string {
  if (events.length === 0) return "no audit events";
  return table(
    ["TENANT", "SEQ", "TIME", "KIND", "ACTOR", "RUN", "DATA"],
    events.map((e) => [
      e.tenant,
      e.seq,
      shortTime(e.ts),
      e.kind,
      e.actor,
      e.runId,
      JSON.stringify(e.data).slice(0, 80),
    ]),
  );
}

const ls: Action = {
  usage: `Usage: conclave audit ls [--tenant <t>] [--run <id>] [--kind <k,...>] [--from <date>] [--to <date>]
                        [--after <seq>] [--limit <n>]

Audit events in time order (default --limit 50): the newest ones, or with filters (--run,
--kind, --from, --to, --after <seq>) the first matches. Every tenant unless --tenant.`,
  options: {
    tenant: { type: "string" },
    run: { type: "string" },
    kind: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    after: { type: "string" },
    limit: { type: "string" },
  },
  run: (ctx: CommandContext, flags: Flags) =>
    withPlatform(ctx, flags, async ({ platform }) => {
      const events = await listEvents(platform, flags);
      emit(ctx, events, () => eventsTable(events));
      return EXIT.ok;
    }),
};

/** `conclave audit`. */
export const auditCommand = commandGroup({
  name: "audit",
  summary: "verify the audit hash chains; export them as JSONL; list events",
  usage: USAGE,
  actions: { verify, export: exportAction, ls },
});
