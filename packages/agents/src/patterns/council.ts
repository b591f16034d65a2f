import {
  Annotation,
  type CheckpointSaver,
  type CompiledStateGraph,
  ConclaveError,
  END,
  MessagesAnnotation,
  type NodeConfig,
  Send,
  START,
  StateGraph,
} from "@conclave/core";
import { z } from "zod";
import { askForObject, askForText, type ModelRef } from "../agent/model-ref.ts";
import { lastHumanText } from "../messages/model-messages.ts";
import { agreementOf, tally } from "./council-decision.ts";

/** A council member: a model, optionally with a persona (the same model can sit twice). */
export interface CouncilMember {
  name: string;
  model: ModelRef;
  persona?: string;
}

/** One member's critique of another's answer. */
export interface Review {
  reviewer: string;
  target: string;
  score: number;
  issues: string[];
  verdict: "accept" | "revise";
}

/** The council's outcome. */
export interface CouncilDecision {
  method: "vote" | "judge" | "synthesize";
  answer: string;
  winner?: string;
  reason?: string;
  /** Mean review score per member (0-10), when reviews ran. */
  scores: Record<string, number>;
  /** 0..1: vote share of the winner, or the share of reviews that accepted. */
  agreement: number;
}

const merge = <T>(a: Record<string, T>, b: Record<string, T>) => ({ ...a, ...b });

export const CouncilState = Annotation.Root({
  ...MessagesAnnotation.spec,
  question: Annotation<string>(),
  answers: Annotation<Record<string, string>>({ reducer: merge, default: () => ({}) }),
  reviews: Annotation<Review[], Review | Review[]>({
    reducer: (a, b) => a.concat(b),
    default: () => [],
  }),
  votes: Annotation<Record<string, string>>({ reducer: merge, default: () => ({}) }),
  decision: Annotation<CouncilDecision>(),
});

type CouncilStateType = typeof CouncilState.State;

export interface CreateCouncilOptions {
  members: CouncilMember[];
  /** Judges or synthesises (required for those methods). */
  chair?: ModelRef;
  /** 3 (default): answer, cross-review, decide. 2: skip the review. */
  phases?: 2 | 3;
  /** Reviewed members whose verdict is `revise` revise their answer once. Default false. */
  revise?: boolean;
  decide?: "vote" | "judge" | "synthesize";
  checkpointer?: CheckpointSaver;
  name?: string;
}

const reviewSchema = z.object({
  score: z.number().int().min(0).max(10),
  issues: z.array(z.string()).max(5),
  verdict: z.enum(["accept", "revise"]),
});

/**
 * A council: every member answers independently and in parallel (Send); then member i reviews
 * member i+1's answer (score 0-10, issues, verdict); then the council decides by vote, by the
 * chair's judgement, or by the chair's synthesis. Each member's cost is metered as its own agent.
 */
export function createCouncil(
  options: CreateCouncilOptions,
): CompiledStateGraph<CouncilStateType, typeof CouncilState.Update> {
  validate(options);
  const members = new Map(options.members.map((m) => [m.name, m]));
  const method = options.decide ?? "vote";
  const reviewPhase = (options.phases ?? 3) === 3;
  const graph = new StateGraph(CouncilState)
    .addNode("convene", (state) => ({ question: lastHumanText(state.messages) }))
    .addNode("answer", (task: CouncilStateType & { member: string }, config: NodeConfig) =>
      answer(members.get(task.member)!, task.question, config),
    )
    .addNode("collect", () => ({}))
    .addNode(
      "review",
      (task: CouncilStateType & { reviewer: string; target: string }, config: NodeConfig) =>
        review(members.get(task.reviewer)!, task, config),
    )
    .addNode(
      "revise",
      (task: CouncilStateType & { member: string; issues: string[] }, config: NodeConfig) =>
        revise(members.get(task.member)!, task, config),
    )
    .addNode("vote", (task: CouncilStateType & { member: string }, config: NodeConfig) =>
      vote(members.get(task.member)!, task, config),
    )
    .addNode("reviewed", () => ({}))
    .addNode("revised", () => ({}))
    .addNode("decide", (state, config) => decide(options, method, state, config))
    .addEdge(START, "convene")
    .addConditionalEdges("convene", (s) =>
      options.members.map((m) => new Send("answer", { ...s, member: m.name })),
    )
    .addEdge("answer", "collect")
    .addConditionalEdges("collect", (s) =>
      reviewPhase ? reviewSends(options.members, s) : votingSends(method, options.members, s),
    )
    // Parallel phases join in a no-op node first: a conditional edge on a Send target would fan
    // out once per task.
    .addEdge("review", "reviewed")
    .addConditionalEdges("reviewed", (s) =>
      options.revise ? reviseSends(s) : votingSends(method, options.members, s),
    )
    .addEdge("revise", "revised")
    .addConditionalEdges("revised", (s) => votingSends(method, options.members, s))
    .addEdge("vote", "decide")
    .addEdge("decide", END);
  return graph.compile({ name: options.name ?? "council", checkpointer: options.checkpointer });
}

function validate(options: CreateCouncilOptions): void {
  const names = options.members.map((m) => m.name);
  if (names.length < 2)
    throw new ConclaveError(
      "INVALID_COUNCIL",
      `A council needs at least 2 members; got ${names.length}.`,
    );
  if (new Set(names).size !== names.length)
    throw new ConclaveError(
      "INVALID_COUNCIL",
      `Council member names must be unique; got ${names.join(", ")}.`,
    );
  if ((options.decide === "judge" || options.decide === "synthesize") && !options.chair) {
    throw new ConclaveError(
      "INVALID_COUNCIL",
      `decide: "${options.decide}" needs a chair model; pass { chair }.`,
    );
  }
}

