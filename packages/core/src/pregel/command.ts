/**
 * Control-flow values a node can return: `Send` (dynamic fan-out), `Command` (update and route
 * in one value, resume an interrupt, or act on the parent graph).
 */

/**
 * Runs `node` in the next superstep with `args` as its whole input (not the graph state).
 *
 * @example
 * addConditionalEdges("plan", (s) => s.topics.map((t) => new Send("write", { topic: t })))
 */
export class Send<Node extends string = string, Args = unknown> {
  readonly lg_name = "Send";
  readonly node: Node;
  readonly args: Args;
  constructor(node: Node, args: Args) {
    this.node = node;
    this.args = args;
  }
  toJSON(): { lg_name: "Send"; node: Node; args: Args } {
    return { lg_name: "Send", node: this.node, args: this.args };
  }
}

/** Whether `value` is a Send, or a Send in its serialised form. Pure. */
export function isSend(value: unknown): value is Send {
  if (value instanceof Send) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { lg_name?: unknown }).lg_name === "Send" &&
    typeof (value as { node?: unknown }).node === "string"
  );
}

export type Goto<Nodes extends string = string> = Nodes | Send<Nodes> | (Nodes | Send<Nodes>)[];

export interface CommandParams<Resume = unknown, Update = unknown, Nodes extends string = string> {
  /** As graph input: the value `interrupt()` returns (or a map from interrupt id to value). */
  resume?: Resume;
  /** State update, as an object or a list of [key, value] pairs. */
  update?: Update | [string, unknown][];
  /** Where to go next. */
  goto?: Goto<Nodes>;
  /** `Command.PARENT` to apply the command to the parent graph. */
  graph?: string;
}

/**
 * Updates state and routes in one return value; as input, resumes an interrupted thread.
 *
 * @example
 * return new Command({ update: { visits: 1 }, goto: "review" });
 * await graph.invoke(new Command({ resume: "approved" }), config);
 */
export class Command<Resume = unknown, Update = unknown, Nodes extends string = string> {
  /** Targets the graph that contains the current subgraph. */
  static readonly PARENT = "__parent__";
  readonly lg_name = "Command";
  /** Tells LangChain tools to return a Command as it is, not wrapped in a tool message. */
  readonly lc_direct_tool_output = true;
  readonly resume?: Resume;
  readonly update?: Update | [string, unknown][];
  readonly goto: (Nodes | Send<Nodes>)[];
  readonly graph?: string;

  constructor(params: CommandParams<Resume, Update, Nodes>) {
    this.resume = params.resume;
    this.update = params.update;
    this.graph = params.graph;
    const goto = params.goto;
    this.goto = goto === undefined ? [] : Array.isArray(goto) ? goto : [goto];
  }
}

/** Whether `value` is a Command (or its serialised form). Pure. */
export function isCommand(value: unknown): value is Command {
  if (value instanceof Command) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { lg_name?: unknown }).lg_name === "Command"
  );
}

/** Normalises a Command-like object into a Command instance. Pure. */
export function toCommand(value: Command | CommandParams): Command {
  return value instanceof Command ? value : new Command(value);
}
