/**
 * `conclave audit export`: a tenant's audit chain as JSONL (core's `exportAuditJsonl`: one
 * canonical line per event with its hashes, then the head line), which `conclave audit verify
 * --file` or any SHA-256 tool can check offline. Several tenants go to a directory, one file
 * each, because every file must end in its own tenant's head line.
 */
import { once } from "node:events";
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { exportAuditJsonl } from "@conclave/core";
import type { Platform } from "@conclave/runtime";
import { type CommandContext, EXIT, emit, progressLine, stopSignal, UsageError } from "../kit.ts";
import { listAuditTenants } from "./admin-sql.ts";
import { type Action, type Flags, text } from "./command-group.ts";
import { withPlatform } from "./session.ts";

/** What one tenant's export wrote. */
export interface ExportSummary {
  tenant: string;
  /** The file written, or "-" for stdout. */
  out: string;
  events: number;
  head: { seq: number; hash: string };
}

type Write = (chunk: string) => unknown;

/** A file sink that waits for `drain` when the stream's buffer is full. */
async function toFile<T>(path: string, work: (write: Write) => Promise<T>): Promise<T> {
  const stream = createWriteStream(path);
  try {
    return await work((chunk) => (stream.write(chunk) ? undefined : once(stream, "drain")));
  } finally {
    stream.end();
    await once(stream, "close");
  }
}

/** Writes one tenant's export through `write`, counting lines on the progress line. */
async function exportThrough(
  ctx: CommandContext,
  platform: Platform,
  tenant: string,
  write: Write,
) {
  const total = (await platform.audit.head(tenant))?.seq ?? 0;
  const progress = progressLine(ctx.io);
  const signal = stopSignal(ctx.io);
  let lines = 0;
  const counted: Write = (line) => {
    signal.throwIfAborted();
    lines += 1;
    progress.update(`audit export ${tenant}: ${Math.min(lines, total)}/${total} events`);
    return write(line);
  };
  try {
    return await exportAuditJsonl(platform.audit, tenant, counted);
  } finally {
    progress.done();
  }
}

async function exportTenant(
  ctx: CommandContext,
  platform: Platform,
  tenant: string,
  out: string,
): Promise<ExportSummary> {
  const run = (write: Write) => exportThrough(ctx, platform, tenant, write);
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = out === "-" ? await run((line) => ctx.io.write(line)) : await toFile(out, run);
  } catch (error) {
    // A file cut short would only say so when verified: remove it.
    if (out !== "-") rmSync(out, { force: true });
    throw error;
  }
  const head = { seq: result.head.seq, hash: result.head.hash };
  return { tenant, out, events: result.count, head };
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Where each tenant goes: one file or stdout, or a directory of `<tenant>.audit.jsonl`. */
function targets(ctx: CommandContext, tenants: string[], out: string): [string, string][] {
  const path = out === "-" ? out : resolve(ctx.io.cwd, out);
  if (out !== "-" && (isDirectory(path) || out.endsWith("/"))) {
    mkdirSync(path, { recursive: true });
    return tenants.map((t) => [t, join(path, `${encodeURIComponent(t)}.audit.jsonl`)]);
  }
  if (tenants.length > 1)
    throw new UsageError(
      `${tenants.length} tenants have audit logs (${tenants.join(", ")}) and each export file holds one; pass --tenant <t>, or --out <directory>/ for one file per tenant.`,
    );
  return tenants.map((t) => [t, path]);
}

function summaryText(summaries: ExportSummary[]): string {
  return summaries
    .map(
      (s) =>
        `exported ${s.events} events of ${s.tenant} to ${s.out === "-" ? "stdout" : s.out} (head seq ${s.head.seq}, hash ${s.head.hash.slice(0, 16)}…)`,
    )
    .join("\n");
}

async function exportAll(ctx: CommandContext, platform: Platform, flags: Flags): Promise<number> {
  const named = text(flags, "tenant");
  const tenants = named !== undefined ? [named] : await listAuditTenants(platform);
  if (tenants.length === 0) {
    ctx.io.err("no tenant has audit events; nothing to export.");
    return EXIT.ok;
  }
  const out = text(flags, "out") ?? "-";
  const summaries: ExportSummary[] = [];
  for (const [tenant, path] of targets(ctx, tenants, out))
    summaries.push(await exportTenant(ctx, platform, tenant, path));
  // The JSONL owns stdout when it goes there; the summary then goes to stderr.
  if (out === "-") ctx.io.err(summaryText(summaries));
  else emit(ctx, summaries, () => summaryText(summaries));
  return EXIT.ok;
}

/** The `export` action of `conclave audit`. */
export const exportAction: Action = {
  usage: `Usage: conclave audit export [--tenant <t>] [--out <file|directory/|->]

Writes the audit chain as JSONL: one line per event with its hashes, then a head line, so a
file cut short is detected. --out - (the default) writes to stdout. Without --tenant, every
tenant with an audit log: into --out <directory>/, one <tenant>.audit.jsonl each. Check a file
with \`conclave audit verify --file <file>\`. Shows progress on a terminal.`,
  options: { tenant: { type: "string" }, out: { type: "string" } },
  run: (ctx, flags) => withPlatform(ctx, flags, ({ platform }) => exportAll(ctx, platform, flags)),
};
