/**
 * API fuzzing from the OpenAPI document. The test loads /openapi.json from a running server
 * with the full API and, for every operation in it, sends property-based requests of every
 * kind that applies (fuzz-requests.ts: valid-looking, malformed in one place, malformed on the
 * wire, unknown and foreign ids, bad keys) over real HTTP. fuzz-oracle.ts judges each answer:
 * no 5xx, and every 4xx says what was wrong. The last test checks that every operation of the
 * document was exercised.
 *
 * Deterministic: FUZZ_SEED (default below) seeds every property; FUZZ_RUNS sets the runs per
 * operation and kind; FUZZ_SHRINK=1 shrinks a failure to a smaller request (slower).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { describe as describeRequest, judge, send } from "./fuzz-oracle.ts";
import { KINDS, type Kind, type Operation, operationsOf, requestsFor } from "./fuzz-requests.ts";
import { startFuzzServer } from "./fuzz-server.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 1_770_001);
const RUNS = Number(process.env.FUZZ_RUNS ?? 6);

const fuzz = await startFuzzServer();
const doc = (await (await fetch(`${fuzz.url}/openapi.json`)).json()) as {
  paths: Record<string, Record<string, unknown>>;
};
const operations = operationsOf(doc);
/** Requests judged, by operation and kind. */
const sent = new Map<string, Map<Kind, number>>();
/** Operations whose valid-looking requests got a 2xx at least once. */
const succeeded = new Set<string>();

afterAll(() => fuzz.close());

/** A seed per operation and kind, so each property is reproducible on its own. */
function seedOf(op: Operation, kind: Kind): number {
  let hash = SEED | 0;
  for (const char of `${op.id} ${kind}`) hash = Math.imul(hash ^ char.charCodeAt(0), 16_777_619);
  return hash >>> 0;
}

function count(op: Operation, kind: Kind): void {
  const kinds = sent.get(op.id) ?? new Map<Kind, number>();
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  sent.set(op.id, kinds);
}

/** Runs one kind against one operation; returns the failure, if any. */
async function fuzzKind(op: Operation, kind: Kind, ids: Awaited<ReturnType<typeof fuzz.refresh>>) {
  const requests = requestsFor(op, kind, ids);
  if (!requests) return undefined;
  const keys = await fuzz.keys();
  const seed = seedOf(op, kind);
  const property = fc.asyncProperty(requests, async (req) => {
    let res: Awaited<ReturnType<typeof send>> | undefined;
    const started = Date.now();
    try {
      res = await send(fuzz.url, req, keys);
      if (process.env.FUZZ_DEBUG === "slow" && Date.now() - started > 500)
        console.log(`${Date.now() - started} ms: ${describeRequest(req, res)}`);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${describeRequest(req, undefined)}`);
    }
    count(op, kind);
    if (kind === "valid" && res.status < 300) succeeded.add(op.id);
    if (process.env.FUZZ_DEBUG === kind) console.log(describeRequest(req, res));
    const problems = judge(req, res, fuzz.secret);
    if (problems.length > 0)
      throw new Error(`${problems.join("; ")}\n${describeRequest(req, res)}`);
  });
  const result = await fc.check(property, {
    seed,
    numRuns: RUNS,
    endOnFailure: process.env.FUZZ_SHRINK !== "1",
  });
  if (!result.failed) return undefined;
  const cause =
    (result.errorInstance as Error | undefined)?.message ?? String(result.errorInstance);
  return `[${kind}] seed ${result.seed} path "${result.counterexamplePath}" (FUZZ_SEED=${SEED}): ${cause}`;
}

describe("every operation of /openapi.json", () => {
  it.each(operations.map((op) => [op.id, op] as const))("%s", async (_id, op) => {
    const ids = await fuzz.refresh();
    const failures: string[] = [];
    for (const kind of KINDS) {
      const failure = await fuzzKind(op, kind, ids);
      if (failure) failures.push(failure);
    }
    if (failures.length > 0) throw new Error(`${op.id}\n${failures.join("\n\n")}`);
  });

  it("covered every operation in the document, and left the other tenant alone", async () => {
    const documented = Object.values(doc.paths).flatMap((methods) => Object.keys(methods));
    expect(operations).toHaveLength(documented.length);
    expect([...sent.keys()].sort()).toEqual(operations.map((op) => op.id).sort());
    for (const op of operations) expect(sent.get(op.id)?.get("valid")).toBe(RUNS);
    const total = [...sent.values()].flatMap((k) => [...k.values()]).reduce((a, b) => a + b, 0);
    const pairs = [...sent.values()].reduce((n, kinds) => n + kinds.size, 0);
    const missed = operations.filter((op) => !succeeded.has(op.id)).map((op) => op.id);
    console.log(
      `fuzzed ${operations.length} operations, ${pairs} operation-kind pairs, ${total} requests (seed ${SEED}, ${RUNS} runs each); valid-looking requests succeeded on ${succeeded.size} operations${missed.length ? `, never on ${missed.join(", ")}` : ""}`,
    );
    const res = await fetch(`${fuzz.url}/threads/${fuzz.theirs.thread_id}`, {
      headers: { authorization: `Bearer ${fuzz.theirKey}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(fuzz.secret);
  });
});
