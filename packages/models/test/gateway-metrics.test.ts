/**
 * The GenAI metrics reach a meter provider registered after the gateway module loaded, as an
 * app that sets its OpenTelemetry SDK up in `main()` registers it. The provider here is a
 * recording one written against `@opentelemetry/api` alone (no SDK is a dependency).
 */
import { type Attributes, type Histogram, type MeterProvider, metrics } from "@opentelemetry/api";
import { generateText, streamText } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { createGateway } from "../src/index.ts";
import { cheapSimRegistry } from "./sim-registry.ts";

interface Recorded {
  name: string;
  value: number;
  attributes: Attributes | undefined;
}

function recordingProvider(recorded: Recorded[]): MeterProvider {
  const histogram = (name: string) =>
    ({
      record: (value: number, attributes?: Attributes) =>
        recorded.push({ name, value, attributes }),
    }) as Histogram;
  return {
    getMeter: () =>
      ({ createHistogram: histogram }) as unknown as ReturnType<MeterProvider["getMeter"]>,
  };
}

afterEach(() => metrics.disable());

describe("gateway GenAI metrics", () => {
  it("records token usage and duration on a provider registered after import", async () => {
    const gateway = createGateway({
      registry: cheapSimRegistry(),
      aliases: { fast: { strategy: "ordered" } },
    });
    const before: Recorded[] = [];
    metrics.setGlobalMeterProvider(recordingProvider(before));
    await generateText({ model: gateway.model("fast"), prompt: "hello there" });
    metrics.disable();
    // Registered again, a new provider gets the next call's metrics.
    const after: Recorded[] = [];
    metrics.setGlobalMeterProvider(recordingProvider(after));
    await streamText({ model: gateway.model("fast"), prompt: "hello again" }).consumeStream();
    for (const recorded of [before, after]) {
      expect(recorded.map((r) => [r.name, r.attributes?.["gen_ai.token.type"]])).toEqual([
        ["gen_ai.client.token.usage", "input"],
        ["gen_ai.client.token.usage", "output"],
        ["gen_ai.client.operation.duration", undefined],
      ]);
      expect(recorded[0]!.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "sim",
        "gen_ai.request.model": "fast",
        "gen_ai.response.model": "sim-cheap",
      });
      expect(recorded[0]!.value).toBeGreaterThan(0);
      expect(recorded[1]!.value).toBeGreaterThan(0);
      expect(recorded[2]!.value).toBeGreaterThanOrEqual(0);
    }
  });
});
