/**
 * The research team as a graph: a supervisor routes a request among a researcher, a writer and
 * a critic, whose `publish_report` tool needs approval (the run pauses with an interrupt). Served
 * by `conclave dev` as "research-team"; examples/research-team.ts runs it in the terminal.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createAgent, createSupervisor, tool } from "@conclave/agents";
import type { CheckpointSaver } from "@conclave/core";
import type { Gateway } from "@conclave/models";
import { z } from "zod";
import { exampleGateway, type GatewayServices } from "../lib/gateway.ts";

export function buildResearchTeam(
  gateway: Gateway,
  options: { checkpointer?: CheckpointSaver } = {},
) {
  const publish = tool({
    name: "publish_report",
    description: "Publish the final report to the team's reports folder",
    schema: z.object({ title: z.string(), body: z.string() }),
    requiresApproval: true,
    execute: ({ title, body }) => {
      mkdirSync(".conclave/reports", { recursive: true });
      const slug = title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .slice(0, 60);
      const path = `.conclave/reports/${slug || "report"}-${Date.now()}.md`;
      writeFileSync(path, `# ${title}\n\n${body}\n`);
      return `published to ${path}`;
    },
  });

  const fast = { gateway, alias: "fast" };
  return createSupervisor({
    agents: {
      researcher: {
        graph: createAgent({ model: fast, name: "researcher", prompt: "You gather facts." }),
        description: "finds facts and sources",
      },
      writer: {
        graph: createAgent({
          model: { gateway, alias: "smart" },
          name: "writer",
          prompt: "You write clear reports.",
        }),
        description: "drafts the report",
      },
      critic: {
        graph: createAgent({
          model: fast,
          name: "critic",
          tools: [publish],
          prompt: "You review the report, then publish it.",
        }),
        description: "reviews and publishes the report",
      },
    },
    // Rules fix the pipeline order; after it, the model decides whether the work is done.
    route: (state) => ["researcher", "writer", "critic"][state.handoffs.length],
    model: fast,
    prompt: "You lead a research team. Finish when the report is published.",
    checkpointer: options.checkpointer,
  });
}

/** The factory `conclave dev` registers: model usage goes to the platform's ledger. */
export const graph = (services: GatewayServices) =>
  buildResearchTeam(exampleGateway(services).gateway);
