/** The virtual node every graph starts from. */
export const START = "__start__";
/** The virtual node a route names to finish. */
export const END = "__end__";
/** Key under which `invoke` results and `updates` chunks carry pending interrupts. */
export const INTERRUPT = "__interrupt__";
/** Pending-write channel holding the resume values a task has consumed. */
export const RESUME = "__resume__";
/** Pending-write channel recording a task's failure. */
export const ERROR = "__error__";
/** Task id used for writes that belong to no task (a resume value sent to the thread). */
export const NULL_TASK_ID = "00000000-0000-0000-0000-000000000000";
/** Channel holding `Send` packets for the next superstep. */
export const TASKS = "__pregel_tasks";
/** Prefix of the trigger channel of each node. */
export const BRANCH_PREFIX = "branch:to:";
/** Prefix of waiting-edge barrier channels. */
export const JOIN_PREFIX = "join:";
/** Prefix of a subgraph task's checkpoint namespace segment separator. */
export const NS_SEP = "|";
/** Separates a node name from its task id inside a namespace segment. */
export const NS_END = ":";
/** `asNode` value for `updateState` that applies the values as graph input. */
export const INPUT_AS_NODE = "__input__";
/** `asNode` value for `updateState` that copies a checkpoint unchanged. */
export const COPY_AS_NODE = "__copy__";

/** Names a user may not give to a node or state key. */
export const RESERVED_NAMES = new Set([
  START,
  END,
  INTERRUPT,
  RESUME,
  ERROR,
  TASKS,
  INPUT_AS_NODE,
  COPY_AS_NODE,
]);
