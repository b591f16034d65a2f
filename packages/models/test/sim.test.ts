/**
 * The sim provider through the real AI SDK functions. Every test injects a virtual clock, so
 * simulated latency is asserted from the clock and nothing really sleeps.
 */
import { APICallError } from "@ai-sdk/provider";
import { generateText, type ModelMessage, Output, stepCountIs, streamText, tool } from "ai";
import { countTokens } from "gpt-tokenizer";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { costOf } from "../src/pricing/cost.ts";
import { priceFor } from "../src/pricing/price-table.ts";
import { SIM_PRICE } from "../src/pricing/sim-price.ts";
import { createSim } from "../src/sim/create-sim.ts";
import { createVirtualClock } from "../src/sim/sim-clock.ts";

function sim(options: Parameters<typeof createSim>[0] = {}) {
  const clock = createVirtualClock();
  return {
    clock,
    provider: createSim({ timeToFirstTokenMs: 300, perTokenMs: 20, clock, ...options }),
  };
}

describe("sim: text", () => {
  it("answers generateText with labelled text, tokenizer usage, metadata and latency", async () => {
    const { clock, provider } = sim({ seed: 1 });
    const result = await generateText({
      model: provider("planner"),
      prompt: "Plan a trip to Lisbon",
    });
    expect(result.text.startsWith("[simulated] ")).toBe(true);
    expect(result.text).toContain("Lisbon");
    expect(result.usage.outputTokens).toBe(countTokens(result.text));
    expect(result.usage.inputTokens).toBeGreaterThan(countTokens("Plan a trip to Lisbon"));
    expect(result.providerMetadata?.sim).toMatchObject({
      simulated: true,
      seed: 1,
      source: "default",
    });
    expect(result.finishReason).toBe("stop");
    expect(clock.elapsed).toBe(300 + 20 * (result.usage.outputTokens ?? 0));
  });

  it("streams one token per delta after time-to-first-token", async () => {
    const { clock, provider } = sim();
    const result = streamText({ model: provider(), prompt: "Summarise the meeting notes" });
    const arrivals: { delta: string; at: number }[] = [];
    for await (const delta of result.textStream) arrivals.push({ delta, at: clock.now() });
    const text = arrivals.map((a) => a.delta).join("");
    expect(text).toBe(await result.text);
    expect(arrivals.length).toBe(countTokens(text));
    expect((await result.usage).outputTokens).toBe(arrivals.length);
    // AI SDK reads ahead, so exact timing is asserted on the model's own stream below.
    expect(arrivals.at(-1)!.at).toBe(300 + 20 * (arrivals.length - 1));
  });

  it("delivers the first token at time-to-first-token and the rest per-token", async () => {
    const { clock, provider } = sim();
    const prompt = [
      { role: "user" as const, content: [{ type: "text" as const, text: "Hi there" }] },
    ];
    const { stream } = await provider().doStream({ prompt });
    const times: number[] = [];
    const reader = stream.getReader();
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      if (part.value.type === "text-delta") times.push(clock.now());
    }
    expect(times[0]).toBe(300);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual(times.slice(1).map(() => 20));
  });

  it("honours maxOutputTokens with finish reason length", async () => {
    const { provider } = sim();
    const result = await generateText({
      model: provider(),
      prompt: "Write an essay",
      maxOutputTokens: 5,
    });
    expect(result.usage.outputTokens).toBe(5);
    expect(result.finishReason).toBe("length");
  });

  it("is priced with the declared sim price", async () => {
    const { provider } = sim();
    const result = await generateText({ model: provider(), prompt: "Hello" });
    expect(provider.price).toBe(SIM_PRICE);
    const cost = costOf(priceFor(provider().provider, "sim-default"), result.usage);
    const expected =
      BigInt(result.usage.inputTokens ?? 0) * 1_000_000n +
      BigInt(result.usage.outputTokens ?? 0) * 4_000_000n;
    expect(cost.total).toBe(expected);
  });
});

describe("sim: determinism", () => {
  async function transcript(seed: number) {
    const { provider } = sim({ seed });
    const stream = streamText({
      model: provider("writer"),
      prompt: "Describe the harbour at dawn",
    });
    const parts: unknown[] = [];
    for await (const part of stream.fullStream) {
      if (part.type === "text-delta") parts.push(part.text);
    }
    const object = await generateText({
      model: provider("writer"),
      prompt: "Extract the facts",
      output: Output.object({
        schema: z.object({ facts: z.array(z.string()), count: z.number().int() }),
      }),
    });
    return { parts, object: object.output };
  }

  it("gives the same transcript for the same seed and prompt across fresh providers", async () => {
    expect(await transcript(42)).toEqual(await transcript(42));
  });

  it("differs across seeds", async () => {
    expect(await transcript(42)).not.toEqual(await transcript(43));
  });
});

