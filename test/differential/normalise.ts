/**
 * Normalisation for differential results: turns what legitimately differs between LangGraph.js
 * and Conclave into comparable data. All functions here are pure except {@link collect} and
 * {@link captureError}, which await their argument.
 *
 * What is normalised, and why:
 * - Messages: LangGraph stores @langchain/core classes, Conclave plain objects. Both become
 *   `{type, content, id?, tool_calls?, name?, tool_call_id?}`.
 * - Errors become `{error: name, lc_error_code?, message?}`. Only LangGraph's own codes are kept
 *   (Conclave may add codes where LangGraph has none), and the message only for plain `Error`s,
 *   which the scenario threw itself.
 * - Checkpoint ids and task ids become ordinal tokens (`ckpt#0`, `task#0`) in order of first
 *   appearance, walking object keys in sorted order: equal ids stay equal, formats do not matter.
 * - Interrupt ids become `"<id>"` (presence), timestamps `"<ts>"`, and task ids inside
 *   checkpoint namespaces `name:<task>`.
 */

const MESSAGE_TYPES = new Set(["human", "ai", "system", "tool", "remove", "developer"]);

/** Error codes LangGraph.js 1.7 sets in `lc_error_code`; other codes are dropped. */
const LANGGRAPH_ERROR_CODES = new Set([
  "GRAPH_RECURSION_LIMIT",
  "INVALID_CONCURRENT_GRAPH_UPDATE",
  "INVALID_GRAPH_NODE_RETURN_VALUE",
  "MISSING_CHECKPOINTER",
  "MULTIPLE_SUBGRAPHS",
  "UNREACHABLE_NODE",
]);

type Rec = Record<string, unknown>;

function isRecord(value: unknown): value is Rec {
  return typeof value === "object" && value !== null;
}

class Tokens {
  readonly #seen = new Map<string, string>();
  readonly #counts = new Map<string, number>();

  token(kind: string, raw: unknown): unknown {
    if (typeof raw !== "string") return raw;
    const key = `${kind}:${raw}`;
    let token = this.#seen.get(key);
    if (token === undefined) {
      const n = this.#counts.get(kind) ?? 0;
      this.#counts.set(kind, n + 1);
      token = `${kind}#${n}`;
      this.#seen.set(key, token);
    }
    return token;
  }
}

function messageType(value: Rec): string | undefined {
  const getType = value._getType;
  if (typeof getType === "function") {
    const type: unknown = getType.call(value);
    return typeof type === "string" ? type : undefined;
  }
  const type = value.type;
  if (typeof type !== "string" || !MESSAGE_TYPES.has(type)) return undefined;
  return "content" in value || type === "remove" ? type : undefined;
}

function normaliseMessage(type: string, m: Rec, t: Tokens): Rec {
  const out: Rec = { type };
  if (type !== "remove") out.content = walk(m.content, t);
  if (typeof m.id === "string") out.id = m.id;
  if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
    out.tool_calls = m.tool_calls.map((c: unknown) =>
      isRecord(c) ? { name: c.name, args: walk(c.args, t), id: c.id } : c,
    );
  }
  if (typeof m.name === "string") out.name = m.name;
  if (typeof m.tool_call_id === "string") out.tool_call_id = m.tool_call_id;
  return out;
}

function normaliseError(e: Error, t: Tokens): Rec {
  const out: Rec = { error: e.name };
  const code: unknown = (e as unknown as Rec).lc_error_code;
  if (typeof code === "string" && LANGGRAPH_ERROR_CODES.has(code)) out.lc_error_code = code;
  if (e.name === "Error") out.message = e.message;
  if (e instanceof AggregateError) out.errors = walk(e.errors, t);
  return out;
}

function normaliseInterrupts(value: unknown, t: Tokens): unknown {
  if (!Array.isArray(value)) return walk(value, t);
  return value.map((i: unknown) =>
    isRecord(i) ? { value: walk(i.value, t), id: typeof i.id === "string" ? "<id>" : i.id } : i,
  );
}

function normaliseNamespace(ns: unknown): unknown {
  if (typeof ns !== "string" || ns === "") return ns;
  return ns
    .split("|")
    .map((segment) => `${segment.split(":")[0]}:<task>`)
    .join("|");
}

function walkKey(key: string, value: unknown, t: Tokens): unknown {
  switch (key) {
    case "checkpoint_id":
    case "parent_checkpoint_id":
      return t.token("ckpt", value);
    case "task_id":
      return t.token("task", value);
    case "timestamp":
    case "ts":
      return typeof value === "string" ? "<ts>" : value;
    case "__interrupt__":
    case "interrupts":
      return normaliseInterrupts(value, t);
    case "checkpoint_ns":
      return normaliseNamespace(value);
    default:
      return walk(value, t);
  }
}

