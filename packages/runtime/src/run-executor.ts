/**
 * Executes one claimed run: the graph runs through a saver fenced to this claim, so a worker
 * that lost the run cannot write. A run that already wrote checkpoints (its worker crashed, or
 * it is being retried) resumes from its newest checkpoint with no input: finished steps are
 * never run again, and the engine restores the pending writes of a half-finished step.
 */

import {
  type BatchOptions,
  type CheckpointSaver,
  type CheckpointTuple,
  COPY_AS_NODE,
  Command,
  type HeldWrites,
  INTERRUPT,
  type Interrupt,
  isLangChainMessage,
  type JsonObject,
  type LangChainMessage,
  LeaseLostError,
  type MessageLike,
  MODE_CONFIG_KEY,
  type OperationalMode,
  type PlatformStore,
  type Run,
  type RunConfig,
  type RunOutcome,
  type Store,
  type StreamMode,
  TENANT_CONFIG_KEY,
  toMessage,
} from "@conclave/core";
import type { AnyCompiledGraph } from "./graph-registry.ts";
import type { RunEventBus } from "./run-events.ts";
import { withTaskSpan } from "./tracing.ts";
import { isUnavailable } from "./unavailable.ts";

/** The error code of a run cancelled with action "rollback" (the runtime then deletes it). */
export const ROLLED_BACK = "ROLLED_BACK";

/** Why a run's signal was aborted. */
export type StopReason = "cancel:interrupt" | "cancel:rollback" | "lost" | "shutdown" | "timeout";

export interface Execution {
  run: Run;
  graph: AnyCompiledGraph;
  store: PlatformStore;
  events: RunEventBus;
  signal: AbortSignal;
  /** Why `signal` was aborted, read after it fires. */
  stopReason: () => StopReason | undefined;
  /** The governance mode the run executes under (the graph cannot override it). */
  mode?: OperationalMode;
  /** Receives each step's annotations (usage, routing, tool calls, approvals) as they happen. */
  onAnnotations?: RunConfig["onAnnotations"];
  /** The run's tenant's long-term memory, handed to the graph as `config.store`. */
  items?: Store;
}

/** Raised when the run must be given back to the queue rather than ended (shutdown). */
export class RunReleased extends Error {
  readonly reason: StopReason;
  constructor(reason: StopReason) {
    super(`run released: ${reason}`);
    this.reason = reason;
  }
}

/** Runs the graph and says how the run ended. LeaseLostError and RunReleased propagate. */
export async function executeRun(execution: Execution): Promise<RunOutcome> {
  const { run, store } = execution;
  const fence = { runId: run.runId, generation: run.generation };
  const storeErrors: unknown[] = [];
  const watched = watchSaver(store.fencedSaver(fence), (error) => storeErrors.push(error));
  const saver = watched.saver;
  const graph = execution.graph.withCheckpointer(saver);
  // Decision: a first claim (generation 1) has written no checkpoint, so it cannot be resuming
  // and the read is skipped (the engine reads the thread's head anyway): one round trip less
  // per run on PostgreSQL, ~0.1 ms less enqueue-to-start on SQLite (queue bench). A rollback
  // then looks up where the run started (`startOf`).
  const latest =
    run.generation > 1
      ? await store.saver.getTuple({ configurable: { thread_id: run.threadId } })
      : undefined;
  const resuming = latest?.metadata.run_id === run.runId;
  const config = runConfig(execution, resuming);
  const input = resuming ? null : inputOf(run);
  try {
    const result = await invokeOrStream(graph, input, config, execution);
    const held = watched.held();
    return held === undefined ? outcomeOf(result) : { ...outcomeOf(result), held };
  } catch (error) {
    // The graph did not fail, its checkpoint store did: where the run got to is unknown, so it
    // goes back to the queue and resumes from its newest stored checkpoint (see the worker).
    // Only the saver's own errors count: a node's failed fetch may carry the same codes.
    const down = storeErrors.find(isUnavailable);
    if (down !== undefined) throw down;
    return failure(error, execution, () =>
      run.generation > 1 ? Promise.resolve(latest) : startOf(store, run),
    );
  }
}

/**
 * `saver`, telling `onError` about every error its calls reject with (then rejecting too).
 * The graph's final batch is held, when the saver can, for the store to write with the run's
 * end (`RunOutcome.held`): one statement fewer per run on PostgreSQL.
 */