describe("sim: structured output", () => {
  const schema = z.object({
    title: z.string().min(3).max(40),
    tags: z
      .array(z.enum(["red", "green", "blue"]))
      .min(1)
      .max(3),
    score: z.number().min(0).max(1),
    rank: z.number().int().min(1).max(10),
    published: z.boolean(),
    kind: z.literal("report"),
    owner: z.union([z.string(), z.null()]),
    extra: z.object({ note: z.string() }).optional(),
  });

  it("returns a schema-valid object for many seeds", async () => {
    for (let seed = 0; seed < 20; seed++) {
      const { provider } = sim({ seed });
      const result = await generateText({
        model: provider(),
        prompt: "Write a status report",
        output: Output.object({ schema }),
      });
      expect(schema.safeParse(result.output).success).toBe(true);
      expect(result.providerMetadata?.sim?.simulated).toBe(true);
    }
  });

  it("routes to unvisited options first and to FINISH once all were visited", async () => {
    const route = z.object({ next: z.enum(["researcher", "writer", "FINISH"]) });
    const decide = async (messages: ModelMessage[]) => {
      const { provider } = sim({ seed: 3 });
      const result = await generateText({
        model: provider("supervisor"),
        messages,
        output: Output.object({ schema: route }),
      });
      return result.output.next;
    };
    const user = { role: "user" as const, content: "Research and write a note on tides" };
    const first = await decide([user]);
    expect(["researcher", "writer"]).toContain(first);
    const other = first === "researcher" ? "writer" : "researcher";
    expect(await decide([user, { role: "assistant", content: `{"next":"${first}"}` }])).toBe(other);
    expect(
      await decide([
        user,
        { role: "assistant", content: '{"next":"researcher"}' },
        { role: "assistant", content: '{"next":"writer"}' },
      ]),
    ).toBe("FINISH");
  });
});

describe("sim: tools", () => {
  it("calls the best-matching tool with valid input, then answers from its result", async () => {
    const { provider } = sim({ seed: 5 });
    const seen: unknown[] = [];
    const result = await generateText({
      model: provider(),
      prompt: "What is the weather in Paris today?",
      tools: {
        search_flights: tool({
          description: "Find flights between two airports",
          inputSchema: z.object({ from: z.string(), to: z.string() }),
          execute: async () => ({ flights: [] }),
        }),
        get_weather: tool({
          description: "Get the current weather for a city",
          inputSchema: z.object({ city: z.string(), unit: z.enum(["c", "f"]) }),
          execute: async (input) => {
            seen.push(input);
            return { tempC: 21 };
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    expect(result.steps[0]!.toolCalls.map((c) => c.toolName)).toEqual(["get_weather"]);
    expect(seen).toHaveLength(1);
    expect(
      z.object({ city: z.string(), unit: z.enum(["c", "f"]) }).safeParse(seen[0]).success,
    ).toBe(true);
    expect(result.steps).toHaveLength(2);
    expect(result.text).toMatch(/^\[simulated\] get_weather returned .*21/);
  });

  it("streams tool input deltas", async () => {
    const { provider } = sim();
    const stream = streamText({
      model: provider(),
      prompt: "Look up the order status",
      tools: {
        order_status: tool({
          description: "Order status lookup",
          inputSchema: z.object({ id: z.string() }),
        }),
      },
    });
    const types = new Set<string>();
    for await (const part of stream.fullStream) types.add(part.type);
    expect([...types]).toEqual(
      expect.arrayContaining(["tool-input-start", "tool-input-delta", "tool-call"]),
    );
  });
});

describe("sim: scripts and faults", () => {
  it("plays a script in order, then the responder, then the default", async () => {
    const { provider } = sim({
      script: ["first", { text: "second", reasoning: "thinking" }],
      responder: (request) => (request.callIndex === 2 ? "third" : undefined),
    });
    const model = provider();
    const texts = [];
    for (let i = 0; i < 4; i++) texts.push((await generateText({ model, prompt: "go" })).text);
    expect(texts.slice(0, 3)).toEqual([
      "[simulated] first",
      "[simulated] second",
      "[simulated] third",
    ]);
    expect(texts[3]).toMatch(/^\[simulated\] Re: "go"/);
  });

  it("raises a 429 APICallError with Retry-After that AI SDK retries honour", async () => {
    const { provider } = sim({ script: [{ fault: "rate-limit", retryAfterSeconds: 7 }] });
    const error = await generateText({ model: provider(), prompt: "hi", maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.isRetryable).toBe(true);
    expect(apiError.responseHeaders?.["retry-after"]).toBe("7");

    const retried = sim({ script: [{ fault: "rate-limit", retryAfterSeconds: 0 }, "recovered"] });
    const result = await generateText({ model: retried.provider(), prompt: "hi", maxRetries: 1 });
    expect(result.text).toBe("[simulated] recovered");
    expect(retried.provider.calls).toBe(2);
  });

  it("throws injected errors", async () => {
    const { provider } = sim({
      script: [{ fault: "error", error: new Error("boom") }, { fault: "error" }],
    });
    await expect(generateText({ model: provider(), prompt: "x", maxRetries: 0 })).rejects.toThrow(
      "boom",
    );
    const error = await generateText({ model: provider(), prompt: "x", maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect((error as APICallError).statusCode).toBe(500);
  });

  it("never answers a timeout fault until the call is aborted", async () => {
    const { provider } = sim({ script: [{ fault: "timeout" }] });
    const controller = new AbortController();
    let settled = false;
    const call = generateText({
      model: provider(),
      prompt: "x",
      maxRetries: 0,
      abortSignal: controller.signal,
    }).finally(() => {
      settled = true;
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(settled).toBe(false);
    controller.abort(new Error("deadline"));
    await expect(call).rejects.toThrow();
  });

  it("cuts a stream mid-response", async () => {
    const { provider } = sim({
      script: [{ fault: "cut", afterTokens: 2, reply: "one two three four five six" }],
    });
    const errors: unknown[] = [];
    const stream = streamText({
      model: provider(),
      prompt: "x",
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    const deltas: string[] = [];
    const consume = async () => {
      for await (const part of stream.fullStream)
        if (part.type === "text-delta") deltas.push(part.text);
    };
    const thrown = await consume().catch((e: unknown) => e);
    expect(deltas).toHaveLength(2);
    expect(thrown ?? errors[0]).toMatchObject({ code: "SIM_STREAM_CUT", deliveredTokens: 2 });
  });
});
