/**
 * `conclave queue` (also `conclave runs queue`): the run queue at a glance. Pending depth by
 * graph, tenant and priority, runs in flight, the oldest runnable run's wait, dead and
 * stranded runs (pending on an assistant version that no longer exists), and live workers.
 */
import type { QueueStatus, Worker } from "@conclave/core";
import { type CommandContext, EXIT, emit, table } from "../kit.ts";
import { type Action, type Flags, noPositionals, runAction, text } from "./command-group.ts";
import { duration, withPlatform } from "./session.ts";

const USAGE = `Usage: conclave queue [--tenant <t>] [-o text|json]

Prints the queue: pending runs (by graph, tenant and priority; delayed ones are due later),
running runs, the oldest runnable run's wait, dead runs (workers lost too often; retry them
with \`conclave runs retry\`), stranded runs (their assistant version was deleted) and the
live workers. Every tenant unless --tenant.`;

/** The queue status and the workers whose lease is current. */
export interface QueueReport extends QueueStatus {
  tenant: string | null;
  workers: Worker[];
}

function render(report: QueueReport): string {
  const lines = [
    `pending ${report.pending} (${report.delayed} delayed) · running ${report.running} · dead ${report.dead} · stranded ${report.stranded}`,
    `oldest waiting: ${report.oldestWaitingMs === null ? "-" : duration(report.oldestWaitingMs)}`,
    `workers: ${report.workers.length} live${report.workers.length ? `: ${report.workers.map((w) => `${w.workerId} (${w.concurrency} slots)`).join(", ")}` : ""}`,
  ];
  const groups = (title: string, entries: Record<string, { pending: number; running: number }>) =>
    Object.keys(entries).length === 0
      ? []
      : [
          "",
          table(
            [title, "PENDING", "RUNNING"],
            Object.entries(entries).map(([key, n]) => [key, n.pending, n.running]),
          ),
        ];
  lines.push(...groups("GRAPH", report.byGraph), ...groups("TENANT", report.byTenant));
  const priorities = Object.entries(report.byPriority).sort(([a], [b]) => Number(b) - Number(a));
  if (priorities.length > 0)
    lines.push(
      "",
      table(
        ["PRIORITY", "PENDING"],
        priorities.map(([p, n]) => [p, n]),
      ),
    );
  return lines.join("\n");
}

async function showQueue(ctx: CommandContext, flags: Flags): Promise<number> {
  return withPlatform(ctx, flags, async ({ platform }) => {
    const now = new Date();
    const tenant = text(flags, "tenant");
    const status = await platform.store.runs.status(now, tenant);
    const workers = (await platform.store.workers.list(now)).filter(
      (w) => Date.parse(w.leaseExpiresAt) > now.getTime(),
    );
    const report: QueueReport = { tenant: tenant ?? null, ...status, workers };
    emit(ctx, report, () => render(report));
    return EXIT.ok;
  });
}

/** The `queue` action of `conclave runs`. */
export const queueAction: Action = {
  usage: USAGE,
  options: { tenant: { type: "string" } },
  run: (ctx, flags, positionals) => {
    noPositionals(positionals);
    return showQueue(ctx, flags);
  },
};

/** `conclave queue`. */
export const queueCommand = {
  name: "queue",
  summary: "queue depth by graph, tenant and priority; in flight, waiting, dead, stranded",
  usage: USAGE,
  run: (ctx: CommandContext) => runAction(ctx, queueAction, ctx.args),
};
