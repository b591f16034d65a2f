import type {
  CheckpointConfig,
  CheckpointSaver,
  CheckpointTuple,
  ListOptions,
} from "../checkpoint/types.ts";
import { CHECKPOINT_VERSION } from "../checkpoint/types.ts";
import {
  COPY_AS_NODE,
  END,
  ERROR,
  INPUT_AS_NODE,
  INTERRUPT,
  NULL_TASK_ID,
  START,
  TASKS,
} from "../constants.ts";
import { InvalidUpdateError, UnknownNodeError } from "../errors.ts";
import {
  applyWrites,
  computeDelta,
  prepareTasks,
  readState,
  readValues,
  type Task,
  type Values,
} from "../pregel/algo.ts";
import { createCheckpointId } from "../pregel/ids.ts";
import type { Interrupt } from "../pregel/interrupt.ts";
import { NO_WRITES } from "../pregel/runner.ts";
import type { GraphSpec } from "../pregel/spec.ts";
import type { PregelTaskDescription, StateSnapshot } from "../pregel/types.ts";
import { collectWrites } from "../pregel/writes.ts";

/** What state access needs from a compiled graph. */
export interface GraphHandle {
  readonly spec: GraphSpec;
}

function nsOf(config: CheckpointConfig): string {
  return config.configurable.checkpoint_ns ?? "";
}

function tasksOf(spec: GraphSpec, tuple: CheckpointTuple): Task[] {
  const { channel_values: values, updated_channels: updated, id } = tuple.checkpoint;
  return prepareTasks(spec, values, updated, {
    checkpointId: id,
    ns: nsOf(tuple.config),
    step: tuple.metadata.step,
  });
}

/** Builds a state snapshot from a stored checkpoint; optionally folds in finished tasks' writes. */
export function snapshotFromTuple(
  spec: GraphSpec,
  tuple: CheckpointTuple,
  applyPending: boolean,
): StateSnapshot {
  const tasks = tasksOf(spec, tuple);
  const done: Task[] = [];
  const descriptions: PregelTaskDescription[] = tasks.map((task) => {
    const own = tuple.pendingWrites.filter(([id]) => id === task.id);
    const error = own.find(([, c]) => c === ERROR)?.[2];
    const interrupts = own
      .filter(([, c]) => c === INTERRUPT)
      .flatMap(([, , v]) => v as Interrupt[]);
    const succeeded = own.length > 0 && error === undefined && interrupts.length === 0;
    if (succeeded) {
      task.writes = own.filter(([, c]) => c !== NO_WRITES).map(([, c, v]) => [c, v]);
      done.push(task);
    }
    const description: PregelTaskDescription = {
      id: task.id,
      name: task.name,
      path: task.kind === "pull" ? ["__pregel_pull", task.name] : ["__pregel_push", task.index],
      interrupts,
    };
    if (error !== undefined) description.error = error;
    // As LangGraph: a task that wrote no state key (a no-op, or only a route) shows no result.
    const shown = succeeded ? task.writes.filter(([c]) => spec.stateKeys.includes(c)) : [];
    if (shown.length > 0) description.result = Object.fromEntries(shown);
    if (task.node.subgraph)
      description.state = {
        configurable: { thread_id: tuple.config.configurable.thread_id, checkpoint_ns: task.ns },
      };
    return description;
  });
  let values: Values = tuple.checkpoint.channel_values;
  let next = tasks;
  if (applyPending && done.length > 0) {
    values = applyWrites(spec, values, done).values;
    next = tasks.filter((t) => !done.includes(t));
  }
  // As LangGraph's snapshots do: the thread is named in the metadata, though not stored there.
  const threadId = tuple.config.configurable.thread_id;
  return {
    values: readValues(spec, values) as Record<string, unknown>,
    next: next.map((t) => t.name),
    config: tuple.config,
    metadata: threadId ? { ...tuple.metadata, thread_id: threadId } : tuple.metadata,
    createdAt: tuple.checkpoint.ts,
    parentConfig: tuple.parentConfig,
    tasks: descriptions,
  };
}

/** The snapshot at `config` (newest when no checkpoint id), with subgraph states if asked. */
export async function readSnapshot(
  graph: GraphHandle,
  saver: CheckpointSaver,
  config: CheckpointConfig,
  subgraphs: boolean,
): Promise<StateSnapshot> {
  const lookup = { configurable: { ...config.configurable, checkpoint_ns: nsOf(config) } };
  const tuple = await saver.getTuple(lookup);
  if (!tuple) return { values: {}, next: [], config: lookup, tasks: [] };
  const snapshot = snapshotFromTuple(
    graph.spec,
    tuple,
    config.configurable.checkpoint_id === undefined,
  );
  if (subgraphs) {
    for (const task of snapshot.tasks) {
      const node = graph.spec.nodes.get(task.name);
      if (!node?.subgraph || !task.state) continue;
      const child = await readSnapshot(node.subgraph, saver, task.state as CheckpointConfig, true);
      if (child.metadata) task.state = child;
    }
  }
  return snapshot;
}

/** Snapshots of every checkpoint of the thread namespace, newest first. */
export async function* readHistory(
  graph: GraphHandle,
  saver: CheckpointSaver,
  config: CheckpointConfig,
  options?: ListOptions,
): AsyncGenerator<StateSnapshot> {
  const lookup = { configurable: { ...config.configurable, checkpoint_ns: nsOf(config) } };
  delete lookup.configurable.checkpoint_id;
  const before = options?.before ?? (config.configurable.checkpoint_id ? undefined : undefined);
  for await (const tuple of saver.list(lookup, { ...options, before }))
    yield snapshotFromTuple(graph.spec, tuple, false);
}

