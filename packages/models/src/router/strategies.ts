/**
 * The routing strategies. Each ranks an alias's eligible deployments best-first and explains a
 * pick in one sentence; the selector then walks the ranking, skipping deployments that are not
 * admissible. Ranking ignores health on purpose: health is the selector's job, so every
 * strategy gets the same fallback behaviour.
 */
import { ratesFor } from "../pricing/cost.ts";
import { formatUsd, type PicoUsd } from "../pricing/money.ts";
import { type CallProfile, describeNeeds } from "./call-profile.ts";
import type { DeploymentRuntime } from "./deployment-runtime.ts";
import type { RandomSource, RoutingStrategy } from "./router-types.ts";

/** What a strategy ranks. */
export interface RankInput {
  /** Eligible deployments in the alias's configured order. */
  readonly candidates: readonly DeploymentRuntime[];
  /** Every capable deployment in configured order, tried ones included (for positions). */
  readonly configured: readonly DeploymentRuntime[];
  readonly profile: CallProfile;
  readonly stream: boolean;
  readonly random: RandomSource;
  readonly latencySlaMs: number | undefined;
}

/** A strategy's ranking of the candidates and its explanation of a pick. */
export interface Ranking {
  readonly order: readonly DeploymentRuntime[];
  /** The strategy's metric for each candidate, e.g. "$0.15/M input" or "EWMA 120 ms". */
  readonly notes: ReadonlyMap<string, string>;
  /** Why `pick` wins over the runner-up after it; `first` is false when better ones were skipped. */
  explain(pick: DeploymentRuntime, first: boolean): string;
}

/** Ranks `input.candidates` with `strategy`. Pure except for draws from `input.random`. */
export function rank(strategy: RoutingStrategy, input: RankInput): Ranking {
  switch (strategy) {
    case "cost":
      return rankByCost(input);
    case "latency":
      return rankByLatency(input);
    case "least-busy":
      return rankByMetric(
        input.candidates,
        (r) => r.inFlight,
        "least busy",
        (n) => `${n} in flight`,
      );
    case "weighted":
      return rankByWeight(input);
    case "ordered":
      return rankInOrder(input.candidates, input.configured);
  }
}

function runnerUp(order: readonly DeploymentRuntime[], pick: DeploymentRuntime) {
  return order[order.indexOf(pick) + 1];
}

/** "$0.15/M": a per-token rate per million tokens, with 2 to 4 decimals. Pure. */
export function perMillion(rate: PicoUsd): string {
  const usd = formatUsd(rate * 1_000_000n, 4).replace(/(\.\d\d\d?)0+$/, "$1");
  return `$${usd.replace(/(\.\d\d)0$/, "$1")}/M`;
}

function rankByCost(input: RankInput): Ranking {
  const { profile } = input;
  const estimate = (r: DeploymentRuntime) => {
    const { rates } = ratesFor(r.deployment.price, profile.promptTokens);
    return BigInt(profile.promptTokens) * rates.input + BigInt(profile.outputTokens) * rates.output;
  };
  const costs = new Map(input.candidates.map((r) => [r.deployment.id, estimate(r)]));
  const cost = (r: DeploymentRuntime) => costs.get(r.deployment.id)!;
  const order = stableSort(input.candidates, (a, b) =>
    cost(a) < cost(b) ? -1 : cost(a) > cost(b) ? 1 : 0,
  );
  const inputRate = (r: DeploymentRuntime) =>
    perMillion(ratesFor(r.deployment.price, profile.promptTokens).rates.input);
  const needs = describeNeeds(profile.needs);
  const label = `cheapest${needs ? ` with ${needs}` : ""}`;
  return {
    order,
    notes: new Map(
      order.map((r) => [r.deployment.id, `${inputRate(r)} input, est. $${formatUsd(cost(r), 6)}`]),
    ),
    explain(pick, first) {
      const next = runnerUp(order, pick);
      const head = first ? label : `next ${label}`;
      if (!next) return `${head}: ${inputRate(pick)} input, est. $${formatUsd(cost(pick), 6)}`;
      return (
        `${head}: ${inputRate(pick)} vs ${inputRate(next)} input (${next.deployment.id}); ` +
        `est. $${formatUsd(cost(pick), 6)} vs $${formatUsd(cost(next), 6)} for this call`
      );
    },
  };
}

