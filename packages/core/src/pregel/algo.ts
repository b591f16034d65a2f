import { EMPTY } from "../channels/channel.ts";
import type { ChannelDeltas, PendingWrite } from "../checkpoint/types.ts";
import { BRANCH_PREFIX, ERROR, INTERRUPT, RESUME, START, TASKS } from "../constants.ts";
import { UnknownNodeError } from "../errors.ts";
import { createTaskId } from "./ids.ts";
import type { Interrupt } from "./interrupt.ts";
import type { GraphSpec, NodeSpec } from "./spec.ts";
import type { TaskRuntimeState } from "./task-runtime.ts";

/**
 * The pure half of the engine: which tasks a checkpoint triggers, how a superstep's writes fold
 * into the next values, and what changed. No I/O, no clocks; the loop performs.
 */

/** Channel values by name. An empty channel has no key. Never mutated once published. */
export type Values = Readonly<Record<string, unknown>>;

/** A unit of work in a superstep: one node run on one input. */
export interface Task {
  id: string;
  name: string;
  kind: "pull" | "push";
  /** Send index for push tasks; 0 for pull tasks. */
  index: number;
  input: unknown;
  triggers: readonly string[];
  node: NodeSpec;
  /** The task's own checkpoint namespace (used by subgraphs and interrupt ids). */
  ns: string;
  writes: PendingWrite[];
  interrupts?: Interrupt[];
  error?: unknown;
  /** The writes came from a previous attempt's saved pending writes. */
  restored?: boolean;
  /** The task's runtime handle while it runs (journal and annotations), once a node used it. */
  runtime?: TaskRuntimeState;
}

/** Where the tasks are prepared: identifies them deterministically. */
export interface TaskContext {
  checkpointId: string;
  ns: string;
  step: number;
}

const SPECIAL = new Set<string>([ERROR, INTERRUPT, RESUME]);

/** Whether writing `channel` only triggers a node and stores nothing. Pure. */
export function isPureTrigger(spec: GraphSpec, channel: string): boolean {
  return channel.startsWith(BRANCH_PREFIX) && !spec.channels.has(channel);
}

/** Reads the named state keys into a fresh object; empty keys are omitted. Pure. */
export function readState(
  spec: GraphSpec,
  values: Values,
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const channel = spec.channels.get(key);
    if (!channel) continue;
    const value = channel.read(key in values ? values[key] : EMPTY);
    if (value !== EMPTY) out[key] = value;
  }
  return out;
}

/**
 * What the `values` stream and `getState` show: every state channel (private ones and those of
 * input and output schemas too), as LangGraph's stream channels; or, for an entrypoint, its
 * root channel's raw value. `invoke` returns only the output keys.
 */
export function readValues(spec: GraphSpec, values: Values): unknown {
  if (spec.rootChannel !== undefined) return readRoot(spec, spec.rootChannel, values);
  return readState(spec, values, spec.stateKeys);
}

/** A root channel's raw value (null while it has none, as LangGraph's). */
export function readRoot(spec: GraphSpec, key: string, values: Values): unknown {
  const value = spec.channels.get(key)?.read(key in values ? values[key] : EMPTY) ?? EMPTY;
  return value === EMPTY ? null : value;
}

function isTriggered(
  spec: GraphSpec,
  node: NodeSpec,
  values: Values,
  updated: ReadonlySet<string>,
): boolean {
  for (const trigger of node.triggers) {
    if (!updated.has(trigger)) continue;
    if (isPureTrigger(spec, trigger)) return true;
    const channel = spec.channels.get(trigger);
    if (channel?.isAvailable(trigger in values ? values[trigger] : EMPTY)) return true;
  }
  return false;
}

/** Names of nodes the updated channels trigger, sorted. Pure. */
export function triggeredNodes(
  spec: GraphSpec,
  values: Values,
  updated: readonly string[],
): string[] {
  const updatedSet = new Set(updated);
  const names = new Set<string>();
  for (const channel of updated) {
    for (const name of spec.triggerIndex.get(channel) ?? []) {
      if (!names.has(name) && isTriggered(spec, spec.nodes.get(name)!, values, updatedSet))
        names.add(name);
    }
  }
  return [...names].sort();
}

/** The Send packets waiting for the next superstep. Pure. */
export function pendingSends(
  values: Values,
  updated: readonly string[],
): { node: string; args: unknown }[] {
  if (!updated.includes(TASKS)) return [];
  return (values[TASKS] as { node: string; args: unknown }[] | undefined) ?? [];
}

/**
 * The tasks a checkpoint triggers: Send (push) tasks in packet order, then node (pull) tasks by
 * name, with deterministic ids. Pure.
 */
export function prepareTasks(
  spec: GraphSpec,
  values: Values,
  updated: readonly string[],
  ctx: TaskContext,
): Task[] {
  const tasks: Task[] = [];
  const sends = pendingSends(values, updated);
  for (let i = 0; i < sends.length; i++) {
    const packet = sends[i]!;
    const node = spec.nodes.get(packet.node);
    if (!node)
      throw new UnknownNodeError(
        `A Send targets node "${packet.node}", which does not exist in graph "${spec.name}".`,
      );
    const id = createTaskId([ctx.checkpointId, ctx.ns, ctx.step, "push", packet.node, i]);
    tasks.push(makeTask(id, node, "push", i, packet.args, [TASKS], ctx.ns));
  }
  for (const name of triggeredNodes(spec, values, updated)) {
    const node = spec.nodes.get(name)!;
    const id = createTaskId([ctx.checkpointId, ctx.ns, ctx.step, "pull", name]);
    const input =
      node.inputKeys === undefined ? values[START] : readState(spec, values, node.inputKeys);
    tasks.push(
      makeTask(
        id,
        node,
        "pull",
        0,
        input,
        node.triggers.filter((t) => updated.includes(t)),
        ctx.ns,
      ),
    );
  }
  return tasks;
}

