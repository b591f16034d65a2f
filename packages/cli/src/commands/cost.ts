/**
 * `conclave cost`: model spend from the usage ledger, grouped by model, deployment, alias,
 * agent, thread, tenant or day (in a time zone), with a totals line. Money is summed exactly in
 * pico-USD and printed as US dollars.
 */
import {
  assertTimeZone,
  LEDGER_DIMENSIONS,
  type LedgerDimension,
  type LedgerQuery,
  type LedgerRow,
  type UsageTokens,
} from "@conclave/core";
import { formatUsd } from "@conclave/models";
import { type CommandContext, EXIT, emit, table, UsageError, usd } from "../kit.ts";
import {
  type Action,
  dateFlag,
  type Flags,
  listFlag,
  noPositionals,
  runAction,
  text,
} from "./command-group.ts";
import { withPlatform } from "./session.ts";

const USAGE = `Usage: conclave cost [--by <dimension,...>] [--from <date>] [--to <date>] [--tenant <t>]
                     [--thread <id>] [--run <id>] [--tz <IANA zone>]

Spend from the usage ledger, grouped by ${LEDGER_DIMENSIONS.join(", ")} (default model;
several with commas, e.g. --by day,model). --from is inclusive and --to exclusive (ISO dates
or date-times, UTC unless they say otherwise); --tz sets the calendar of --by day (default UTC).
Amounts are US dollars, exact to the micro-dollar; -o json gives exact pico-USD too.`;

/** One group of the report, as -o json prints it. */
export interface CostRow {
  key: Partial<Record<LedgerDimension, string>>;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  tokens: UsageTokens;
  costPico: bigint;
  costUsd: string;
}

function rowOf(row: Pick<LedgerRow, "key" | "calls" | "tokens" | "costPico">): CostRow {
  const t = row.tokens;
  return {
    key: row.key,
    calls: row.calls,
    inputTokens: t.inputNoCache + t.inputCacheRead + t.inputCacheWrite,
    outputTokens: t.outputText + t.outputReasoning,
    tokens: t,
    costPico: row.costPico,
    costUsd: formatUsd(row.costPico, 6),
  };
}

function totalOf(rows: LedgerRow[]): CostRow {
  const tokens: UsageTokens = {
    inputNoCache: 0,
    inputCacheRead: 0,
    inputCacheWrite: 0,
    outputText: 0,
    outputReasoning: 0,
  };
  let calls = 0;
  let costPico = 0n;
  for (const row of rows) {
    calls += row.calls;
    costPico += row.costPico;
    for (const field of Object.keys(tokens) as (keyof UsageTokens)[])
      tokens[field] += row.tokens[field];
  }
  return rowOf({ key: {}, calls, tokens, costPico });
}

function queryOf(flags: Flags): LedgerQuery {
  const groupBy = listFlag(flags, "by", LEDGER_DIMENSIONS) ?? ["model"];
  const timeZone = text(flags, "tz") ?? "UTC";
  try {
    assertTimeZone(timeZone, "--tz");
  } catch {
    throw new UsageError(
      `--tz must be an IANA time zone such as UTC or Europe/Paris; got ${JSON.stringify(timeZone)}.`,
    );
  }
  const from = dateFlag(flags, "from");
  const to = dateFlag(flags, "to");
  if (from && to && from >= to)
    throw new UsageError(
      `--from must come before --to (which is exclusive); got ${from.toISOString()} and ${to.toISOString()}.`,
    );
  return {
    groupBy,
    from,
    to,
    tenant: text(flags, "tenant"),
    threadId: text(flags, "thread"),
    runId: text(flags, "run"),
    timeZone,
  };
}

function costText(groupBy: LedgerDimension[], rows: CostRow[], total: CostRow): string {
  const headers = [
    ...groupBy.map((d) => d.toUpperCase()),
    "CALLS",
    "INPUT TOK",
    "OUTPUT TOK",
    "COST USD",
  ];
  const line = (r: CostRow, key: (string | undefined)[]) => [
    ...key,
    r.calls,
    r.inputTokens,
    r.outputTokens,
    usd(r.costPico),
  ];
  const body = rows.map((r) =>
    line(
      r,
      groupBy.map((d) => r.key[d] ?? "(none)"),
    ),
  );
  const totals = line(
    total,
    groupBy.map((_, i) => (i === 0 ? "TOTAL" : "")),
  );
  return rows.length === 0 ? "no usage recorded in this range" : table(headers, [...body, totals]);
}

async function report(ctx: CommandContext, flags: Flags, positionals: string[]): Promise<number> {
  noPositionals(positionals);
  const query = queryOf(flags);
  return withPlatform(ctx, flags, async ({ platform }) => {
    const found = await platform.ledger.query(query);
    // By day the calendar order reads best; otherwise the dearest groups first.
    if (!query.groupBy.includes("day"))
      found.sort((a, b) => (a.costPico === b.costPico ? 0 : a.costPico > b.costPico ? -1 : 1));
    const rows = found.map(rowOf);
    const total = totalOf(found);
    if (ctx.format === "json") {
      const range = {
        from: query.from?.toISOString() ?? null,
        to: query.to?.toISOString() ?? null,
      };
      emit(
        ctx,
        { groupBy: query.groupBy, ...range, timeZone: query.timeZone, rows, total },
        () => "",
      );
    } else emit(ctx, rows, () => costText(query.groupBy, rows, total));
    return EXIT.ok;
  });
}

const costAction: Action = {
  usage: USAGE,
  options: {
    by: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    tenant: { type: "string" },
    thread: { type: "string" },
    run: { type: "string" },
    tz: { type: "string" },
  },
  run: report,
};

/** `conclave cost`. */
export const costCommand = {
  name: "cost",
  summary: "model spend by model, agent, tenant, day or thread, with totals",
  usage: USAGE,
  run: (ctx: CommandContext) => runAction(ctx, costAction, ctx.args),
};