function watchSaver(
  saver: CheckpointSaver,
  onError: (error: unknown) => void,
): { saver: CheckpointSaver; held: () => HeldWrites | undefined } {
  const watch = <T>(promise: Promise<T>): Promise<T> =>
    promise.catch((error: unknown) => {
      onError(error);
      throw error;
    });
  let held: HeldWrites | undefined;
  const batch = async <T>(work: () => Promise<T>, options?: BatchOptions): Promise<T> => {
    if (!options?.final || !saver.holdBatch) return watch(saver.batch!(work));
    // A final batch after a held one (a second invocation) cannot wait for the end.
    if (held) await watch(held.write());
    const hold = await watch(saver.holdBatch(work));
    held = hold.held;
    return hold.result;
  };
  const watched: CheckpointSaver = {
    capabilities: saver.capabilities,
    getTuple: (config) => watch(saver.getTuple(config)),
    list: (config, options) => saver.list(config, options),
    put: (config, checkpoint, metadata) => watch(saver.put(config, checkpoint, metadata)),
    putWrites: (config, writes, taskId) => watch(saver.putWrites(config, writes, taskId)),
    deleteThread: (threadId) => watch(saver.deleteThread(threadId)),
    ...(saver.batch ? { batch } : {}),
    verify: (threadId) => saver.verify(threadId),
    prune: (threadId, policy) => saver.prune(threadId, policy),
  };
  return { saver: watched, held: () => held };
}

function inputOf(run: Run): unknown {
  const { command, input } = run.kwargs;
  if (command) return new Command(command as ConstructorParameters<typeof Command>[0]);
  return input ?? null;
}

function runConfig(execution: Execution, resuming: boolean): RunConfig {
  const { run, signal } = execution;
  const kw = run.kwargs;
  const user = (kw.config ?? {}) as RunConfig & {
    configurable?: JsonObject;
    metadata?: JsonObject;
  };
  // The platform's keys come last: a run's own config cannot change its tenant or mode.
  const configurable: JsonObject = {
    ...(user.configurable ?? {}),
    thread_id: run.threadId,
    [MODE_CONFIG_KEY]: execution.mode ?? "auto",
    [TENANT_CONFIG_KEY]: run.tenant,
  };
  // A resumed run continues from its own newest checkpoint, not from the fork point again.
  if (kw.checkpointId && !resuming) configurable.checkpoint_id = kw.checkpointId;
  else delete configurable.checkpoint_id;
  return {
    ...user,
    configurable,
    metadata: {
      ...(user.metadata ?? {}),
      ...run.metadata,
      run_id: run.runId,
      assistant_id: run.assistantId,
      graph_id: run.graphId,
    },
    signal,
    runId: run.runId,
    wrapTask: withTaskSpan,
    ...(execution.onAnnotations ? { onAnnotations: execution.onAnnotations } : {}),
    // A graph compiled with a store of its own keeps it, as it would outside the platform.
    ...(execution.items && execution.graph.store === undefined ? { store: execution.items } : {}),
    durability: kw.durability ?? user.durability ?? "async",
    ...(kw.interruptBefore ? { interruptBefore: kw.interruptBefore } : {}),
    ...(kw.interruptAfter ? { interruptAfter: kw.interruptAfter } : {}),
  } as RunConfig;
}

async function invokeOrStream(
  graph: AnyCompiledGraph,
  input: unknown,
  config: RunConfig,
  execution: Execution,
): Promise<Record<string, unknown>> {
  const { run, events } = execution;
  const requested = (run.kwargs.streamMode as string[] | undefined) ?? [];
  if (!events.has(run.runId) && requested.length === 0) return graph.invoke(input, config);
  // LangGraph Platform's legacy `messages` mode also reports whole messages, read from `values`.
  const publishValues = ["values", "messages"].some((m) => requested.includes(m));
  events.publish(run.runId, "metadata", { run_id: run.runId, attempt: run.attempt });
  const stream = await graph.stream(input, {
    ...config,
    streamMode: engineModes(requested),
    subgraphs: run.kwargs.streamSubgraphs === true,
  });
  let last: Record<string, unknown> = {};
  for await (const chunk of stream) {
    const [ns, mode, data] = (
      run.kwargs.streamSubgraphs ? chunk : [[], ...(chunk as unknown[])]
    ) as [string[], string, unknown];
    if (mode === "values" && ns.length === 0) last = lastValues(last, data);
    const name = ns.length > 0 ? `${mode}|${ns.join("|")}` : mode;
    if (mode !== "values" || publishValues || requested.length === 0)
      events.publish(run.runId, name, jsonSafe(mode === "messages" ? plainTuple(data) : data));
  }
  return last;
}

/**
 * A `messages` tuple with a LangChain message instance (a LangChain chat model streaming in a
 * node) as the plain message the gateway streams and the state holds; serialised as is, an
 * instance would become LangChain's `{ lc, type: "constructor", kwargs }` form.
 */
