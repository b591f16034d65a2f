/**
 * `conclave threads ls|state|history|fork`: threads and their checkpointed state, read
 * directly from the database. `fork` is LangGraph's time travel: a state update applied to an
 * earlier checkpoint, which writes a new checkpoint (a child of that one) that becomes the
 * thread's head; the next run continues from it. Forks are audited (`thread.forked`).
 */
import {
  COPY_AS_NODE,
  ConflictError,
  InvalidArgumentError,
  InvalidUpdateError,
  type Thread,
  type ThreadStatus,
  threadNotFound,
  UnknownNodeError,
} from "@conclave/core";
import { EXIT, emit, parseJson, table, UsageError } from "../kit.ts";
import {
  type Action,
  commandGroup,
  type Flags,
  intFlag,
  listFlag,
  required,
  text,
} from "./command-group.ts";
import { type Session, shortTime, tenantsOf, threadTenant, withPlatform } from "./session.ts";
import {
  configOf,
  declaredGraphs,
  graphIdOf,
  interruptMap,
  loadGraph,
  readHistory,
  readState,
  requireCheckpoint,
  type StateView,
  toJson,
  viewOfSnapshot,
} from "./thread-state.ts";

const STATUSES: readonly ThreadStatus[] = ["idle", "busy", "interrupted", "error"];

const USAGE = `Usage: conclave threads ls [--tenant <t>] [--status <s,...>] [--limit <n>]
       conclave threads state <thread-id> [--checkpoint <id>]
       conclave threads history <thread-id> [--limit <n>] [--before <checkpoint-id>]
       conclave threads fork <thread-id> --checkpoint <id> [--values <json>] [--as-node <node>]

State and history read the thread's graph from conclave.config.ts / langgraph.json when it is
declared there (for the nodes that run next), else the stored checkpoints. Every action takes
--database <url>, --config <file>, --profile <name> and -o.`;

const ls: Action = {
  usage: `Usage: conclave threads ls [--tenant <t>] [--status <s,...>] [--limit <n>]

Newest first, across every tenant unless --tenant (default --limit 20).
Statuses: ${STATUSES.join(", ")}.`,
  options: { tenant: { type: "string" }, status: { type: "string" }, limit: { type: "string" } },
  run: (ctx, flags) =>
    withPlatform(ctx, flags, async ({ platform }) => {
      const limit = intFlag(flags, "limit", 20, { max: 10_000 });
      const statuses = listFlag(flags, "status", STATUSES) ?? [undefined];
      const threads: Thread[] = [];
      for (const tenant of await tenantsOf(platform, flags))
        for (const status of statuses)
          threads.push(...(await platform.store.threads.search({ tenant, status, limit })));
      threads.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      const shown = threads.slice(0, limit);
      emit(ctx, shown, () => threadsTable(shown));
      return EXIT.ok;
    }),
};

function threadsTable(threads: Thread[]): string {
  if (threads.length === 0) return "no threads";
  return table(
    ["THREAD ID", "TENANT", "STATUS", "GRAPH", "UPDATED", "CREATED"],
    threads.map((t) => [
      t.threadId,
      t.tenant,
      t.status,
      typeof t.metadata.graph_id === "string" ? t.metadata.graph_id : null,
      shortTime(t.updatedAt),
      shortTime(t.createdAt),
    ]),
  );
}

async function requireThread(session: Session, flags: Flags, threadId: string): Promise<Thread> {
  const tenant = await threadTenant(session.platform, flags, threadId);
  const thread = await session.platform.store.threads.get(tenant, threadId);
  if (!thread) throw threadNotFound(tenant, threadId);
  return thread;
}

/** The thread and its graph (undefined when not declared, with a note on stderr). */
async function threadAndGraph(
  ctx: Parameters<Action["run"]>[0],
  session: Session,
  id: string,
  flags: Flags,
) {
  const thread = await requireThread(session, flags, id);
  const graphId = await graphIdOf(session, thread);
  const graph = graphId === undefined ? undefined : await loadGraph(session, graphId);
  if (graphId !== undefined && !graph)
    ctx.io.err(
      `note: graph ${JSON.stringify(graphId)} is not declared in conclave.config.ts or langgraph.json here; showing stored checkpoints (next nodes unknown).`,
    );
  return { thread, graphId, graph };
}

function stateText(view: StateView | undefined): string {
  if (!view) return "no checkpoints yet";
  const lines = [
    `checkpoint ${view.checkpointId} (step ${view.step}, ${view.source}, ${view.createdAt})`,
    `parent     ${view.parentCheckpointId ?? "-"}`,
    `next       ${view.next === null ? "(unknown)" : view.next.join(", ") || "(done)"}`,
  ];
  if (view.interrupts.length > 0)
    lines.push(`interrupts ${JSON.stringify(toJson(view.interrupts))}`);
  lines.push(JSON.stringify(toJson(view.values), null, 2));
  return lines.join("\n");
}

const state: Action = {
  usage: `Usage: conclave threads state <thread-id> [--checkpoint <id>] [--tenant <t>]

The thread's values at its newest checkpoint, or at --checkpoint.`,
  options: { checkpoint: { type: "string" }, tenant: { type: "string" } },
  run: (ctx, flags, positionals) =>
    withPlatform(ctx, flags, async (session) => {
      const id = required(positionals, "a thread id", "see `conclave threads ls`");
      const { thread, graph } = await threadAndGraph(ctx, session, id, flags);
      const view = await readState(session, thread, graph, text(flags, "checkpoint"));
      emit(ctx, view ?? null, () => stateText(view));
      return EXIT.ok;
    }),
};

