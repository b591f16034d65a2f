import { EMPTY } from "../channels/channel.ts";
import type { PendingWrite } from "../checkpoint/types.ts";
import { BRANCH_PREFIX, END, START, TASKS } from "../constants.ts";
import { ConclaveError, InvalidUpdateError, UnknownNodeError } from "../errors.ts";
import type { Task, Values } from "./algo.ts";
import { type Command, isCommand, isSend, Send } from "./command.ts";
import type { GraphSpec } from "./spec.ts";

/** Thrown when a node returns `Command({ graph: Command.PARENT })`: the parent graph applies it. */
export class ParentCommand extends ConclaveError {
  readonly command: Command;
  constructor(command: Command) {
    super(
      "PARENT_COMMAND",
      "A node returned Command.PARENT; the parent graph applies it. Use it only inside a subgraph.",
    );
    this.command = command;
  }
}

/**
 * Turns what a node returned into its writes: state updates, then static edges, then conditional
 * edges (evaluated on the state with this task's own writes applied), then Command routing.
 */
export function collectWrites(
  spec: GraphSpec,
  task: Task,
  result: unknown,
  snapshot: Values,
  config: unknown,
): PendingWrite[] {
  const writes: PendingWrite[] = [];
  const gotos: unknown[] = [];
  const commands = commandsIn(result);
  if (task.node.writesOf && !commands) {
    writes.push(...task.node.writesOf(result));
  } else if (commands) {
    for (const command of commands) {
      if (command.graph === "__parent__") throw new ParentCommand(command);
      if (command.update !== undefined) pushUpdate(spec, task, command.update, writes);
      gotos.push(...command.goto);
    }
  } else if (result !== undefined && result !== null) {
    pushUpdate(spec, task, result, writes);
  }
  if (task.name === START) validateInput(spec, result);
  for (const edge of task.node.edges) writes.push([edge[0], edge[1]]);
  for (const branch of task.node.branches) {
    const state = freshState(spec, snapshot, writes);
    const route = branch.path(state, config);
    if (route instanceof Promise)
      throw new InvalidUpdateError(
        `The conditional edge after "${task.name}" returned a Promise; route functions must be synchronous here. Await the work inside the node instead.`,
        "ASYNC_ROUTE",
      );
    routeTo(spec, task.name, route, branch.pathMap, writes);
  }
  for (const goto of gotos) routeTo(spec, task.name, goto, undefined, writes);
  return writes;
}

function commandsIn(result: unknown): Command[] | undefined {
  if (isCommand(result)) return [result];
  if (Array.isArray(result) && result.some(isCommand)) {
    if (!result.every(isCommand)) {
      throw new InvalidUpdateError(
        "A node returned an array mixing Commands and other values. Return one Command, an array of Commands, or an update object.",
      );
    }
    return result as Command[];
  }
  return undefined;
}

function pushUpdate(spec: GraphSpec, task: Task, update: unknown, writes: PendingWrite[]): void {
  if (
    Array.isArray(update) &&
    update.every((u) => Array.isArray(u) && u.length === 2 && typeof u[0] === "string")
  ) {
    for (const [key, value] of update as [string, unknown][])
      if (spec.channels.has(key) && !key.startsWith(BRANCH_PREFIX))
        writes.push([key, checkedField(spec, task, key, value)]);
    return;
  }
  if (typeof update !== "object" || update === null || Array.isArray(update)) {
    const seen = Array.isArray(update) ? "array" : typeof update;
    throw new InvalidUpdateError(
      `Expected node "${task.name}" to return an object or an array containing at least one Command object, received ${seen}: ${preview(update)}. ` +
        "Return a partial state object such as { key: value }.",
      "INVALID_GRAPH_NODE_RETURN_VALUE",
    );
  }
  for (const key of Object.keys(update)) {
    if (
      key === START ||
      key === TASKS ||
      !spec.channels.has(key) ||
      key.startsWith(BRANCH_PREFIX) ||
      key.startsWith("join:")
    )
      continue;
    writes.push([key, checkedField(spec, task, key, (update as Record<string, unknown>)[key])]);
  }
}

/** A StateSchema field's validated value (its schema may coerce it); other keys as written. */
function checkedField(spec: GraphSpec, task: Task, key: string, value: unknown): unknown {
  // Every write of every graph comes through here; only StateSchema graphs have checks.
  if (spec.stateChecks === undefined && spec.inputChecks === undefined) return value;
  const input = task.name === START;
  const check = (input ? (spec.inputChecks ?? spec.stateChecks) : spec.stateChecks)?.get(key);
  if (check === undefined) return value;
  return check(value, input ? "Graph input" : `The update of node "${task.name}"`);
}

function validateInput(spec: GraphSpec, input: unknown): void {
  if (!spec.inputZod || typeof input !== "object" || input === null || isCommand(input)) return;
  const parsed = spec.inputZod.safeParse(input);
  if (!parsed.success) {
    throw new InvalidUpdateError(
      `Graph input does not match the input schema: ${String((parsed.error as Error)?.message ?? parsed.error)}`,
      "INVALID_INPUT",
    );
  }
}

function preview(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The state a conditional edge sees: the step snapshot plus this task's own state writes. */
function freshState(
  spec: GraphSpec,
  snapshot: Values,
  writes: readonly PendingWrite[],
): Record<string, unknown> {
  const state: Record<string, unknown> = { ...snapshot };
  const grouped = new Map<string, unknown[]>();
  for (const [key, value] of writes) {
    if (!spec.stateKeys.includes(key)) continue;
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  for (const [key, values] of grouped) {
    const channel = spec.channels.get(key)!;
    const before = key in snapshot ? snapshot[key] : EMPTY;
    const after = channel.read(channel.update(before, values, key));
    if (after === EMPTY) delete state[key];
    else state[key] = after;
  }
  return state;
}

/** Adds the writes that route from `source` to `route` (names, Sends, lists, or END). */
export function routeTo(
  spec: GraphSpec,
  source: string,
  route: unknown,
  pathMap: Record<string, string> | undefined,
  writes: PendingWrite[],
): void {
  const targets = Array.isArray(route) ? route : [route];
  for (const target of targets) {
    if (isSend(target)) {
      if (!spec.nodes.has(target.node) || target.node === START) {
        throw new UnknownNodeError(
          `Invalid node name "${target.node}" in a Send packet from "${source}": no such node in graph "${spec.name}". Known nodes: ${knownNodes(spec)}.`,
        );
      }
      writes.push([TASKS, new Send(target.node, target.args).toJSON()]);
      continue;
    }
    const mapped = pathMap ? pathMap[String(target)] : target;
    if (mapped === END) continue;
    if (typeof mapped !== "string" || !spec.nodes.has(mapped) || mapped === START) {
      const shown =
        pathMap && mapped === undefined
          ? `${JSON.stringify(target)} (not in the path map)`
          : JSON.stringify(mapped);
      throw new UnknownNodeError(
        `The route from "${source}" returned ${shown}, which is not a node of graph "${spec.name}". ` +
          `Return one of: ${knownNodes(spec)}, or END.`,
      );
    }
    writes.push([BRANCH_PREFIX + mapped, null]);
  }
}

function knownNodes(spec: GraphSpec): string {
  return [...spec.nodes.keys()].filter((n) => n !== START).join(", ");
}
