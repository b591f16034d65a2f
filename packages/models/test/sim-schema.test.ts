/** The sim's JSON-Schema value generator against schemas zod produces and a few hand-written ones. */
import type { JSONSchema7 } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { sampleJsonSchema } from "../src/sim/json-schema-value.ts";
import { seededRandom } from "../src/sim/seeded-random.ts";

const hints = { words: ["alpha", "beta", "gamma"], visited: new Set<string>() };

describe("sampleJsonSchema", () => {
  const schema = z.object({
    id: z.uuid(),
    email: z.email(),
    at: z.iso.datetime(),
    day: z.iso.date(),
    level: z.number().int().gt(2).lte(9),
    ratio: z.number().multipleOf(0.25).min(0).max(2),
    items: z
      .array(z.object({ name: z.string().min(12), ok: z.boolean() }))
      .min(2)
      .max(4),
    mode: z.enum(["fast", "slow"]),
    fixed: z.literal(7),
    either: z.union([z.string().max(3), z.number()]),
    both: z.intersection(z.object({ a: z.string() }), z.object({ b: z.number() })),
    maybe: z.string().nullable(),
  });
  const json = z.toJSONSchema(schema) as JSONSchema7;

  it("produces values zod accepts, for 200 seeds", () => {
    for (let seed = 0; seed < 200; seed++) {
      const value = sampleJsonSchema(json, seededRandom(seed), hints);
      const parsed = schema.safeParse(value);
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });

  it("is deterministic for a seed", () => {
    expect(sampleJsonSchema(json, seededRandom(9), hints)).toEqual(
      sampleJsonSchema(json, seededRandom(9), hints),
    );
  });

  it("follows local $refs", () => {
    const withRef: JSONSchema7 = {
      type: "object",
      properties: { point: { $ref: "#/$defs/point" } },
      required: ["point"],
      $defs: {
        point: {
          type: "object",
          properties: { x: { type: "integer", minimum: 5, maximum: 5 } },
          required: ["x"],
        },
      },
    } as JSONSchema7;
    expect(sampleJsonSchema(withRef, seededRandom(1), hints)).toEqual({ point: { x: 5 } });
  });

  it("picks the finish option only once every route was visited", () => {
    const route: JSONSchema7 = { type: "string", enum: ["a", "b", "END"] };
    const visited = new Set(["a"]);
    expect(sampleJsonSchema(route, seededRandom(1), { words: [], visited })).toBe("b");
    visited.add("b");
    expect(sampleJsonSchema(route, seededRandom(1), { words: [], visited })).toBe("END");
  });
});
