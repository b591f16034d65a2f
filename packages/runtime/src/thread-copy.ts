/**
 * Copying a thread (LangGraph Platform's `POST /threads/{id}/copy`, the SDK's
 * `threads.copy`): a new thread of the same tenant with the source's metadata, its cached
 * values and interrupts, and every checkpoint and pending write of every namespace, under the
 * same checkpoint ids. Its history reads as the source's did, and a run on it continues where
 * the source stood; the two then diverge.
 *
 * The checkpoints are written through the saver's own `put` and `putWrites`, parents first,
 * so the copy is a hash chain of its own (the chain covers the thread id) that `verify`
 * checks, on every store. They are written before the thread row exists: a copy that fails
 * part way leaves checkpoints under an id no thread has, never a thread with half a history.
 */
import {
  type ChannelDeltas,
  type CheckpointPendingWrite,
  type CheckpointSaver,
  type CheckpointTuple,
  encode,
  type PendingWrite,
  type Thread,
} from "@conclave/core";
import { newId } from "./ids.ts";
import type { Runtime } from "./runtime.ts";

/** Copies `source` (already read for the caller's tenant) as a new thread; returns the copy. */
export async function copyThread(runtime: Runtime, source: Thread, actor: string): Promise<Thread> {
  const { tenant } = source;
  const threadId = newId();
  const copied = await copyCheckpoints(runtime.store.saver, source.threadId, threadId);
  const now = runtime.clock();
  const threads = runtime.store.threads;
  await threads.create({ tenant, threadId, metadata: source.metadata }, now);
  if (source.values != null || Object.keys(source.interrupts).length > 0) {
    await threads.setState(
      tenant,
      threadId,
      { values: source.values, interrupts: source.interrupts },
      now,
    );
  }
  await runtime.audit?.record([
    {
      tenant,
      kind: "thread.copied",
      actor,
      threadId,
      data: { from: source.threadId, checkpoints: copied },
    },
  ]);
  const copy = await threads.get(tenant, threadId);
  if (copy === undefined)
    throw new Error(`The copy ${threadId} of thread ${source.threadId} vanished.`);
  return copy;
}

/** Writes every checkpoint of thread `from` into thread `to`, parents first; returns how many. */
export async function copyCheckpoints(
  saver: CheckpointSaver,
  from: string,
  to: string,
): Promise<number> {
  const tuples: CheckpointTuple[] = [];
  for await (const tuple of saver.list({ configurable: { thread_id: from } })) tuples.push(tuple);
  const parentOf = parentLookup(tuples);
  for (const tuple of parentsFirst(tuples, parentOf)) {
    const ns = tuple.config.configurable.checkpoint_ns ?? "";
    const parentId = tuple.parentConfig?.configurable.checkpoint_id;
    const at = { thread_id: to, checkpoint_ns: ns };
    const before = parentOf(tuple)?.checkpoint.channel_values ?? {};
    await saver.put(
      { configurable: parentId === undefined ? at : { ...at, checkpoint_id: parentId } },
      { ...tuple.checkpoint, delta: deltaBetween(before, tuple.checkpoint.channel_values) },
      tuple.metadata,
    );
    for (const [taskId, writes] of writesByTask(tuple.pendingWrites ?? [])) {
      const config = { configurable: { ...at, checkpoint_id: tuple.checkpoint.id } };
      await saver.putWrites(config, writes, taskId);
    }
  }
  return tuples.length;
}

/**
 * What changed from a parent's values to a child's, as the saver stores it: values compared
 * by their encoding (a read gives every checkpoint its own objects), lists that grew as
 * appends, so a copied message history stays as compact as the source's.
 */
export function deltaBetween(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): ChannelDeltas {
  const delta: ChannelDeltas = {};
  for (const channel of Object.keys(before))
    if (!(channel in after)) delta[channel] = { op: "delete" };
  for (const [channel, value] of Object.entries(after)) {
    const previous = before[channel];
    if (!(channel in before)) delta[channel] = { op: "set", value };
    else if (encode(previous) === encode(value)) continue;
    else if (grewFrom(previous, value))
      delta[channel] = { op: "append", items: (value as unknown[]).slice(previous.length) };
    else delta[channel] = { op: "set", value };
  }
  return delta;
}

function grewFrom(previous: unknown, value: unknown): previous is unknown[] {
  if (!Array.isArray(previous) || !Array.isArray(value) || value.length <= previous.length)
    return false;
  return previous.every((item, i) => encode(item) === encode(value[i]));
}

type ParentLookup = (tuple: CheckpointTuple) => CheckpointTuple | undefined;

/** Finds a tuple's parent among `tuples` (same namespace); none for a root or a missing one. */
function parentLookup(tuples: readonly CheckpointTuple[]): ParentLookup {
  const key = (ns: string | undefined, id: string | undefined) => `${ns ?? ""}\u0000${id}`;
  const byKey = new Map(
    tuples.map((t) => [key(t.config.configurable.checkpoint_ns, t.checkpoint.id), t]),
  );
  return (tuple) => {
    const parent = tuple.parentConfig?.configurable;
    return parent ? byKey.get(key(parent.checkpoint_ns, parent.checkpoint_id)) : undefined;
  };
}

/**
 * The tuples ordered so that each comes after its parent (in its namespace), and otherwise
 * oldest first: a list is newest first, and a fork's parent may be older than its siblings.
 */
function parentsFirst(
  tuples: readonly CheckpointTuple[],
  parentOf: ParentLookup,
): CheckpointTuple[] {
  const ordered: CheckpointTuple[] = [];
  const placed = new Set<CheckpointTuple>();
  const place = (tuple: CheckpointTuple) => {
    // Iterative walk up the parents: histories can be longer than the stack is deep.
    const chain: CheckpointTuple[] = [];
    for (let at: CheckpointTuple | undefined = tuple; at && !placed.has(at); ) {
      chain.push(at);
      placed.add(at);
      at = parentOf(at);
    }
    ordered.push(...chain.reverse());
  };
  for (const tuple of [...tuples].reverse()) place(tuple);
  return ordered;
}

/** A checkpoint's pending writes as `putWrites` takes them: per task, in their order. */
function writesByTask(writes: readonly CheckpointPendingWrite[]): Map<string, PendingWrite[]> {
  const byTask = new Map<string, PendingWrite[]>();
  for (const [taskId, channel, value] of writes) {
    const list = byTask.get(taskId) ?? [];
    list.push([channel, value]);
    byTask.set(taskId, list);
  }
  return byTask;
}
