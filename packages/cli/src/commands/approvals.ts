/**
 * `conclave approvals ls|approve|reject|edit`: the approval inbox from the shell. Deciding
 * queues the resume run on the thread (a running server or worker executes it) and records the
 * decision under the reviewer's name (`--by`, default `cli`).
 */
import type { ParseArgsOptionsConfig } from "node:util";
import type { PendingApproval } from "@conclave/runtime";
import { EXIT, emit, parseJson, table, UsageError } from "../kit.ts";
import { type Action, commandGroup, text } from "./command-group.ts";
import { type Session, tenantsOf, threadTenant, withPlatform, withRuntime } from "./session.ts";

const TENANT = { tenant: { type: "string" } } as const;
const BY = { by: { type: "string" } } as const;

function summary(p: PendingApproval): string {
  const request = p.request as { tool?: string; reason?: string; budgetId?: string } | null;
  if (p.kind === "budget") return `budget ${request?.budgetId ?? ""}`;
  return `${request?.tool ?? p.kind}: ${request?.reason ?? ""}`.slice(0, 80);
}

const ls: Action = {
  usage:
    "Usage: conclave approvals ls [--tenant <t>]\n\nPending approvals, oldest first, across every tenant unless --tenant.",
  options: TENANT,
  run: (ctx, flags) =>
    withPlatform(ctx, flags, async (session) => {
      const pending: PendingApproval[] = [];
      await withRuntime(ctx, session, async (runtime) => {
        for (const tenant of await tenantsOf(session.platform, flags))
          pending.push(...(await runtime.approvals.list(tenant, { limit: 1000 })));
      });
      emit(ctx, pending, () =>
        table(
          ["TENANT", "THREAD", "INTERRUPT", "KIND", "SINCE", "EXPIRES", "REQUEST"],
          pending.map((p) => [
            p.tenant,
            p.threadId,
            p.interruptId,
            p.kind,
            p.since,
            p.expiresAt,
            summary(p),
          ]),
        ),
      );
      return EXIT.ok;
    }),
};

function decide(verb: "approve" | "reject" | "edit"): Action {
  const flagsOf: ParseArgsOptionsConfig =
    verb === "reject"
      ? { reason: { type: "string" } }
      : verb === "edit"
        ? { args: { type: "string" } }
        : {};
  return {
    usage:
      `Usage: conclave approvals ${verb} <thread-id> <interrupt-id> [--tenant <t>] [--by <name>]` +
      (verb === "reject" ? " [--reason <text>]" : verb === "edit" ? " --args <json>" : "") +
      "\n\nDecides a pending approval and queues the resume run on its thread.",
    options: { ...TENANT, ...BY, ...flagsOf },
    run: (ctx, flags, positionals) =>
      withPlatform(ctx, flags, async (session: Session) => {
        const [thread, interruptId, extra] = positionals;
        if (!thread || !interruptId || extra !== undefined)
          throw new UsageError(
            "needs <thread-id> <interrupt-id>, as `conclave approvals ls` shows them.",
          );
        const tenant = await threadTenant(session.platform, flags, thread);
        const verdict = {
          action: verb,
          args: parseJson("--args", text(flags, "args")),
          reason: text(flags, "reason"),
        };
        const by = text(flags, "by") ?? "cli";
        const run = await withRuntime(ctx, session, (runtime) =>
          runtime.approvals.decide(tenant, thread, interruptId, verdict, by),
        );
        emit(
          ctx,
          { run_id: run.runId, thread_id: run.threadId, status: run.status },
          () =>
            `${verb}d by ${by}: resume run ${run.runId} queued on thread ${run.threadId} (a running server or worker executes it)`,
        );
        return EXIT.ok;
      }),
  };
}

export const approvalsCommand = commandGroup({
  name: "approvals",
  summary: "list and decide pending approvals (tool calls, budget pauses)",
  usage: `Usage: conclave approvals ls|approve|reject|edit ...

  ls                                   pending approvals, oldest first
  approve <thread> <interrupt>         run the call as proposed
  edit <thread> <interrupt> --args J   run it with these arguments instead
  reject <thread> <interrupt>          refuse it (--reason is shown to the model)`,
  actions: { ls, approve: decide("approve"), reject: decide("reject"), edit: decide("edit") },
});