/** One update of a superstep: `values` as if node `asNode` had returned them. */
export interface StateUpdate {
  values: unknown;
  asNode?: string;
}

/**
 * Writes a checkpoint as if `asNode` had returned `values`: its writes go through the reducers and
 * its edges decide what runs next. `END` with null values clears pending tasks; `__input__`
 * applies the values as graph input; `__copy__` copies the checkpoint. Several updates of one
 * superstep (LangGraph's `bulkUpdateState`) are applied together, as the tasks of one step, in
 * one checkpoint. Returns the new config.
 */
export async function applyStateUpdates(
  graph: GraphHandle,
  saver: CheckpointSaver,
  config: CheckpointConfig,
  updates: readonly StateUpdate[],
): Promise<CheckpointConfig> {
  const spec = graph.spec;
  const ns = nsOf(config);
  const threadId = config.configurable.thread_id;
  const tuple = await saver.getTuple({
    configurable: { ...config.configurable, checkpoint_ns: ns },
  });
  const base: Values = tuple?.checkpoint.channel_values ?? {};
  const nodes = await asNodesOf(spec, saver, tuple, updates);
  const [first] = nodes;
  let next: { values: Values; updated: string[]; changed: string[] };
  let source: "update" | "input" | "fork" = "update";
  if (first === END) {
    next = { values: base, updated: [], changed: [] };
  } else if (first === COPY_AS_NODE) {
    next = { values: base, updated: [...(tuple?.checkpoint.updated_channels ?? [])], changed: [] };
    source = "fork";
  } else if (first === INPUT_AS_NODE) {
    next = { values: { ...base, [START]: updates[0]!.values }, updated: [START], changed: [START] };
    source = "input";
  } else {
    const state = readState(spec, base, spec.stateKeys);
    const tasks = nodes.map((node, i) => updateTask(spec, ns, node, updates[i]!.values, state));
    const applied = applyWrites(spec, base, tasks);
    next = { values: applied.values, updated: applied.updated, changed: applied.changed };
  }
  const step = tuple ? tuple.metadata.step + 1 : -1;
  const checkpoint = {
    v: CHECKPOINT_VERSION,
    id: createCheckpointId(),
    ts: new Date().toISOString(),
    channel_values: next.values as Record<string, unknown>,
    updated_channels: next.updated.filter((c) => c !== TASKS || TASKS in next.values),
    delta: computeDelta(base, next.values, next.changed),
  };
  const parent = tuple?.config ?? { configurable: { thread_id: threadId, checkpoint_ns: ns } };
  return saver.put(parent, checkpoint, { source, step, parents: {} });
}

/** The node of each update; the special ones (END, copy, input) only alone in their superstep. */
async function asNodesOf(
  spec: GraphSpec,
  saver: CheckpointSaver,
  tuple: CheckpointTuple | undefined,
  updates: readonly StateUpdate[],
): Promise<string[]> {
  if (updates.length === 0)
    throw new InvalidUpdateError(
      "A superstep of bulkUpdateState has no updates; give each superstep at least one { values, asNode }.",
      "EMPTY_UPDATE",
    );
  if (updates.length === 1) return [updates[0]!.asNode ?? (await inferAsNode(spec, saver, tuple))];
  return updates.map(({ asNode }, i) => {
    if (asNode === undefined || [END, COPY_AS_NODE, INPUT_AS_NODE].includes(asNode))
      throw new InvalidUpdateError(
        `Update ${i} of a superstep with ${updates.length} updates has asNode ${JSON.stringify(asNode)}; with several updates in one superstep each needs the node it stands for (END, __copy__ and __input__ only alone).`,
        "AMBIGUOUS_UPDATE",
      );
    return asNode;
  });
}

function updateTask(
  spec: GraphSpec,
  ns: string,
  node: string,
  values: unknown,
  state: Record<string, unknown>,
): Task {
  const nodeSpec = spec.nodes.get(node);
  if (!nodeSpec)
    throw new UnknownNodeError(
      `updateState asNode "${node}" is not a node of graph "${spec.name}". Pass one of: ${[...spec.nodes.keys()].join(", ")}.`,
    );
  const task: Task = {
    id: NULL_TASK_ID,
    name: node,
    kind: "pull",
    index: 0,
    input: undefined,
    triggers: [],
    node: nodeSpec,
    ns,
    writes: [],
  };
  task.writes = collectWrites(spec, task, values, state, {});
  return task;
}

async function inferAsNode(
  spec: GraphSpec,
  saver: CheckpointSaver,
  tuple: CheckpointTuple | undefined,
): Promise<string> {
  // As LangGraph: the node whose run produced this checkpoint (START for input).
  if (!tuple) return START;
  if (tuple.metadata.source === "input") return START;
  const parent = tuple.parentConfig ? await saver.getTuple(tuple.parentConfig) : undefined;
  const ran = parent ? [...new Set(tasksOf(spec, parent).map((t) => t.name))] : [];
  if (ran.length === 1) return ran[0]!;
  throw new InvalidUpdateError(
    `Ambiguous update: cannot tell which node the update comes from (last step ran ${ran.length === 0 ? "no node" : ran.join(", ")}). Pass asNode to updateState(config, values, asNode).`,
    "AMBIGUOUS_UPDATE",
  );
}