function plainTuple(data: unknown): unknown {
  const [message, metadata] = data as [unknown, unknown];
  if (!isLangChainMessage(message)) return data;
  const chunks = (message as { tool_call_chunks?: unknown[] }).tool_call_chunks;
  const plain = plainMessage(message);
  return [chunks?.length ? { ...plain, tool_call_chunks: chunks } : plain, metadata];
}

// A message kind the state has no type for (a ChatMessage with its own role) still streams.
function plainMessage(message: LangChainMessage): object {
  try {
    return toMessage(message as MessageLike);
  } catch {
    const { content, id, name } = message as { content: unknown; id?: string; name?: string };
    return { type: message._getType(), content, id, ...(name ? { name } : {}) };
  }
}

const ENGINE_MODES: readonly StreamMode[] = [
  "values",
  "updates",
  "custom",
  "tasks",
  "checkpoints",
  "debug",
  "messages",
];

/**
 * The engine modes behind a run's requested modes (LangGraph Platform names). `values` is always
 * streamed: the run's result is its last chunk. `messages-tuple` is the engine's `messages`;
 * modes the engine lacks (`events`, `tools`) are dropped, so asking for them yields nothing.
 */
function engineModes(requested: readonly string[]): StreamMode[] {
  const modes = new Set<StreamMode>(["values"]);
  for (const name of requested) {
    const mode = (name === "messages-tuple" ? "messages" : name) as StreamMode;
    if (ENGINE_MODES.includes(mode)) modes.add(mode);
  }
  return [...modes];
}

// An interrupted run's last chunk is `{ __interrupt__ }` alone; the state is the chunk before it.
function lastValues(previous: Record<string, unknown>, data: unknown): Record<string, unknown> {
  const chunk = data as Record<string, unknown>;
  return INTERRUPT in chunk ? { ...previous, ...chunk } : chunk;
}

function outcomeOf(result: Record<string, unknown>): RunOutcome {
  const { [INTERRUPT]: pending, ...values } = result as Record<string, unknown> & {
    [INTERRUPT]?: Interrupt[];
  };
  if (pending && pending.length > 0) {
    const interrupts: JsonObject = {};
    for (const item of pending) interrupts[item.id] = [jsonSafe(item)];
    return { status: "interrupted", values: jsonSafe(values), interrupts };
  }
  return { status: "success", values: jsonSafe(values) };
}

async function failure(
  error: unknown,
  execution: Execution,
  base: () => Promise<CheckpointTuple | undefined>,
): Promise<RunOutcome> {
  if (error instanceof LeaseLostError) throw error;
  const reason = execution.signal.aborted ? execution.stopReason() : undefined;
  if (reason === "lost")
    throw new LeaseLostError({ runId: execution.run.runId, generation: execution.run.generation });
  if (reason === "shutdown") throw new RunReleased(reason);
  if (reason === "cancel:interrupt")
    return {
      status: "cancelled",
      error: { code: "CANCELLED", message: "The run was cancelled; its checkpoints were kept." },
    };
  if (reason === "cancel:rollback") {
    await rollBack(execution, await base());
    return {
      status: "cancelled",
      error: { code: ROLLED_BACK, message: "The run was cancelled and its checkpoints undone." },
    };
  }
  if (reason === "timeout")
    return {
      status: "timeout",
      error: { code: "RUN_TIMEOUT", message: "The run exceeded its timeout and was stopped." },
    };
  return { status: "error", error: errorOf(error) };
}

/** Undoes the run's checkpoints: the thread's head becomes a copy of where the run started. */
/** Where a first-claim run started: the thread's newest checkpoint the run did not write. */
async function startOf(store: PlatformStore, run: Run): Promise<CheckpointTuple | undefined> {
  const config = { configurable: { thread_id: run.threadId, checkpoint_ns: "" } };
  for await (const tuple of store.saver.list(config)) {
    if (tuple.metadata.run_id !== run.runId) return tuple;
  }
  return undefined;
}

async function rollBack(execution: Execution, base: CheckpointTuple | undefined): Promise<void> {
  const { run, store } = execution;
  const graph = execution.graph.withCheckpointer(store.saver);
  if (!base) {
    await store.saver.deleteThread(run.threadId);
    return;
  }
  await graph.updateState(
    {
      configurable: {
        thread_id: run.threadId,
        checkpoint_id: base.config.configurable.checkpoint_id,
      },
    },
    undefined,
    COPY_AS_NODE,
  );
}

export function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === "string" ? code : error.name, message: error.message };
  }
  return { code: "UNKNOWN", message: String(error) };
}

/** State as plain JSON for the thread cache and the API (class instances become their JSON). */
export function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v)));
}