function historyTable(views: StateView[]): string {
  if (views.length === 0) return "no checkpoints yet";
  return table(
    ["CHECKPOINT", "PARENT", "STEP", "SOURCE", "CREATED", "NEXT"],
    views.map((v) => [
      v.checkpointId,
      v.parentCheckpointId,
      v.step,
      v.source,
      shortTime(v.createdAt),
      v.next === null ? "?" : v.next.join(",") || "(done)",
    ]),
  );
}

const history: Action = {
  usage: `Usage: conclave threads history <thread-id> [--limit <n>] [--before <checkpoint-id>] [--tenant <t>]

The thread's checkpoints, newest first (default --limit 10). Fork from any of them with
\`conclave threads fork <thread-id> --checkpoint <id>\`.`,
  options: { limit: { type: "string" }, before: { type: "string" }, tenant: { type: "string" } },
  run: (ctx, flags, positionals) =>
    withPlatform(ctx, flags, async (session) => {
      const id = required(positionals, "a thread id", "see `conclave threads ls`");
      const limit = intFlag(flags, "limit", 10, { max: 10_000 });
      const { thread, graph } = await threadAndGraph(ctx, session, id, flags);
      const views = await readHistory(session, thread, graph, {
        limit,
        before: text(flags, "before"),
      });
      emit(ctx, views, () => historyTable(views));
      return EXIT.ok;
    }),
};

/** Engine errors the caller caused (a bad node or update) become usage-like errors (exit 2). */
async function asUserError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UnknownNodeError || error instanceof InvalidUpdateError)
      throw new InvalidArgumentError(error.message, error.code);
    throw error;
  }
}

async function fork(session: Session, thread: Thread, flags: Flags) {
  const checkpointId = text(flags, "checkpoint");
  if (checkpointId === undefined)
    throw new UsageError(
      `fork needs --checkpoint <id>, the checkpoint to branch from; list them with \`conclave threads history ${thread.threadId}\`.`,
    );
  if (thread.status === "busy")
    throw new ConflictError(
      "THREAD_BUSY",
      `thread ${thread.threadId} is running a run; fork it once the run ends (or cancel it with \`conclave runs cancel\`).`,
    );
  const graphId = await graphIdOf(session, thread);
  const graph = graphId === undefined ? undefined : await loadGraph(session, graphId);
  if (!graph) {
    const known = Object.keys(declaredGraphs(session.settings)).join(", ") || "(none)";
    throw new UsageError(
      `fork needs thread ${thread.threadId}'s graph ${JSON.stringify(graphId ?? "(unknown)")}, which is not declared in conclave.config.ts or langgraph.json here (declared: ${known}); run from the project directory or pass --config.`,
    );
  }
  await requireCheckpoint(session, thread.threadId, checkpointId);
  const values = parseJson("--values", text(flags, "values"));
  const asNode = text(flags, "as-node") ?? (values === undefined ? COPY_AS_NODE : undefined);
  const saved = await asUserError(() =>
    graph.updateState(configOf(thread.threadId, checkpointId), values, asNode),
  );
  const head = viewOfSnapshot(thread.threadId, await graph.getState(configOf(thread.threadId)));
  return { graphId: graphId!, checkpointId, asNode: asNode ?? null, saved, head };
}

/** Refreshes the thread's cached state to the new head and audits the fork; its new id. */
async function recordFork(
  session: Session,
  thread: Thread,
  forked: Awaited<ReturnType<typeof fork>>,
): Promise<string | null> {
  const { store, audit } = session.platform;
  const { values, interrupts } = forked.head;
  const cache = { values: toJson(values), interrupts: interruptMap(interrupts) };
  await store.threads.setState(thread.tenant, thread.threadId, cache, new Date());
  const newId = forked.saved.configurable.checkpoint_id ?? null;
  const data = { from: forked.checkpointId, checkpointId: newId, asNode: forked.asNode };
  const { tenant, threadId } = thread;
  await audit.append([{ tenant, kind: "thread.forked", actor: "cli", threadId, data }]);
  return newId;
}

const forkAction: Action = {
  usage: `Usage: conclave threads fork <thread-id> --checkpoint <id> [--values <json>] [--as-node <node>] [--tenant <t>]

Branches the thread from an earlier checkpoint: writes a new checkpoint, a child of --checkpoint,
that becomes the thread's head. With --values the update goes through the graph's reducers as if
--as-node (default: the node that wrote that checkpoint) had returned it; without, the
checkpoint is copied as is. The next run on the thread continues from the fork. Needs the
thread's graph (conclave.config.ts or langgraph.json) and an idle thread.`,
  options: {
    checkpoint: { type: "string" },
    values: { type: "string" },
    "as-node": { type: "string" },
    tenant: { type: "string" },
  },
  run: (ctx, flags, positionals) =>
    withPlatform(ctx, flags, async (session) => {
      const id = required(positionals, "a thread id", "see `conclave threads ls`");
      const thread = await requireThread(session, flags, id);
      const forked = await fork(session, thread, flags);
      const newId = await recordFork(session, thread, forked);
      const result = {
        threadId: id,
        from: forked.checkpointId,
        checkpointId: newId,
        state: forked.head,
      };
      emit(
        ctx,
        result,
        () =>
          `forked thread ${id} from ${forked.checkpointId}: new head ${newId}\n${stateText(forked.head)}`,
      );
      return EXIT.ok;
    }),
};

/** `conclave threads`. */
export const threadsCommand = commandGroup({
  name: "threads",
  summary: "list threads; show state and history; fork from a checkpoint",
  usage: USAGE,
  actions: { ls, state, history, fork: forkAction },
});
