import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("interrupt() and streaming without AsyncLocalStorage", () => {
  it("work synchronously, after awaits with the node's config, and fail clearly otherwise", () => {
    const script = new URL("./no-async-local-storage.ts", import.meta.url).pathname;
    const out = JSON.parse(
      execFileSync(process.execPath, [script], { encoding: "utf8" }).trim().split("\n").at(-1)!,
    );
    expect(out.first).toEqual([{ id: expect.any(String), value: "before any await?" }]);
    expect(out.second).toEqual([{ id: expect.any(String), value: "after an await?" }]);
    expect(out.custom).toContainEqual(["custom", { progress: "after await" }]);
    expect(out.custom.at(-1)).toEqual(["values", { answers: ["one", "two"] }]);
    expect(out.bareError).toBe("INTERRUPT_OUTSIDE_NODE");
  });
});
