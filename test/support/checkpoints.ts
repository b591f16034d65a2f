/**
 * Test helpers that play the engine's part: they build checkpoints with reducer-agnostic deltas
 * from successive full states, the way the engine hands them to `put`.
 */
import type {
  ChannelDeltas,
  CheckpointConfig,
  CheckpointMetadata,
  CheckpointSaver,
  CheckpointToWrite,
} from "@conclave/core";
import { encode } from "@conclave/core";

let counter = 0;
const runId = Date.now().toString(36).padStart(10, "0");

/** A fresh time-ordered checkpoint id (sorts by creation within and across calls). */
export function nextId(): string {
  counter++;
  return `${runId}-${counter.toString().padStart(10, "0")}`;
}

/** A fresh thread id with a readable prefix. */
export function threadId(prefix: string): string {
  return `${prefix}-${nextId()}`;
}

/** The delta that turns `prev` into `next`: append for array growth, set, delete. Pure. */
export function diff(prev: Record<string, unknown>, next: Record<string, unknown>): ChannelDeltas {
  const delta: ChannelDeltas = {};
  for (const [key, value] of Object.entries(next)) {
    const old = prev[key];
    const had = Object.hasOwn(prev, key);
    if (had && Array.isArray(old) && Array.isArray(value) && isPrefix(old, value)) {
      if (old.length < value.length) delta[key] = { op: "append", items: value.slice(old.length) };
    } else if (!had || !same(old, value)) delta[key] = { op: "set", value };
  }
  for (const key of Object.keys(prev)) if (!Object.hasOwn(next, key)) delta[key] = { op: "delete" };
  return delta;
}

// Reference equality first: states share unchanged items, and encoding 2 MB per step is slow.
function same(a: unknown, b: unknown): boolean {
  return a === b || encode(a) === encode(b);
}

function isPrefix(prefix: unknown[], of: unknown[]): boolean {
  if (prefix.length > of.length) return false;
  for (let i = 0; i < prefix.length; i++) if (!same(prefix[i], of[i])) return false;
  return true;
}

/** Builds the checkpoint the engine would `put` for `next` after `prev`. */
export function checkpointOf(
  prev: Record<string, unknown>,
  next: Record<string, unknown>,
  options: { id?: string; ts?: string } = {},
): CheckpointToWrite {
  const delta = diff(prev, next);
  return {
    v: 1,
    id: options.id ?? nextId(),
    ts: options.ts ?? new Date().toISOString(),
    channel_values: next,
    updated_channels: Object.keys(delta).sort(),
    delta,
  };
}

/** Loop metadata for step `step`. */
export function meta(step: number, extra: Record<string, unknown> = {}): CheckpointMetadata {
  return { source: step < 0 ? "input" : "loop", step, parents: {}, ...extra };
}

/** One stored checkpoint of a simulated run. */
export interface Stored {
  config: CheckpointConfig;
  values: Record<string, unknown>;
}

/**
 * Puts one checkpoint per state, each the child of the previous, starting under `parent`.
 * Returns what was stored, so reads can be compared exactly.
 */
export async function putChain(
  saver: CheckpointSaver,
  base: { thread: string; ns?: string; parent?: Stored },
  states: Array<Record<string, unknown>>,
  options: { ts?: (i: number) => string; step0?: number } = {},
): Promise<Stored[]> {
  const stored: Stored[] = [];
  let prev = base.parent;
  for (let i = 0; i < states.length; i++) {
    const values = states[i]!;
    const config: CheckpointConfig = {
      configurable: {
        thread_id: base.thread,
        checkpoint_ns: base.ns ?? "",
        ...(prev ? { checkpoint_id: prev.config.configurable.checkpoint_id } : {}),
      },
    };
    const ts = options.ts?.(i);
    const checkpoint = checkpointOf(prev?.values ?? {}, values, ts ? { ts } : {});
    const next = await saver.put(config, checkpoint, meta((options.step0 ?? -1) + i));
    prev = { config: next, values };
    stored.push(prev);
  }
  return stored;
}

/** States of a chat-like run: `steps` states, each appending one message of `size` chars. */
export function chatStates(steps: number, size = 40): Array<Record<string, unknown>> {
  const states: Array<Record<string, unknown>> = [];
  const messages: unknown[] = [];
  for (let i = 0; i < steps; i++) {
    messages.push({ role: i % 2 ? "ai" : "human", text: `m${i}:`.padEnd(size, "x") });
    const state: Record<string, unknown> = { messages: [...messages], step: i };
    if (i % 7 === 3) state.scratch = { note: `n${i}`, at: new Date(1_700_000_000_000 + i) };
    states.push(state);
  }
  return states;
}
