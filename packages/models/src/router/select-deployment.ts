/**
 * One routing step: rank the alias's eligible deployments with its strategy, walk the ranking
 * and pick the first admissible one, or say how long to wait. It decides only; the router
 * performs the admission, the waiting and the call.
 *
 * Rules:
 * - a deployment that failed earlier in this call is not tried again, unless its failure
 *   carried a Retry-After (then its cooldown gates it and it comes back once that ends);
 * - open, probing and cooling-down deployments are skipped;
 * - a saturated deployment is skipped with overflow `next`; with `queue` the call waits for it
 *   when it is the best healthy candidate.
 */
import type { CallProfile } from "./call-profile.ts";
import type { DeploymentRuntime, DeploymentStatus } from "./deployment-runtime.ts";
import type {
  CandidateView,
  OverflowMode,
  RandomSource,
  RoutingDecision,
  RoutingStrategy,
} from "./router-types.ts";
import { rank } from "./strategies.ts";

/** A deployment that already failed during the current call. */
export interface TriedDeployment {
  /** Whether the failure carried a Retry-After, which makes it eligible again after cooldown. */
  readonly retryAfter: boolean;
  readonly summary: string;
}

/** What one routing step needs. */
export interface SelectInput {
  readonly alias: string;
  readonly strategy: RoutingStrategy;
  readonly overflow: OverflowMode;
  readonly latencySlaMs: number | undefined;
  /** Capable deployments, in the alias's configured order. */
  readonly candidates: readonly DeploymentRuntime[];
  readonly tried: ReadonlyMap<string, TriedDeployment>;
  readonly profile: CallProfile;
  readonly stream: boolean;
  readonly random: RandomSource;
  readonly now: number;
  readonly attempt: number;
  readonly fallbackFrom: string | undefined;
  readonly waitedMs: number;
}

/** The step's outcome. */
export type Selection =
  | {
      readonly kind: "admit";
      readonly runtime: DeploymentRuntime;
      readonly decision: RoutingDecision;
    }
  | {
      readonly kind: "wait";
      /** Whether a saturated deployment is what the call waits for (queue timeout applies). */
      readonly saturated: boolean;
      /** Earliest known change, or `undefined` when only a release or probe end can help. */
      readonly until: number | undefined;
      /** "a: open (...); b: saturated (...)", for errors. */
      readonly states: string;
      readonly ids: readonly string[];
    }
  | { readonly kind: "exhausted" };

const ADMISSIBLE = new Set(["ready", "half-open"]);

/** Runs one routing step. Pure except for strategy draws from `input.random`. */
export function selectDeployment(input: SelectInput): Selection {
  const { tried } = input;
  const eligible = input.candidates.filter((r) => tried.get(r.deployment.id)?.retryAfter !== false);
  if (eligible.length === 0) return { kind: "exhausted" };
  const estimate = input.profile.promptTokens + input.profile.outputTokens;
  const statuses = new Map(eligible.map((r) => [r, r.status(input.now, estimate)]));
  const ranking = rank(input.strategy, {
    candidates: eligible,
    configured: input.candidates,
    profile: input.profile,
    stream: input.stream,
    random: input.random,
    latencySlaMs: input.latencySlaMs,
  });
  const skipped: string[] = [];
  for (const runtime of ranking.order) {
    const status = statuses.get(runtime)!;
    if (ADMISSIBLE.has(status.state)) {
      const reason = reasonFor(input, skipped, ranking.explain(runtime, skipped.length === 0));
      const candidates = viewsOf(input, ranking.order, statuses, ranking.notes);
      return {
        kind: "admit",
        runtime,
        decision: decisionOf(input, runtime, reason, candidates, estimate),
      };
    }
    if (status.state === "saturated" && input.overflow === "queue") {
      return waitFor([[runtime, status]]);
    }
    skipped.push(`${runtime.deployment.id} (${status.state}: ${status.detail})`);
  }
  return waitFor([...statuses.entries()]);
}

function waitFor(entries: readonly (readonly [DeploymentRuntime, DeploymentStatus])[]): Selection {
  let until: number | undefined;
  for (const [, status] of entries) {
    if (status.until !== undefined)
      until = until === undefined ? status.until : Math.min(until, status.until);
  }
  return {
    kind: "wait",
    saturated: entries.some(([, s]) => s.state === "saturated"),
    until,
    states: entries.map(([r, s]) => `${r.deployment.id}: ${s.state}, ${s.detail}`).join("; "),
    ids: entries.map(([r]) => r.deployment.id),
  };
}

function reasonFor(input: SelectInput, skipped: readonly string[], explanation: string): string {
  const from = input.fallbackFrom;
  const fallback = from
    ? `fallback after ${from} failed (${input.tried.get(from)?.summary ?? "retryable error"}); `
    : "";
  const skips = skipped.length > 0 ? `skipped ${skipped.join(", ")}; ` : "";
  return `${fallback}${skips}${explanation}`;
}

function viewsOf(
  input: SelectInput,
  order: readonly DeploymentRuntime[],
  statuses: ReadonlyMap<DeploymentRuntime, DeploymentStatus>,
  notes: ReadonlyMap<string, string>,
): CandidateView[] {
  const views: CandidateView[] = order.map((r) => {
    const status = statuses.get(r)!;
    const note = notes.get(r.deployment.id);
    return {
      id: r.deployment.id,
      state: status.state,
      detail: note ? `${status.detail}; ${note}` : status.detail,
    };
  });
  for (const [id, tried] of input.tried) {
    if (!tried.retryAfter) views.push({ id, state: "failed-this-call", detail: tried.summary });
  }
  return views;
}

function decisionOf(
  input: SelectInput,
  runtime: DeploymentRuntime,
  reason: string,
  candidates: readonly CandidateView[],
  estimatedTokens: number,
): RoutingDecision {
  const from = input.fallbackFrom;
  return {
    alias: input.alias,
    deployment: runtime.deployment.id,
    strategy: input.strategy,
    reason,
    candidates,
    attempt: input.attempt,
    ...(from === undefined
      ? {}
      : { fallbackFrom: from, fallbackError: input.tried.get(from)?.summary }),
    decidedAt: input.now,
    waitedMs: input.waitedMs,
    estimatedTokens,
  };
}