async function answer(member: CouncilMember, question: string, config: NodeConfig) {
  const text = await askForText(member.model, config, {
    instructions: member.persona,
    prompt: question,
    agent: member.name,
  });
  return { answers: { [member.name]: text } };
}

function reviewSends(members: CouncilMember[], state: CouncilStateType): Send[] {
  return members.map(
    (m, i) =>
      new Send("review", {
        ...state,
        reviewer: m.name,
        target: members[(i + 1) % members.length]!.name,
      }),
  );
}

async function review(
  member: CouncilMember,
  task: CouncilStateType & { reviewer: string; target: string },
  config: NodeConfig,
) {
  const critique = await askForObject<z.infer<typeof reviewSchema>>(member.model, config, {
    schema: reviewSchema,
    agent: member.name,
    instructions: `${member.persona ?? ""}\nCritique the answer: score it 0-10, list its issues, and say accept or revise.`,
    prompt: `Question: ${task.question}\n\nAnswer by ${task.target}:\n${task.answers[task.target] ?? ""}`,
  });
  return { reviews: { reviewer: task.reviewer, target: task.target, ...critique } };
}

function reviseSends(state: CouncilStateType): Send[] | string {
  const toRevise = state.reviews.filter((r) => r.verdict === "revise");
  if (toRevise.length === 0) return "decide";
  return toRevise.map((r) => new Send("revise", { ...state, member: r.target, issues: r.issues }));
}

async function revise(
  member: CouncilMember,
  task: CouncilStateType & { member: string; issues: string[] },
  config: NodeConfig,
) {
  const text = await askForText(member.model, config, {
    instructions: member.persona,
    agent: member.name,
    prompt: `Question: ${task.question}\nYour answer: ${task.answers[task.member] ?? ""}\nIssues raised: ${task.issues.join("; ")}\nGive a revised answer.`,
  });
  return { answers: { [member.name]: text } };
}

function votingSends(
  method: string,
  members: CouncilMember[],
  state: CouncilStateType,
): Send[] | string {
  if (method !== "vote") return "decide";
  return members.map((m) => new Send("vote", { ...state, member: m.name }));
}

async function vote(
  member: CouncilMember,
  task: CouncilStateType & { member: string },
  config: NodeConfig,
) {
  const candidates = Object.keys(task.answers);
  const ballot = await askForObject<{ vote: string; reason: string }>(member.model, config, {
    schema: z.object({ vote: z.enum(candidates as [string, ...string[]]), reason: z.string() }),
    agent: member.name,
    instructions: `${member.persona ?? ""}\nVote for the best answer by its author's name.`,
    prompt: `Question: ${task.question}\n\n${candidates.map((c) => `[${c}]\n${task.answers[c]}`).join("\n\n")}`,
  });
  return { votes: { [member.name]: ballot.vote } };
}

async function decide(
  options: CreateCouncilOptions,
  method: "vote" | "judge" | "synthesize",
  state: CouncilStateType,
  config: NodeConfig,
) {
  const candidates = Object.keys(state.answers);
  let decision: Omit<CouncilDecision, "scores" | "agreement">;
  if (method === "vote") {
    const winner = tally(state.votes, state.reviews, candidates);
    decision = {
      method,
      winner,
      answer: state.answers[winner] ?? "",
      reason: `${countFor(state.votes, winner)} of ${Object.keys(state.votes).length} votes`,
    };
  } else if (method === "judge") {
    const verdict = await askForObject<{ winner: string; reason: string }>(options.chair!, config, {
      schema: z.object({ winner: z.enum(candidates as [string, ...string[]]), reason: z.string() }),
      agent: "chair",
      instructions: "Pick the best answer by its author's name.",
      prompt: `Question: ${state.question}\n\n${candidates.map((c) => `[${c}]\n${state.answers[c]}`).join("\n\n")}`,
    });
    decision = {
      method,
      winner: verdict.winner,
      reason: verdict.reason,
      answer: state.answers[verdict.winner] ?? "",
    };
  } else {
    const merged = await askForText(options.chair!, config, {
      agent: "chair",
      instructions:
        "Merge the answers into one, keeping what they agree on and resolving conflicts.",
      prompt: `Question: ${state.question}\n\n${candidates.map((c) => `[${c}]\n${state.answers[c]}`).join("\n\n")}`,
    });
    decision = { method, answer: merged };
  }
  const full: CouncilDecision = {
    ...decision,
    scores: meanScores(state.reviews),
    agreement: agreementOf(method, state, decision.winner),
  };
  config.conclave.annotate("council", { method, winner: full.winner, agreement: full.agreement });
  return {
    decision: full,
    messages: [{ role: "assistant", name: "council", content: full.answer }],
  };
}

function countFor(votes: Record<string, string>, winner: string): number {
  return Object.values(votes).filter((v) => v === winner).length;
}

function meanScores(reviews: Review[]): Record<string, number> {
  const sums = new Map<string, number[]>();
  for (const r of reviews) sums.set(r.target, [...(sums.get(r.target) ?? []), r.score]);
  return Object.fromEntries(
    [...sums].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]),
  );
}
