/**
 * LangGraph's checks for control flow a node must let through rather than handle: code that
 * wraps tools or nodes in try/catch rethrows these, and moves over unchanged.
 */
import { GraphInterrupt } from "./interrupt.ts";
import { ParentCommand } from "./writes.ts";

/** Whether `value` is a `Command.PARENT` on its way to the parent graph. Pure. */
export function isParentCommand(value: unknown): value is ParentCommand {
  return value instanceof ParentCommand;
}

/**
 * Whether `value` is control flow rather than a failure: an interrupt, or a `Command.PARENT`.
 * Rethrow it from a catch block, as with LangGraph's `isGraphBubbleUp`. Pure.
 * @example
 * try { return await tool.invoke(args); } catch (e) { if (isGraphBubbleUp(e)) throw e; return String(e); }
 */
export function isGraphBubbleUp(value: unknown): value is GraphInterrupt | ParentCommand {
  return value instanceof GraphInterrupt || value instanceof ParentCommand;
}
