/**
 * A plain chat assistant (one tool-calling agent on the `fast` alias), served by
 * `conclave dev` as "chat": the model to pick from an OpenAI client pointed at /v1.
 */
import { createAgent } from "@conclave/agents";
import { exampleGateway, type GatewayServices } from "../lib/gateway.ts";

export const graph = (services: GatewayServices) =>
  createAgent({
    model: { gateway: exampleGateway(services).gateway, alias: "fast" },
    name: "assistant",
    prompt: "You are a concise, helpful assistant.",
  });
