import {
  Annotation,
  type CheckpointSaver,
  type CompiledStateGraph,
  ConclaveError,
  END,
  MessagesAnnotation,
  type NodeConfig,
  START,
  StateGraph,
} from "@conclave/core";
import { z } from "zod";
import { askForObject, type ModelRef } from "../agent/model-ref.ts";
import type { GraphNode } from "./graph-node.ts";

/** Ends the supervisor loop: the value a route or the model returns to finish. */
export const FINISH = "FINISH";

/** One recorded handoff: where the supervisor sent the conversation and why. */
export interface Handoff {
  to: string;
  reason: string;
  by: "rule" | "model";
}

export const SupervisorState = Annotation.Root({
  ...MessagesAnnotation.spec,
  next: Annotation<string>(),
  handoffs: Annotation<Handoff[], Handoff | Handoff[]>({
    reducer: (a, b) => a.concat(b),
    default: () => [],
  }),
});

type SupervisorStateType = typeof SupervisorState.State;

/** A specialist: a graph over `messages` (e.g. from createAgent) and what it is good at. */
export interface SupervisedAgent {
  graph: GraphNode;
  description: string;
}

export interface CreateSupervisorOptions {
  agents: Record<string, SupervisedAgent>;
  /** Routes when no rule decides, with structured output `{ next, reason }`. */
  model?: ModelRef;
  prompt?: string;
  /** Rules first: return an agent name, FINISH, or undefined to ask the model. */
  route?: (state: SupervisorStateType) => string | undefined;
  /** Handoffs before the loop ends with MaxHandoffsError (guards against ping-pong). Default 10. */
  maxHandoffs?: number;
  checkpointer?: CheckpointSaver;
  name?: string;
}

/** The supervisor handed off `maxHandoffs` times without finishing. */
export class MaxHandoffsError extends ConclaveError {
  constructor(limit: number, recent: string[]) {
    super(
      "MAX_HANDOFFS",
      `The supervisor handed off ${limit} times without finishing (last: ${recent.join(" -> ")}). ` +
        "Tighten the routing prompt or rules, or raise maxHandoffs.",
    );
  }
}

/**
 * A supervisor that routes a conversation among specialist agents until FINISH. Each decision is
 * recorded in state (`handoffs`), annotated on the step and emitted as a `custom` stream event.
 */
export function createSupervisor(
  options: CreateSupervisorOptions,
): CompiledStateGraph<SupervisorStateType, typeof SupervisorState.Update> {
  const names = Object.keys(options.agents);
  if (names.length === 0)
    throw new ConclaveError(
      "INVALID_SUPERVISOR",
      "createSupervisor needs at least one agent in `agents`.",
    );
  if (!options.model && !options.route) {
    throw new ConclaveError(
      "INVALID_SUPERVISOR",
      "createSupervisor needs a `model` to route with, a `route` function, or both.",
    );
  }
  const maxHandoffs = options.maxHandoffs ?? 10;
  let graph = new StateGraph(SupervisorState).addNode(
    "supervisor",
    (state, config) => decide(options, names, maxHandoffs, state, config),
    {
      ends: [...names],
    },
  );
  for (const name of names)
    graph = graph.addNode(name, options.agents[name]!.graph as never).addEdge(name, "supervisor");
  return graph
    .addEdge(START, "supervisor")
    .addConditionalEdges("supervisor", (s) => (s.next === FINISH ? END : s.next), [...names, END])
    .compile({ name: options.name ?? "supervisor", checkpointer: options.checkpointer });
}

async function decide(
  options: CreateSupervisorOptions,
  names: string[],
  maxHandoffs: number,
  state: SupervisorStateType,
  config: NodeConfig,
) {
  if (state.handoffs.length >= maxHandoffs)
    throw new MaxHandoffsError(
      maxHandoffs,
      state.handoffs.slice(-4).map((h) => h.to),
    );
  const ruled = options.route?.(state);
  const handoff: Handoff =
    ruled !== undefined
      ? { to: ruled, reason: "matched a routing rule", by: "rule" }
      : { ...(await askModel(options, names, state, config)), by: "model" };
  if (handoff.to !== FINISH && !names.includes(handoff.to)) {
    throw new ConclaveError(
      "UNKNOWN_AGENT",
      `The supervisor routed to "${handoff.to}", which is not an agent. Agents: ${names.join(", ")}, or ${FINISH}.`,
    );
  }
  config.conclave.annotate("handoff", handoff);
  config.writer({ type: "handoff", ...handoff });
  // The handoff is part of the conversation, so agents and the router see who already acted.
  const note =
    handoff.to === FINISH
      ? `Finished: ${handoff.reason}`
      : `Handing off to ${handoff.to}: ${handoff.reason}`;
  return {
    next: handoff.to,
    handoffs: handoff,
    messages: [{ role: "assistant", name: "supervisor", content: note }],
  };
}

async function askModel(
  options: CreateSupervisorOptions,
  names: string[],
  state: SupervisorStateType,
  config: NodeConfig,
) {
  const roster = names.map((n) => `- ${n}: ${options.agents[n]!.description}`).join("\n");
  const schema = z.object({
    next: z.enum([FINISH, ...names] as [string, ...string[]]),
    reason: z.string(),
  });
  const answer = await askForObject<{ next: string; reason: string }>(options.model!, config, {
    schema,
    agent: "supervisor",
    instructions: `${options.prompt ?? "You coordinate a team."}\nChoose who acts next, or ${FINISH} when the request is done.\nTeam:\n${roster}`,
    messages: state.messages,
  });
  return { to: answer.next, reason: answer.reason };
}