function rankByLatency(input: RankInput): Ranking {
  const { stream, latencySlaMs } = input;
  const metric = stream ? "TTFT" : "latency";
  const unmeasured = input.candidates.filter((r) => r.latency(stream) === undefined);
  const measured = stableSort(
    input.candidates.filter((r) => r.latency(stream) !== undefined),
    (a, b) => a.latency(stream)! - b.latency(stream)!,
  );
  const withinSla = (r: DeploymentRuntime) =>
    latencySlaMs === undefined || r.latency(stream)! <= latencySlaMs;
  const order = [
    ...unmeasured,
    ...measured.filter(withinSla),
    ...measured.filter((r) => !withinSla(r)),
  ];
  const ms = (r: DeploymentRuntime) => `${Math.round(r.latency(stream)!)} ms`;
  const sla = latencySlaMs === undefined ? "" : ` (SLA ${latencySlaMs} ms)`;
  return {
    order,
    notes: new Map(
      order.map((r) => [
        r.deployment.id,
        r.latency(stream) === undefined ? `no ${metric} sample` : `${metric} EWMA ${ms(r)}`,
      ]),
    ),
    explain(pick) {
      if (pick.latency(stream) === undefined) {
        return `no ${metric} sample yet, so it is probed before measured deployments`;
      }
      const next = runnerUp(order, pick);
      const over = withinSla(pick) ? "" : `every measured deployment exceeds the SLA; `;
      const versus = next ? ` vs ${ms(next)} (${next.deployment.id})` : "";
      return `${over}lowest ${metric} EWMA: ${ms(pick)}${versus}${sla}`;
    },
  };
}

function rankByMetric(
  candidates: readonly DeploymentRuntime[],
  metric: (r: DeploymentRuntime) => number,
  label: string,
  show: (value: number) => string,
): Ranking {
  const order = stableSort(candidates, (a, b) => metric(a) - metric(b));
  return {
    order,
    notes: new Map(order.map((r) => [r.deployment.id, show(metric(r))])),
    explain(pick, first) {
      const next = runnerUp(order, pick);
      const versus = next ? ` vs ${show(metric(next))} (${next.deployment.id})` : "";
      return `${first ? "" : "next "}${label}: ${show(metric(pick))}${versus}`;
    },
  };
}

function rankByWeight(input: RankInput): Ranking {
  const weight = (r: DeploymentRuntime) => r.deployment.weight ?? 1;
  const pool = input.candidates.filter((r) => weight(r) > 0);
  const total = pool.reduce((sum, r) => sum + weight(r), 0);
  const order: DeploymentRuntime[] = [];
  const draws = new Map<string, number>();
  // Weighted sampling without replacement, so fallbacks also follow the weights.
  while (pool.length > 0) {
    const left = pool.reduce((sum, r) => sum + weight(r), 0);
    const draw = input.random();
    let index = 0;
    for (let point = draw * left - weight(pool[0]!); point >= 0 && index < pool.length - 1; ) {
      index++;
      point -= weight(pool[index]!);
    }
    const [chosen] = pool.splice(index, 1);
    draws.set(chosen!.deployment.id, draw);
    order.push(chosen!);
  }
  order.push(...input.candidates.filter((r) => weight(r) <= 0));
  return {
    order,
    notes: new Map(order.map((r) => [r.deployment.id, `weight ${weight(r)}`])),
    explain(pick, first) {
      const draw = draws.get(pick.deployment.id);
      const drawn = draw === undefined ? "" : `, draw ${draw.toFixed(3)}`;
      return `${first ? "" : "next "}weighted random pick: weight ${weight(pick)} of ${total}${drawn}`;
    },
  };
}

function rankInOrder(
  candidates: readonly DeploymentRuntime[],
  configured: readonly DeploymentRuntime[],
): Ranking {
  return {
    order: candidates,
    notes: new Map(
      candidates.map((r) => [r.deployment.id, `position ${configured.indexOf(r) + 1}`]),
    ),
    explain(pick) {
      const position = configured.indexOf(pick) + 1;
      return position === 1
        ? "first in fallback order"
        : `position ${position} of ${configured.length} in fallback order`;
    },
  };
}

function stableSort<T>(items: readonly T[], compare: (a: T, b: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => compare(a.item, b.item) || a.index - b.index)
    .map((entry) => entry.item);
}
