import type { Review } from "./council.ts";

/**
 * The vote winner: most votes; ties go to the higher mean review score, then to member order.
 * Pure.
 */
export function tally(
  votes: Record<string, string>,
  reviews: readonly Review[],
  candidates: readonly string[],
): string {
  const counts = new Map(candidates.map((c) => [c, 0]));
  for (const v of Object.values(votes)) if (counts.has(v)) counts.set(v, counts.get(v)! + 1);
  const score = (c: string) => {
    const own = reviews.filter((r) => r.target === c).map((r) => r.score);
    return own.length === 0 ? 0 : own.reduce((a, b) => a + b, 0) / own.length;
  };
  return [...candidates].sort((a, b) => counts.get(b)! - counts.get(a)! || score(b) - score(a))[0]!;
}

/**
 * How much the council agreed, 0..1. For a vote: the winner's share of the votes. Otherwise the
 * share of reviews that accepted the answer they read (1 when no review ran). Pure.
 */
export function agreementOf(
  method: string,
  state: { votes: Record<string, string>; reviews: readonly Review[] },
  winner: string | undefined,
): number {
  if (method === "vote") {
    const ballots = Object.values(state.votes);
    return ballots.length === 0 ? 0 : ballots.filter((v) => v === winner).length / ballots.length;
  }
  if (state.reviews.length === 0) return 1;
  return state.reviews.filter((r) => r.verdict === "accept").length / state.reviews.length;
}
