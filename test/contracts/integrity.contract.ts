/**
 * Contract: the hash chain and head record, serialization through a saver, and the errors a
 * saver raises for bad input.
 */
import {
  CheckpointNotFoundError,
  InvalidArgumentError,
  NotSerializableError,
} from "@conclave/core";
import { expect, it } from "vitest";
import { checkpointOf, meta, putChain, threadId } from "../support/checkpoints.ts";
import type { ContractContext } from "./checkpoint-saver.contract.ts";

/** Registers the verify, serialization and bad-input tests. */
export function integrityContract(ctx: ContractContext): void {
  it("verify passes for chains with namespaces and forks, and hashes link parent to child", async () => {
    const saver = ctx.saver();
    const thread = threadId("verify");
    expect(await saver.verify(thread)).toEqual({ ok: true, checked: 0 });
    const main = await putChain(saver, { thread }, [{ a: 1 }, { a: 2 }, { a: 3 }]);
    await putChain(saver, { thread, parent: main[0] }, [{ a: 10 }]);
    await putChain(saver, { thread, ns: "node:x" }, [{ s: [1] }, { s: [1, 2] }]);
    expect(await saver.verify(thread)).toEqual({ ok: true, checked: 6 });
    const first = await saver.getTuple(main[0]!.config);
    const second = await saver.getTuple(main[1]!.config);
    expect(first?.hash).not.toBe(second?.hash);
  });

  it("round-trips edge values: false, 0, '', undefined, Date, Map, Set, BigInt, bytes", async () => {
    const saver = ctx.saver();
    const thread = threadId("serde");
    const values = {
      f: false,
      zero: 0,
      negZero: -0,
      empty: "",
      undef: undefined,
      nested: { u: undefined, list: [undefined, null, 1] },
      date: new Date("2024-02-29T12:34:56.789Z"),
      map: new Map<unknown, unknown>([
        ["k", 1],
        [2, new Set(["a"])],
      ]),
      set: new Set([1, "1", 2n]),
      big: 12345678901234567890n,
      bytes: new Uint8Array([0, 1, 255]),
      special: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      tagLike: { $t: "d", v: "not a date" },
      unicode: "é☃😀\u0000",
    };
    const [a, b] = await putChain(saver, { thread }, [{ keep: 1 }, values]);
    await saver.putWrites(b!.config, [["w", values]], "task");
    const tuple = await saver.getTuple(b!.config);
    expect(tuple?.checkpoint.channel_values).toEqual({ ...values });
    expect(Object.hasOwn(tuple!.checkpoint.channel_values, "undef")).toBe(true);
    expect(Object.is((tuple!.checkpoint.channel_values as { negZero: number }).negZero, -0)).toBe(
      true,
    );
    expect(tuple?.pendingWrites[0]?.[2]).toEqual(values);
    expect((await saver.getTuple(a!.config))?.checkpoint.channel_values).toEqual({ keep: 1 });
  });

  it("state is isolated: mutating the input after put does not change what was stored", async () => {
    const saver = ctx.saver();
    const thread = threadId("iso");
    const state = { list: [1, 2], obj: { a: 1 } };
    const [stored] = await putChain(saver, { thread }, [state]);
    state.list.push(3);
    state.obj.a = 2;
    const read = await saver.getTuple(stored!.config);
    expect(read?.checkpoint.channel_values).toEqual({ list: [1, 2], obj: { a: 1 } });
  });

  it("throws NotSerializableError naming the path of a function in state", async () => {
    const saver = ctx.saver();
    const thread = threadId("bad");
    const state = { tools: [{ name: "search", handler: function search() {} }] };
    const put = saver.put(
      { configurable: { thread_id: thread } },
      checkpointOf({}, state),
      meta(-1),
    );
    await expect(put).rejects.toBeInstanceOf(NotSerializableError);
    await expect(put).rejects.toMatchObject({
      code: "NOT_SERIALIZABLE",
      path: "state.tools[0].handler",
      message: expect.stringMatching(/a function \(named "search"\).*plain object/),
    });
    expect(await saver.getTuple({ configurable: { thread_id: thread } })).toBeUndefined();
    const write = saver.putWrites(
      { configurable: { thread_id: thread, checkpoint_id: "x" } },
      [["w", Symbol("s")]],
      "t",
    );
    await expect(write).rejects.toBeInstanceOf(NotSerializableError);
  });

  it("rejects a missing parent, a missing thread_id and a conflicting duplicate id", async () => {
    const saver = ctx.saver();
    const thread = threadId("err");
    const orphan = saver.put(
      { configurable: { thread_id: thread, checkpoint_id: "no-such-parent" } },
      checkpointOf({}, { x: 1 }),
      meta(0),
    );
    await expect(orphan).rejects.toBeInstanceOf(CheckpointNotFoundError);
    const noThread = saver.getTuple({ configurable: {} as { thread_id: string } });
    await expect(noThread).rejects.toMatchObject({ code: "MISSING_THREAD_ID" });
    const checkpoint = checkpointOf({}, { x: 1 });
    const config = { configurable: { thread_id: thread } };
    await saver.put(config, checkpoint, meta(-1));
    await saver.put(config, checkpoint, meta(-1)); // idempotent retry
    const clash = saver.put(
      config,
      { ...checkpoint, channel_values: { x: 2 }, delta: { x: { op: "set", value: 2 } } },
      meta(-1),
    );
    await expect(clash).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(clash).rejects.toMatchObject({ code: "CHECKPOINT_EXISTS" });
    await expect(saver.prune(thread, {})).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await saver.verify(thread)).toEqual({ ok: true, checked: 1 });
  });
}