function walk(value: unknown, t: Tokens): unknown {
  if (value instanceof Error) return normaliseError(value, t);
  if (Array.isArray(value)) return value.map((v) => walk(v, t));
  if (typeof value === "function") return "<function>";
  if (!isRecord(value)) return value;
  if (value instanceof Map) return walk(Object.fromEntries(value), t);
  if (value instanceof Set) return walk([...value], t);
  const type = messageType(value);
  if (type !== undefined) return normaliseMessage(type, value, t);
  const out: Rec = {};
  for (const key of Object.keys(value).sort()) out[key] = walkKey(key, value[key], t);
  return out;
}

/** Normalises a scenario result (pure). See the module comment for the rules. */
export function normalise(value: unknown): unknown {
  return walk(value, new Tokens());
}

function canonical(value: unknown): string {
  return JSON.stringify(normalise(value)) ?? "undefined";
}

/**
 * Sorts items by their normalised JSON, for comparing as multisets (e.g. `updates` chunks of
 * parallel branches, which arrive in completion order). Pure; use on items without opaque ids.
 */
export function sortByJson(items: readonly unknown[]): unknown[] {
  return [...items].sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1));
}

/** Drains an async iterable (or a promise of one, like `graph.stream()`) into an array. */
export async function collect(
  source: AsyncIterable<unknown> | Promise<AsyncIterable<unknown>>,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of await source) out.push(item);
  return out;
}

/** Settles `run()` and returns `{returned}` or `{threw}` (normalised later). */
export async function captureError(run: () => Promise<unknown>): Promise<Rec> {
  try {
    return { returned: await run() };
  } catch (error) {
    return { threw: error };
  }
}

/** A promise with its resolve function exposed, to order concurrent nodes without timers. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function configCheckpointId(config: unknown): unknown {
  if (!isRecord(config) || !isRecord(config.configurable)) return undefined;
  return config.configurable.checkpoint_id;
}

function summariseSnapshotTask(task: unknown): unknown {
  if (!isRecord(task)) return task;
  const out: Rec = { name: task.name, interrupts: task.interrupts ?? [] };
  if (task.error !== undefined && task.error !== null) out.error = true;
  if (isRecord(task.state) && "values" in task.state) out.state = summariseSnapshot(task.state);
  return out;
}

/**
 * Summarises a StateSnapshot (from `getState`/`getStateHistory`) or a `checkpoints` stream
 * chunk: values, next, step, source, checkpoint and parent ids, and tasks by name. Pure.
 */
export function summariseSnapshot(snapshot: unknown): Rec {
  if (!isRecord(snapshot)) throw new Error(`expected a state snapshot, got ${String(snapshot)}`);
  const metadata = isRecord(snapshot.metadata) ? snapshot.metadata : {};
  const tasks = Array.isArray(snapshot.tasks) ? snapshot.tasks : [];
  return {
    values: snapshot.values,
    next: Array.isArray(snapshot.next) ? [...snapshot.next] : snapshot.next,
    step: metadata.step,
    source: metadata.source,
    thread_id: metadata.thread_id,
    checkpoint_id: configCheckpointId(snapshot.config),
    parent_checkpoint_id: configCheckpointId(snapshot.parentConfig),
    tasks: tasks.map(summariseSnapshotTask),
  };
}

/** Alias of {@link summariseSnapshot} for `checkpoints` stream chunks. */
export const summariseCheckpoint = summariseSnapshot;

/** Summarises a history iterable (newest first) into snapshot summaries. */
export async function summariseHistory(history: AsyncIterable<unknown>): Promise<Rec[]> {
  return (await collect(history)).map(summariseSnapshot);
}

/**
 * Summarises a `tasks` stream chunk: the task id (tokenised), name, and input, or result,
 * error presence and interrupts. Internal trigger channel names and metadata are dropped. Pure.
 */
export function summariseTask(chunk: unknown): Rec {
  if (!isRecord(chunk)) throw new Error(`expected a task chunk, got ${String(chunk)}`);
  const out: Rec = { task_id: chunk.id, name: chunk.name, interrupts: chunk.interrupts };
  if ("input" in chunk) out.input = chunk.input;
  if ("result" in chunk) out.result = chunk.result;
  if ("error" in chunk) out.error = chunk.error === null || chunk.error === undefined ? null : true;
  return out;
}

/** Summarises a `debug` stream chunk `{type, step, payload}`. Pure. */
export function summariseDebug(chunk: unknown): Rec {
  if (!isRecord(chunk)) throw new Error(`expected a debug chunk, got ${String(chunk)}`);
  const payload =
    chunk.type === "checkpoint" ? summariseSnapshot(chunk.payload) : summariseTask(chunk.payload);
  return { type: chunk.type, step: chunk.step, payload };
}
