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
import { lastHumanText } from "../messages/model-messages.ts";
import type { GraphNode } from "./graph-node.ts";

export type TriageRoute = "fast" | "deliberate";

/** The recorded triage decision. */
export interface TriageDecision {
  route: TriageRoute;
  reason: string;
  by: "rule" | "model";
}

export const TriageState = Annotation.Root({
  ...MessagesAnnotation.spec,
  triage: Annotation<TriageDecision>(),
});

type TriageStateType = typeof TriageState.State;

export interface CreateTriageOptions {
  classify: {
    /** Rules first: return a route, or undefined to ask the model. */
    rules?: (request: string, state: TriageStateType) => TriageRoute | undefined;
    /** A cheap model with structured output `{ route, reason }`. */
    model?: ModelRef;
    prompt?: string;
  };
  /** The fast path: a graph over `messages` (e.g. createAgent). */
  fast: GraphNode;
  /** The deliberate path: a graph over `messages` (e.g. createCouncil). */
  deliberate: GraphNode;
  checkpointer?: CheckpointSaver;
  name?: string;
}

/**
 * Triage: classify a request (rules, then a cheap model) and send it down the fast path or the
 * deliberate one. The decision and its reason are kept in state, annotated on the step and
 * streamed as a `custom` event.
 */
export function createTriage(
  options: CreateTriageOptions,
): CompiledStateGraph<TriageStateType, typeof TriageState.Update> {
  if (!options.classify.rules && !options.classify.model) {
    throw new ConclaveError(
      "INVALID_TRIAGE",
      "createTriage needs classify.rules, classify.model, or both.",
    );
  }
  return new StateGraph(TriageState)
    .addNode("classify", (state, config) => classify(options, state, config))
    .addNode("fast", options.fast as never)
    .addNode("deliberate", options.deliberate as never)
    .addEdge(START, "classify")
    .addConditionalEdges("classify", (s) => s.triage.route, ["fast", "deliberate"])
    .addEdge("fast", END)
    .addEdge("deliberate", END)
    .compile({ name: options.name ?? "triage", checkpointer: options.checkpointer });
}

async function classify(options: CreateTriageOptions, state: TriageStateType, config: NodeConfig) {
  const request = lastHumanText(state.messages);
  const ruled = options.classify.rules?.(request, state);
  let decision: TriageDecision;
  if (ruled !== undefined) {
    decision = { route: ruled, reason: "matched a triage rule", by: "rule" };
  } else {
    const answer = await askForObject<{ route: TriageRoute; reason: string }>(
      options.classify.model!,
      config,
      {
        schema: z.object({ route: z.enum(["fast", "deliberate"]), reason: z.string() }),
        agent: "triage",
        instructions:
          options.classify.prompt ??
          "Classify the request: `fast` for simple, factual or routine requests; `deliberate` for complex, risky or contested ones.",
        prompt: request,
      },
    );
    decision = { ...answer, by: "model" };
  }
  config.conclave.annotate("triage", decision);
  config.writer({ type: "triage", ...decision });
  return { triage: decision };
}