function makeTask(
  id: string,
  node: NodeSpec,
  kind: Task["kind"],
  index: number,
  input: unknown,
  triggers: readonly string[],
  ns: string,
): Task {
  const taskNs = `${ns === "" ? "" : `${ns}|`}${node.name}:${id}`;
  return { id, name: node.name, kind, index, input, triggers, node, ns: taskNs, writes: [] };
}

/** Tasks in write-application order: pull tasks by name, then push tasks by Send index. Pure. */
export function inApplyOrder(tasks: readonly Task[]): Task[] {
  return [...tasks].sort((a, b) =>
    a.kind !== b.kind
      ? a.kind === "pull"
        ? -1
        : 1
      : a.kind === "pull"
        ? a.name < b.name
          ? -1
          : a.name > b.name
            ? 1
            : 0
        : a.index - b.index,
  );
}

/** The result of folding one superstep's writes. */
export interface AppliedWrites {
  values: Values;
  /** Trigger channels updated by this step: what the next step runs on. */
  updated: string[];
  /** Every channel whose stored value changed (for deltas). */
  changed: string[];
  /** Whether an output key was written (LangGraph emits `values` only then). */
  stateWritten: boolean;
}

/**
 * Folds the writes of finished tasks into new values, in deterministic order (never completion
 * order): consumes triggers, clears the input and Send slots, applies each channel's writes in one
 * `update`, and when nothing else would run, releases deferred nodes. Pure apart from user reducers.
 */
export function applyWrites(
  spec: GraphSpec,
  values: Values,
  tasks: readonly Task[],
): AppliedWrites {
  let next: Record<string, unknown> | undefined;
  const changed: string[] = [];
  const set = (channel: string, value: unknown) => {
    next ??= { ...values };
    if (value === EMPTY) delete next[channel];
    else next[channel] = value;
    changed.push(channel);
  };
  const current = (channel: string) => {
    const source = next ?? values;
    return channel in source ? source[channel] : EMPTY;
  };
  for (const task of tasks) {
    for (const trigger of task.triggers) {
      const consume = spec.channels.get(trigger)?.consume;
      if (!consume) continue;
      const before = current(trigger);
      const after = consume(before);
      if (after !== before) set(trigger, after);
    }
  }
  if (TASKS in values) set(TASKS, EMPTY);
  const updated = new Set<string>();
  const grouped = new Map<string, unknown[]>();
  const sends: unknown[] = [];
  for (const task of inApplyOrder(tasks)) {
    for (const [channel, value] of task.writes) {
      if (SPECIAL.has(channel)) continue;
      if (channel === TASKS) sends.push(value);
      else if (isPureTrigger(spec, channel)) updated.add(channel);
      else if (spec.channels.has(channel)) {
        const list = grouped.get(channel);
        if (list) list.push(value);
        else grouped.set(channel, [value]);
      }
    }
  }
  let stateWritten = false;
  for (const [channel, spec_] of spec.channels) {
    const writes = grouped.get(channel);
    if (!writes && !(spec_.ephemeral && channel in (next ?? values))) continue;
    const before = current(channel);
    const after = spec_.update(before, writes ?? [], channel);
    if (after !== before) set(channel, after);
    if (writes) {
      if (spec.triggerIndex.has(channel)) updated.add(channel);
      else if (spec.stateKeys.includes(channel)) stateWritten = true;
    }
  }
  if (sends.length > 0) {
    set(TASKS, sends);
    updated.add(TASKS);
  }
  const result = { values: next ?? values, updated: [...updated], changed, stateWritten };
  return finishIfIdle(spec, result);
}

function finishIfIdle(spec: GraphSpec, result: AppliedWrites): AppliedWrites {
  if (spec.finishChannels.length === 0) return result;
  if (
    result.updated.includes(TASKS) ||
    triggeredNodes(spec, result.values, result.updated).length > 0
  )
    return result;
  let values = result.values;
  for (const channel of spec.finishChannels) {
    const finish = spec.channels.get(channel)!.finish!;
    const before = channel in values ? values[channel] : EMPTY;
    const after = finish(before);
    if (after === before) continue;
    values = { ...values, [channel]: after };
    result.changed.push(channel);
    result.updated.push(channel);
  }
  return { ...result, values };
}

/**
 * The reducer-agnostic delta between two value records for the channels that changed: `append`
 * when the new array extends the old one element-for-element, else `set` or `delete`. Pure.
 */
export function computeDelta(
  previous: Values,
  next: Values,
  changed: Iterable<string>,
): ChannelDeltas {
  const delta: ChannelDeltas = {};
  for (const channel of changed) {
    if (channel in delta) continue;
    const hadBefore = channel in previous;
    if (!(channel in next)) {
      if (hadBefore) delta[channel] = { op: "delete" };
      continue;
    }
    const after = next[channel];
    const before = previous[channel];
    if (hadBefore && before === after) continue;
    if (hadBefore && Array.isArray(before) && Array.isArray(after) && isPrefix(before, after)) {
      if (after.length > before.length)
        delta[channel] = { op: "append", items: after.slice(before.length) };
      continue;
    }
    delta[channel] = { op: "set", value: after };
  }
  return delta;
}

function isPrefix(prefix: readonly unknown[], array: readonly unknown[]): boolean {
  if (prefix.length > array.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== array[i]) return false;
  return true;
}
